/** The coarse kind of failure: what a UI or a retry policy decides on. */
export type Category =
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'validation'
  | 'rate-limited'
  | 'server'
  | 'network'
  | 'bad-request'
  | 'unknown';

/** What could be parsed from a message, `extensions`, or response headers. */
export interface ClassificationDetails {
  /** The action a permission error names, e.g. `UPDATE`. */
  action?: string;
  /** The resource a permission error names, e.g. `Purchase Order`. */
  resource?: string;
  /** The input field a validation error names (`extensions.field`, a REST `propertyName`, or parsed). */
  field?: string;
  /** How long the server asked us to wait (`Retry-After`, `extensions.retryAfter`). */
  retryAfterMs?: number;
  [key: string]: unknown;
}

/** The sub-causes the core and the bundled profiles produce; any other kebab-case string is allowed. */
export type Reason =
  | 'token-expired'
  | 'invalid-token'
  | 'missing-credentials'
  | 'malformed-token'
  | 'malformed-authorization-header'
  | 'unknown-signing-key'
  | 'org-mismatch'
  | 'user-deactivated'
  | 'org-blocked'
  | 'invalid-login-domain'
  | 'two-factor-required'
  | 'sso-required'
  | 'sso-authentication-failed'
  | 'refresh-failed'
  | 'refresh-timeout'
  | 'invalid-client'
  | 'invalid-grant'
  | 'invalid-request'
  | 'unsupported-grant-type'
  | 'invalid-scope'
  | 'unauthorized-client'
  | 'access-denied'
  | 'token-endpoint-unavailable'
  | 'insufficient-permissions'
  | 'missing-permission'
  | 'read-only-org'
  | 'read-only-schema'
  | 'approval-required'
  | 'insufficient-scope'
  | 'feature-disabled'
  | 'cross-org-token'
  | 'not-visible-to-org'
  | 'not-found'
  | 'gone'
  | 'etag-mismatch'
  | 'precondition-failed'
  | 'edit-conflict'
  | 'no-base'
  | 'invalid-input'
  | 'domain-rule'
  | 'required-header'
  | 'invalid-value'
  | 'invalid-content'
  | 'rate-limited'
  | 'internal-error'
  | 'bad-gateway'
  | 'service-unavailable'
  | 'gateway-timeout'
  | 'server-error'
  | 'circuit-open'
  | 'connection-refused'
  | 'connection-reset'
  | 'dns'
  | 'timeout'
  | 'aborted'
  | 'fetch-failed'
  | 'deadline-exceeded'
  | 'malformed-request'
  | 'client-error'
  | 'invalid-operation'
  | 'persisted-query-not-found'
  | 'payload-too-large'
  | 'unparseable-response'
  | 'unexpected-response'
  | 'unexpected-shape'
  | 'unrecognized'
  | 'link-error'
  | (string & {});

/** One error, understood: every link and every UI reads this shape. */
export interface Classification {
  category: Category;
  /** Sub-cause in kebab-case, e.g. `token-expired`, `missing-permission`, `etag-mismatch`. */
  reason?: Reason;
  /** HTTP status, or the semantic status of `extensions.code`. */
  status?: number;
  /** `extensions.code`, an OAuth `error`, or a REST envelope's `propertyName`. */
  code?: string;
  /** The server's message with bearer tokens, JWTs and secrets redacted. */
  message: string;
  /** Safe to retry unchanged: 429, 5xx, network; never another 4xx. */
  retryable: boolean;
  /** An auth failure that a new token can fix. */
  refreshable: boolean;
  /** What a person should do, in one sentence. */
  remediation: string;
  details?: ClassificationDetails;
  path?: ReadonlyArray<string | number>;
}

