import { collectFacts, MAX_ERRORS } from './facts.js';
import { redact } from './redact.js';
import { builtInRules } from './rules.js';
import type { Category, Classification, ClassificationPatch, ClassificationRule, ClassifyOptions, ErrorFacts, RuleMatcher } from './types.js';

/** The messages matched by rules are cut to this length first: matching cost stays bounded. */
const MATCH_CHARS = 4000;

const RETRYABLE: ReadonlySet<Category> = new Set<Category>(['rate-limited', 'server', 'network']);

const DEFAULT_REMEDIATION: Record<Category, string> = {
  unauthenticated: 'Sign in again or refresh the access token.',
  forbidden: 'Ask an administrator for the permission this operation needs.',
  'not-found': 'Check the ID; the record may have been deleted or belong to another tenant.',
  conflict: 'Someone else changed this record: reload it and apply your change again.',
  validation: 'Correct the input named in the message and submit again.',
  'rate-limited': 'Too many requests: wait and retry with backoff.',
  server: 'A server-side failure: retry with backoff, and contact support if it persists.',
  network: 'No response from the server: check the connection and retry.',
  'bad-request': 'The request or response was malformed; check the client and the endpoint.',
  unknown: 'An unexpected error occurred; retry, and report it with the full message if it repeats.',
};

function oneOf<T>(expected: T | ReadonlyArray<T> | undefined, actual: T | undefined): boolean {
  if (expected === undefined) return true;
  return Array.isArray(expected) ? (expected as ReadonlyArray<T>).includes(actual as T) : expected === actual;
}

function matchRule(rule: ClassificationRule, facts: ErrorFacts, text: string): RegExpMatchArray | null | false {
  if (typeof rule.match === 'function') return rule.match(facts) ? null : false;
  const m: RuleMatcher = rule.match;
  if (!oneOf(m.source, facts.source)) return false;
  if (m.status !== undefined) {
    if (typeof m.status === 'function' ? !m.status(facts.status) : !oneOf(m.status, facts.status)) return false;
  }
  if (!oneOf(m.code, facts.code)) return false;
  if (!oneOf(m.systemCode, facts.systemCode)) return false;
  if (!oneOf(m.errorName, facts.errorName)) return false;
  if (!oneOf(m.body, facts.body)) return false;
  if (m.propertyName && !m.propertyName.test(facts.propertyName ?? '')) return false;
  if (m.message) {
    m.message.lastIndex = 0;
    const found = m.message.exec(text);
    return found ?? false;
  }
  return null;
}

/** Applies the first matching rule to one set of facts. Never throws: a broken user rule is skipped. */
export function classifyFacts(facts: ErrorFacts, options: ClassifyOptions = {}): Classification {
  const text = facts.message.length > MATCH_CHARS ? facts.message.slice(0, MATCH_CHARS) : facts.message;
  let patch: ClassificationPatch | undefined;
  for (const rule of [...(options.rules ?? []), ...builtInRules]) {
    try {
      const found = matchRule(rule, facts, text);
      if (found === false) continue;
      patch = typeof rule.classify === 'function' ? rule.classify(facts, found) : rule.classify;
      if (patch && typeof patch.category === 'string') break;
      patch = undefined;
    } catch {
      // a rule that throws is a rule that does not match
    }
  }
  const category: Category = patch?.category ?? (facts.body === 'unexpected-shape' ? 'bad-request' : 'unknown');
  const httpStatus = facts.status !== undefined && facts.status >= 400 ? facts.status : undefined;
  const details = { ...(patch?.details ?? {}) };
  if (details.field === undefined && typeof facts.extensions?.field === 'string') details.field = facts.extensions.field;
  if (facts.retryAfterMs !== undefined) details.retryAfterMs = facts.retryAfterMs;
  if (facts.systemCode !== undefined) details.systemCode = facts.systemCode;
  if (facts.body !== undefined && facts.body !== 'json') details.body = facts.body;
  for (const key of Object.keys(details)) if (details[key] === undefined) delete details[key];

  const rawMessage = facts.message || (facts.description ?? '');
  const classification: Classification = {
    category,
    reason: patch?.reason ?? (category === 'unknown' ? (facts.body === 'unexpected-shape' ? 'unexpected-shape' : 'unrecognized') : undefined),
    status: httpStatus ?? patch?.status ?? (facts.status !== undefined && facts.status !== 200 ? facts.status : undefined),
    code: patch?.code ?? facts.code,
    message: redact(rawMessage || defaultMessage(category, httpStatus), options.secrets),
    retryable: patch?.retryable ?? RETRYABLE.has(category),
    refreshable: patch?.refreshable ?? false,
    remediation: patch?.remediation ?? DEFAULT_REMEDIATION[category],
  };
  if (classification.status === undefined) delete classification.status;
  if (classification.code === undefined) delete classification.code;
  if (classification.reason === undefined) delete classification.reason;
  if (Object.keys(details).length > 0) classification.details = details;
  if (facts.path) classification.path = facts.path;
  return classification;
}

