import { RETRYABLE_CATEGORIES, errorParts, primaryClassification, readAnnotations } from './annotations.js';
import { CATEGORY_REMEDIATION, REASON_REMEDIATION, coreRules } from './core.js';
import { collectFacts, safeGet } from './facts.js';
import { redact } from './redact.js';
import type {
  Category,
  Classification,
  ClassificationPatch,
  ClassificationRule,
  ClassifyOptions,
  ErrorFacts,
  Remediations,
} from './types.js';

/** Rules see the message cut to this length (every matcher and `classify` function): matching cost stays bounded. */
const MATCH_CHARS = 4000;

function oneOf(expected: unknown, actual: unknown): boolean {
  return expected === undefined || (Array.isArray(expected) ? expected.includes(actual) : expected === actual);
}

/** The matched message (`null` when the rule has no message pattern), or `false` when the rule does not match. */
function matchRule(rule: ClassificationRule, facts: ErrorFacts): RegExpMatchArray | null | false {
  const m = rule.match;
  if (typeof m === 'function') return m(facts) ? null : false;
  for (const key of ['source', 'code', 'systemCode', 'errorName', 'body'] as const)
    if (!oneOf(m[key], facts[key])) return false;
  if (typeof m.status === 'function' ? !m.status(facts.status) : !oneOf(m.status, facts.status)) return false;
  if (m.propertyName && !m.propertyName.test(facts.propertyName ?? '')) return false;
  if (!m.message) return null;
  m.message.lastIndex = 0;
  return m.message.exec(facts.message) ?? false;
}

interface Verdict {
  patch: ClassificationPatch;
  rule: ClassificationRule;
}

function apply(rule: ClassificationRule, facts: ErrorFacts): ClassificationPatch | undefined {
  try {
    const found = matchRule(rule, facts);
    if (found === false) return undefined;
    const patch = typeof rule.classify === 'function' ? rule.classify(facts, found) : rule.classify;
    return patch && typeof patch.category === 'string' ? patch : undefined;
  } catch {
    return undefined; // a rule that throws is a rule that does not match
  }
}

function first(
  layers: ReadonlyArray<ReadonlyArray<ClassificationRule>>,
  accept: (rule: ClassificationRule, patch: ClassificationPatch) => boolean,
  facts: ErrorFacts,
  refining: boolean,
): Verdict | undefined {
  for (const layer of layers) {
    for (const rule of layer) {
      if (Boolean(rule.refine) !== refining) continue;
      const patch = apply(rule, facts);
      if (patch && accept(rule, patch)) return { patch, rule };
    }
  }
  return undefined;
}

function textFrom(table: Remediations | undefined, key: string, classification: Classification): string | undefined {
  const own = table?.[key] ?? table?.[classification.category];
  if (own === undefined) return undefined;
  try {
    const text = typeof own === 'function' ? own(classification) : own;
    return typeof text === 'string' && text !== '' ? text : undefined;
  } catch {
    return undefined; // a remediation function that throws falls back to the next text
  }
}

/** Yours (the option), then the deciding rule's own, then the profiles' (in order), then the core's. */
function remediationFor(
  classification: Classification,
  patch: ClassificationPatch | undefined,
  options: ClassifyOptions,
): string {
  const key = `${classification.category}/${classification.reason ?? ''}`;
  const yours = textFrom(options.remediations, key, classification);
  if (yours !== undefined) return yours;
  if (patch?.remediation) return patch.remediation;
  for (const profile of options.profiles ?? []) {
    const text = textFrom(profile.remediations, key, classification);
    if (text !== undefined) return text;
  }
  return REASON_REMEDIATION[key] ?? CATEGORY_REMEDIATION[classification.category];
}

/**
 * Classifies one set of facts. Explicit signals decide the category, message rules refine it (see
 * `ClassificationRule`). Never throws: a broken user rule is skipped.
 */