/** Everything the classifier could read from one error, before any rule runs. */
export interface ErrorFacts {
  /** Where the error came from. */
  source: 'graphql' | 'http' | 'network' | 'oauth' | 'rest' | 'unknown';
  /** The HTTP status of the response that carried the error (absent for network errors). */
  status?: number;
  /** `extensions.code`, or the OAuth `error`. */
  code?: string;
  /** The raw message (redacted before it leaves the classifier). */
  message: string;
  /** OAuth `error_description`. */
  description?: string;
  /** A REST envelope entry's `propertyName`. */
  propertyName?: string;
  extensions?: Record<string, unknown>;
  path?: ReadonlyArray<string | number>;
  /** `error.name` of a thrown error: `AbortError`, `TimeoutError`, `TypeError`… */
  errorName?: string;
  /** A system error code found on the error or its `cause`: `ECONNREFUSED`, `ECONNRESET`… */
  systemCode?: string;
  /** Milliseconds from a `Retry-After` header or `extensions.retryAfter`. */
  retryAfterMs?: number;
  /** What the response body was, when there was one the classifier had to read. */
  body?: 'json' | 'html' | 'text' | 'empty' | 'truncated-json' | 'unexpected-shape';
  /** The error object as it arrived (a GraphQL error, a REST entry, an OAuth body), for vendor fields such as `errorType` or `type`. */
  raw?: Readonly<Record<string, unknown>>;
  /** The response's headers, where known (vendor headers such as `x-ratelimit-reset`). */
  headers?: { get(name: string): string | null };
  /** The GraphQL response's top-level `extensions`, where known (e.g. Shopify's `cost`). */
  responseExtensions?: Readonly<Record<string, unknown>>;
}

/** The fields a rule decides; the classifier fills in the rest from the category. */
export type ClassificationPatch = Partial<Omit<Classification, 'message' | 'path'>> & { category: Category };

/** Declarative matcher: every given field must match. */
export interface RuleMatcher {
  source?: ErrorFacts['source'] | ReadonlyArray<ErrorFacts['source']>;
  status?: number | ReadonlyArray<number> | ((status: number | undefined) => boolean);
  code?: string | ReadonlyArray<string>;
  message?: RegExp;
  propertyName?: RegExp;
  systemCode?: string | ReadonlyArray<string>;
  errorName?: string | ReadonlyArray<string>;
  body?: ErrorFacts['body'] | ReadonlyArray<NonNullable<ErrorFacts['body']>>;
}

/**
 * One row of a classification table. Rules run in order: the options' `rules`, each profile's, the
 * core's. The first matching rule without `refine` decides the category (an explicit signal: a code,
 * a status, an OAuth `error`, a transport failure). The first matching `refine` rule whose category
 * agrees sharpens it (reason, details, remediation, refreshable), or decides alone when no rule
 * decided. A deciding rule from the options' `rules` is final: nothing refines it.
 */
export interface ClassificationRule {
  /** A stable name, shown in tests and debugging. */
  id: string;
  match: RuleMatcher | ((facts: ErrorFacts) => boolean);
  classify: ClassificationPatch | ((facts: ErrorFacts, messageMatch: RegExpMatchArray | null) => ClassificationPatch);
  /**
   * A message table row: may only refine the category a deciding rule chose.
   * @defaultValue `false`
   */
  refine?: boolean;
  /**
   * Categories a refining rule may narrow this rule's verdict to (HTTP 400 → `validation`).
   * @defaultValue `[]`
   */
  narrowsTo?: ReadonlyArray<Category>;
}

/** A remediation text, or a function of the classification that returns one. */
export type Remediation = string | ((classification: Classification) => string);

/** Remediations keyed by `category` or `category/reason` (the more specific key wins). */
export type Remediations = Readonly<Partial<Record<Category, Remediation>> & Record<string, Remediation | undefined>>;

/** What one API says that the core does not know: rules as data, and optional remediation texts. */
export interface ClassificationProfile {
  /** The profile's name, e.g. `ion`. */
  readonly name: string;
  readonly rules: ReadonlyArray<ClassificationRule>;
  /** The API's own remediation texts for what the core (or another layer) classifies, by `category` or `category/reason`. */
  readonly remediations?: Remediations;
}

export interface ClassifyOptions {
  /** Rules tried before the profiles and the core, in order. @defaultValue `[]` */
  rules?: ReadonlyArray<ClassificationRule>;
  /** API profiles (from `apollo-link-resilience/profiles`), tried after `rules` and before the core, in order. @defaultValue `[]` */
  profiles?: ReadonlyArray<ClassificationProfile>;
  /** Remediation texts that replace the built-in ones, keyed by `category` or `category/reason`. @defaultValue `{}` */
  remediations?: Remediations;
  /** The HTTP status of the response the error came in, when the input itself does not say. @defaultValue none */
  status?: number;
  /** Response headers (for `Retry-After`), when the input itself does not carry a response. @defaultValue none */
  headers?: { get(name: string): string | null };
  /** The response's top-level `extensions`, when the input is one error of that response (Shopify's `cost`). @defaultValue none */
  responseExtensions?: Readonly<Record<string, unknown>>;
  /** Extra strings to redact from messages (the current token, a client secret). @defaultValue `[]` */
  secrets?: ReadonlyArray<string>;
}