function defaultMessage(category: Category, status: number | undefined): string {
  const label = category === 'unknown' ? 'Unrecognized error' : `${category[0]!.toUpperCase()}${category.slice(1).replace(/-/g, ' ')} error`;
  return status ? `${label} (HTTP ${status}), no message` : `${label}, no message`;
}

/** Which classification speaks for a set: the one a person must act on first. */
const PRIORITY: ReadonlyArray<Category> = ['unauthenticated', 'forbidden', 'conflict', 'validation', 'bad-request', 'not-found', 'rate-limited', 'server', 'network', 'unknown'];

export function primaryClassification(list: ReadonlyArray<Classification>): Classification | undefined {
  let best: Classification | undefined;
  for (const c of list) if (!best || PRIORITY.indexOf(c.category) < PRIORITY.indexOf(best.category)) best = c;
  return best;
}

/** One classification per error the input carries (a result with three errors gives three). */
export function classifyErrors(input: unknown, options: ClassifyOptions = {}): Classification[] {
  const existing = readAnnotations(input);
  if (existing) return existing;
  const parts = errorParts(input);
  if (parts) return parts.flatMap((part) => readAnnotations(part) ?? collectFacts(part, { status: options.status, headers: options.headers }).map((facts) => classifyFacts(facts, options)));
  return collectFacts(input, { status: options.status, headers: options.headers }).map((facts) => classifyFacts(facts, options));
}

/**
 * Any error shape (Apollo 3 or 4 error, HTTP failure, GraphQL error, result with `errors`,
 * OAuth or REST error body, network failure, garbage) → one `Classification`. Never throws.
 */
export function classifyError(input: unknown, options: ClassifyOptions = {}): Classification {
  return primaryClassification(classifyErrors(input, options)) ?? classifyFacts({ source: 'unknown', message: '' }, options);
}

/** Classifications an earlier link already attached to this value, if any. */
export function readAnnotations(input: unknown): Classification[] | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  try {
    const own = (input as { classifications?: unknown }).classifications;
    if (Array.isArray(own) && own.length > 0 && own.every(isClassification)) return own as Classification[];
    const one = (input as { classification?: unknown }).classification;
    if (isClassification(one)) return [one];
    const fromExtensions = (input as { extensions?: { classification?: unknown } }).extensions?.classification;
    if (isClassification(fromExtensions)) return [fromExtensions];
  } catch {
    return undefined;
  }
  return undefined;
}

export function isClassification(value: unknown): value is Classification {
  return typeof value === 'object' && value !== null && typeof (value as Classification).category === 'string' && typeof (value as Classification).retryable === 'boolean' && typeof (value as Classification).remediation === 'string';
}

/** The errors a container holds (AC4 `CombinedGraphQLErrors`, AC3 `ApolloError`, a result), or undefined. */
export function errorParts(input: unknown): unknown[] | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  try {
    const name = (input as { name?: unknown }).name;
    if (name === 'CombinedGraphQLErrors' || name === 'CombinedProtocolErrors') {
      const errors = (input as { errors?: unknown }).errors;
      return Array.isArray(errors) ? errors.slice(0, MAX_ERRORS) : undefined;
    }
    if (name === 'ApolloError') {
      const e = input as { graphQLErrors?: unknown; protocolErrors?: unknown; clientErrors?: unknown; networkError?: unknown };
      const list = (v: unknown): unknown[] => (Array.isArray(v) ? v.slice(0, MAX_ERRORS) : []);
      const parts = [...list(e.graphQLErrors), ...list(e.protocolErrors), ...(e.networkError ? [e.networkError] : []), ...list(e.clientErrors)];
      return parts.length > 0 ? parts : undefined;
    }
    if (!(input instanceof Error) && Array.isArray((input as { errors?: unknown }).errors) && (input as { errors: unknown[] }).errors.length > 0) {
      return (input as { errors: unknown[] }).errors.slice(0, MAX_ERRORS);
    }
  } catch {
    return undefined;
  }
  return undefined;
}
