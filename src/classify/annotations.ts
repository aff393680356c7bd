// The light part of classification every link needs: reading what ErrorClassifyLink attached,
// choosing the primary classification, and attaching one to an error. No rule tables here.
import type { Category, Classification } from './types.js';

/** More errors than this in one response are not classified one by one. */
export const MAX_ERRORS = 50;

export const RETRYABLE_CATEGORIES: ReadonlySet<Category> = new Set<Category>(['rate-limited', 'server', 'network']);

export const DEFAULT_REMEDIATION: Record<Category, string> = {
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

/** Which classification speaks for a set: the one a person must act on first. */
const PRIORITY: ReadonlyArray<Category> = ['unauthenticated', 'forbidden', 'conflict', 'validation', 'bad-request', 'not-found', 'rate-limited', 'server', 'network', 'unknown'];

export function primaryClassification(list: ReadonlyArray<Classification>): Classification | undefined {
  let best: Classification | undefined;
  for (const c of list) if (!best || PRIORITY.indexOf(c.category) < PRIORITY.indexOf(best.category)) best = c;
  return best;
}

export function isClassification(value: unknown): value is Classification {
  return typeof value === 'object' && value !== null && typeof (value as Classification).category === 'string' && typeof (value as Classification).retryable === 'boolean' && typeof (value as Classification).remediation === 'string';
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

/** The errors a container holds (AC4 `CombinedGraphQLErrors`, AC3 `ApolloError`, a result), or undefined. */
export function errorParts(input: unknown): unknown[] | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  try {
    const name = (input as { name?: unknown }).name;
    const list = (v: unknown): unknown[] => (Array.isArray(v) ? v.slice(0, MAX_ERRORS) : []);
    if (name === 'CombinedGraphQLErrors' || name === 'CombinedProtocolErrors') {
      const errors = (input as { errors?: unknown }).errors;
      return Array.isArray(errors) ? list(errors) : undefined;
    }
    if (name === 'ApolloError') {
      const e = input as { graphQLErrors?: unknown; protocolErrors?: unknown; clientErrors?: unknown; networkError?: unknown };
      const parts = [...list(e.graphQLErrors), ...list(e.protocolErrors), ...(e.networkError ? [e.networkError] : []), ...list(e.clientErrors)];
      return parts.length > 0 ? parts : undefined;
    }
    const errors = (input as { errors?: unknown }).errors;
    if (!(input instanceof Error) && Array.isArray(errors) && errors.length > 0) return list(errors);
  } catch {
    return undefined;
  }
  return undefined;
}

/** A new error that carries its own classification (circuit open, refresh failed, conflict…). */
export class ResilienceError extends Error {
  readonly classification: Classification;
  readonly classifications: Classification[];
  constructor(classification: Classification, options?: { cause?: unknown }) {
    super(classification.message);
    this.name = 'ResilienceError';
    this.classification = classification;
    this.classifications = [classification];
    if (options && 'cause' in options) (this as { cause?: unknown }).cause = options.cause;
  }
}

/**
 * Attaches `classification` (the primary one) and `classifications` (all) to an error object.
 * Returns the same error object, or a wrapper whose `cause` is the original when it cannot be extended.
 */
export function attachClassifications(error: unknown, classifications: Classification[]): unknown {
  const classification = primaryClassification(classifications)!;
  if (typeof error === 'object' && error !== null && Object.isExtensible(error)) {
    try {
      if ((error as { classification?: unknown }).classification !== classification) Object.assign(error, { classification, classifications });
      return error;
    } catch {
      // fall through to the wrapper
    }
  }
  return new ResilienceError(classification, { cause: error });
}

/** Something threw where it should not (a user callback, a link below): classified, cause kept. */
export function unexpectedError(error: unknown, where: string, redactText: (text: string) => string = (t) => t): ResilienceError {
  const message = error instanceof Error ? error.message : String(error);
  return new ResilienceError({
    category: 'unknown',
    reason: 'link-error',
    message: redactText(`${where} failed: ${message}`),
    retryable: false,
    refreshable: false,
    remediation: `Fix ${where} (see this error's cause); the operation was not sent.`,
  }, { cause: error });
}