export function classifyFacts(facts: ErrorFacts, options: ClassifyOptions = {}): Classification {
  const seen = { ...facts, message: facts.message.slice(0, MATCH_CHARS) };
  const user = options.rules ?? [];
  const layers = [user, ...(options.profiles ?? []).map((p) => p.rules), coreRules];
  const decided = first(layers, () => true, seen, false);
  const final = decided !== undefined && user.includes(decided.rule);
  const refined = final
    ? undefined
    : first(
        layers,
        (_rule, patch) =>
          !decided ||
          patch.category === decided.patch.category ||
          Boolean(decided.rule.narrowsTo?.includes(patch.category)),
        seen,
        true,
      );
  const patch: ClassificationPatch | undefined =
    decided && refined
      ? {
          ...decided.patch,
          ...refined.patch,
          details: { ...decided.patch.details, ...refined.patch.details },
          // A refinement may say a new token will not help; it never overrides a deciding rule's explicit no.
          refreshable: decided.patch.refreshable !== false && (refined.patch.refreshable ?? decided.patch.refreshable),
          // The deciding rule's text no longer fits once a refinement changed the reason.
          remediation:
            refined.patch.remediation ??
            (refined.patch.reason === undefined || refined.patch.reason === decided.patch.reason
              ? decided.patch.remediation
              : undefined),
        }
      : (refined ?? decided)?.patch;

  const category: Category = patch?.category ?? (facts.body === 'unexpected-shape' ? 'bad-request' : 'unknown');
  const httpStatus = facts.status !== undefined && facts.status >= 400 ? facts.status : undefined;
  const collected: Record<string, unknown> = { ...(patch?.details ?? {}) };
  if (collected.field === undefined && typeof facts.extensions?.field === 'string')
    collected.field = facts.extensions.field;
  for (const key of ['retryAfterMs', 'systemCode', 'body'] as const)
    if (facts[key] !== undefined && facts[key] !== 'json') collected[key] = facts[key];
  // What a rule builds from the message (a resource, a quoted constraint) is redacted like the message itself.
  const scrub = (text: string): string => redact(text, options.secrets);
  /** Strings redacted at any depth a rule nests them (lists and plain objects, 4 levels); unreadable: left out. */
  const clean = (value: unknown, depth: number): unknown => {
    try {
      return typeof value === 'string'
        ? scrub(value)
        : depth > 3 || !value || typeof value !== 'object'
          ? value
          : Array.isArray(value)
            ? value.map((item) => clean(item, depth + 1))
            : Object.getPrototypeOf(value) === Object.prototype
              ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, clean(item, depth + 1)]))
              : value;
    } catch {
      return undefined;
    }
  };
  const details: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(collected)) {
    const cleaned = clean(value, 0);
    if (cleaned !== undefined) details[key] = cleaned;
  }

  const rawMessage = facts.message || (facts.description ?? '');
  const classification: Classification = {
    category,
    reason:
      patch?.reason ??
      (category === 'unknown' ? (facts.body === 'unexpected-shape' ? 'unexpected-shape' : 'unrecognized') : undefined),
    status:
      httpStatus ?? patch?.status ?? (facts.status !== undefined && facts.status !== 200 ? facts.status : undefined),
    code: patch?.code ?? facts.code,
    message: scrub(rawMessage || defaultMessage(category, httpStatus)),
    retryable: patch?.retryable ?? RETRYABLE_CATEGORIES.has(category),
    refreshable: patch?.refreshable ?? false,
    remediation: '',
  };
  if (classification.status === undefined) delete classification.status;
  if (classification.code === undefined) delete classification.code;
  if (classification.reason === undefined) delete classification.reason;
  if (Object.keys(details).length > 0) classification.details = details;
  if (facts.path) classification.path = facts.path;
  classification.remediation = scrub(remediationFor(classification, patch, options));
  return classification;
}

function defaultMessage(category: Category, status: number | undefined): string {
  const label =
    category === 'unknown'
      ? 'Unrecognized error'
      : `${category[0]!.toUpperCase()}${category.slice(1).replace(/-/g, ' ')} error`;
  return status ? `${label} (HTTP ${status}), no message` : `${label}, no message`;
}

/** One classification per error the input carries (a result with three errors gives three). */
export function classifyErrors(input: unknown, options: ClassifyOptions = {}): Classification[] {
  const existing = readAnnotations(input);
  if (existing) return existing;
  const parts = errorParts(input);
  // A container's top-level `extensions` (a result's, AC4 CombinedGraphQLErrors') reach each error's facts (Shopify's cost).
  // So does a result's own numeric `status` (`{ data, errors, status }`), as when it is read whole.
  const own = safeGet(parts && input, 'extensions');
  const ownStatus = safeGet(parts && input, 'status');
  const extensions =
    typeof own === 'object' && own !== null && !Array.isArray(own)
      ? (own as Record<string, unknown>)
      : options.responseExtensions;
  const status = typeof ownStatus === 'number' ? ownStatus : options.status;
  const envelope = { status, headers: options.headers, ...(extensions ? { extensions } : {}) };
  if (parts)
    return parts.flatMap(
      (part) => readAnnotations(part) ?? collectFacts(part, envelope).map((facts) => classifyFacts(facts, options)),
    );
  return collectFacts(input, envelope).map((facts) => classifyFacts(facts, options));
}

/**
 * Any error shape (Apollo 3 or 4 error, HTTP failure, GraphQL error, result with `errors`,
 * OAuth or REST error body, network failure, garbage) → one `Classification`. Never throws.
 */
export function classifyError(input: unknown, options: ClassifyOptions = {}): Classification {
  return (
    primaryClassification(classifyErrors(input, options)) ?? classifyFacts({ source: 'unknown', message: '' }, options)
  );
}

export { errorParts, isClassification, primaryClassification, readAnnotations } from './annotations.js';
