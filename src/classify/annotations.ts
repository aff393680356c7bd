// The light part of classification every link needs: reading what ErrorClassifyLink attached,
// choosing the primary classification, and attaching one to an error. No rule tables here.
import { redact } from './redact.js';
import type { Category, Classification } from './types.js';

/** More errors than this in one response are not classified one by one. */
export const MAX_ERRORS = 50;

export const RETRYABLE_CATEGORIES: ReadonlySet<Category> = new Set<Category>(['rate-limited', 'server', 'network']);

/** Which classification speaks for a set: the one a person must act on first. */
const PRIORITY: ReadonlyArray<Category> = [
  'unauthenticated',
  'forbidden',
  'conflict',
  'validation',
  'bad-request',
  'not-found',
  'rate-limited',
  'server',
  'network',
  'unknown',
];

export function primaryClassification(list: ReadonlyArray<Classification>): Classification | undefined {
  let best: Classification | undefined;
  for (const c of list) if (!best || PRIORITY.indexOf(c.category) < PRIORITY.indexOf(best.category)) best = c;
  return best;
}

export function isClassification(value: unknown): value is Classification {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Classification).category === 'string' &&
    typeof (value as Classification).retryable === 'boolean' &&
    typeof (value as Classification).remediation === 'string'
  );
}

// Annotations are invisible to everything but `getClassifications` and the links: a non-enumerable
// property under a registered symbol where the object can take one (shared by every copy of the
// package in the process), a WeakMap where it cannot (frozen). JSON, deep equality, snapshots and
// error reporters see the object exactly as it was.
const KEY = Symbol.for('apollo-link-resilience.classifications');
const frozen = new WeakMap<object, ReadonlyArray<Classification>>();

function annotated(input: object): ReadonlyArray<Classification> | undefined {
  const own = (input as { [KEY]?: unknown })[KEY];
  if (Array.isArray(own)) return own as ReadonlyArray<Classification>;
  return frozen.get(input);
}

/** Records classifications on an object without changing what it looks like. */
export function setAnnotations(target: unknown, classifications: ReadonlyArray<Classification>): void {
  if ((typeof target !== 'object' && typeof target !== 'function') || target === null || classifications.length === 0)
    return;
  try {
    if (Object.isExtensible(target) || Object.prototype.hasOwnProperty.call(target, KEY)) {
      Object.defineProperty(target, KEY, {
        value: classifications,
        enumerable: false,
        configurable: true,
        writable: true,
      });
      return;
    }
  } catch {
    // a proxy or exotic object: fall back to the side table
  }
  frozen.set(target, classifications);
}

/** A GraphQL error a link had to make (data kept, the request failed later): message, code, and its classification. */
export function classifiedGraphQLError(classification: Classification): {
  message: string;
  extensions?: { code: string };
} {
  const error = {
    message: classification.message,
    ...(classification.code ? { extensions: { code: classification.code } } : {}),
  };
  setAnnotations(error, [classification]);
  return error;
}

/** Classifications an earlier link already attached to this value, if any. */
export function readAnnotations(input: unknown): Classification[] | undefined {
  if ((typeof input !== 'object' && typeof input !== 'function') || input === null) return undefined;
  try {
    const found = annotated(input);
    if (found && found.length > 0 && found.every(isClassification)) return [...found];
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
      const e = input as {
        graphQLErrors?: unknown;
        protocolErrors?: unknown;
        clientErrors?: unknown;
        networkError?: unknown;
      };
      const parts = [
        ...list(e.graphQLErrors),
        ...list(e.protocolErrors),
        ...(e.networkError ? [e.networkError] : []),
        ...list(e.clientErrors),
      ];
      return parts.length > 0 ? parts : undefined;
    }
    const errors = (input as { errors?: unknown }).errors;
    if (input instanceof Error) return undefined;
    if (Array.isArray(errors) && errors.length > 0) return list(errors);
    // What an app holds around an error: a query result or AC4 onError's `{ error }`, AC3 onError's
    // `{ graphQLErrors, networkError }` (an OAuth body's `error` is a string: not a wrapper). An object
    // with a signal of its own (a status, a message, a body, extensions) is the error itself.
    const w = input as { graphQLErrors?: unknown; networkError?: unknown; error?: unknown } & Record<string, unknown>;
    if (name === undefined && !['status', 'statusCode', 'message', 'body', 'extensions'].some((k) => w[k] != null)) {
      const inner = [w.networkError, w.error].filter((e) => typeof e === 'object' && e !== null);
      const parts = [...list(w.graphQLErrors), ...inner];
      if (parts.length > 0) return parts;
    }
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
    setAnnotations(this, this.classifications);
  }
}

/**
 * Records the classifications on the error (see `setAnnotations`) and returns the same error: the
 * app's own object, unchanged to the eye, whatever it is (frozen, a primitive, an Apollo error).
 */
export function attachClassifications(error: unknown, classifications: Classification[]): unknown {
  if (!readAnnotations(error)) setAnnotations(error, classifications);
  return error;
}

/** Something threw where it should not (a user callback, a link below): classified, cause kept. */
export function unexpectedError(
  error: unknown,
  where: string,
  redactText: (text: string) => string = redact,
): ResilienceError {
  const message = error instanceof Error ? error.message : String(error);
  return new ResilienceError(
    {
      category: 'unknown',
      reason: 'link-error',
      message: redactText(`${where} failed: ${message}`),
      retryable: false,
      refreshable: false,
      remediation: `Fix ${where} (see this error's cause); the operation was not sent.`,
    },
    { cause: error },
  );
}
