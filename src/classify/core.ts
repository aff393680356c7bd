// The core table: what every API says the same way. Transport failures, the HTTP status, the common
// `extensions.code` vocabulary (Apollo Server's codes and the usual aliases), RFC 6749/6750 OAuth
// errors, and which 401s a new token can fix. Vendor knowledge lives in opt-in profiles
// (`apollo-link-resilience/profiles`). This is the one classification table: every link uses it.
//
// The tables are written as text, one row a line, words separated by spaces, and read into Maps at
// load: the bundle carries the words, not an object literal per row (DESIGN §5 "Size budgets").
import type { Category, ClassificationPatch, ClassificationRule, ErrorFacts } from './types.js';

const rows = (table: string): string[][] => table.split('\n').map((row) => row.split(' '));

/** `key text…` per line → `{ key: text }`. */
const texts = (table: string): Record<string, string> =>
  Object.fromEntries(rows(table).map(([key, ...words]): [string, string] => [key!, words.join(' ')]));

/** One short remediation per category, written for the person using the app. */
export const CATEGORY_REMEDIATION = texts(`unauthenticated Sign in again.
forbidden You do not have access to this; ask an administrator.
not-found This item no longer exists; reload the page.
conflict Someone else changed this; reload it and try again.
validation Check your input and try again.
rate-limited Too many requests; wait a moment and try again.
server The service had a problem; try again in a moment.
network No connection; check your network and try again.
bad-request Something went wrong in the app; reload the page.
unknown Something went wrong; try again.`) as Readonly<Record<Category, string>>;

/** Reasons whose remediation differs from their category's. Keyed by `category/reason`. */
export const REASON_REMEDIATION: Readonly<Record<string, string>> =
  texts(`unauthenticated/user-deactivated Your account is deactivated; ask an administrator.
unauthenticated/org-blocked Your organization is blocked; ask an administrator.
network/aborted The request was cancelled.
server/circuit-open The service is down; the app retries once it recovers.`);

/** `extensions.code` → reason, semantic HTTP status, category (`unauthenticated` ones are refreshable), codes. */
const CODES = new Map<string, ClassificationPatch>();
for (const [reason, status, category, ...codes] of rows(`token-expired 401 unauthenticated TOKEN_EXPIRED
invalid-token 401 unauthenticated UNAUTHENTICATED UNAUTHORIZED INVALID_TOKEN AUTH_NOT_AUTHENTICATED NOT_AUTHENTICATED
insufficient-permissions 403 forbidden FORBIDDEN PERMISSION_DENIED ACCESS_DENIED
not-found 404 not-found NOT_FOUND
etag-mismatch 409 conflict CONFLICT ETAG_MISMATCH PRECONDITION_FAILED
invalid-input 400 validation BAD_USER_INPUT
invalid-input 422 validation VALIDATION_ERROR UNPROCESSABLE_ENTITY
rate-limited 429 rate-limited RATE_LIMITED TOO_MANY_REQUESTS THROTTLED
invalid-operation 400 bad-request GRAPHQL_PARSE_FAILED GRAPHQL_VALIDATION_FAILED BAD_REQUEST OPERATION_RESOLUTION_FAILURE
persisted-query-not-found 400 bad-request PERSISTED_QUERY_NOT_FOUND PERSISTED_QUERY_NOT_SUPPORTED
service-unavailable 503 server SERVICE_UNAVAILABLE UNAVAILABLE
internal-error 500 server INTERNAL_SERVER_ERROR INTERNAL INTERNAL_ERROR`))
  for (const code of codes)
    CODES.set(code, {
      category: category as Category,
      status: Number(status),
      reason,
      refreshable: category === 'unauthenticated',
    });

/**
 * RFC 6749 §5.2 token-endpoint errors and RFC 6750 §3.1 bearer-token errors: category, then its
 * `error` values. The reason is the value in kebab-case (the server's are `token-endpoint-unavailable`);
 * only `invalid_token` is refreshable.
 */
const OAUTH = new Map<string, ClassificationPatch>();
for (const [category, ...codes] of rows(`unauthenticated invalid_client invalid_grant invalid_token
bad-request invalid_request unsupported_grant_type unsupported_response_type
forbidden invalid_scope insufficient_scope unauthorized_client access_denied
server temporarily_unavailable server_error`))
  for (const code of codes)
    OAUTH.set(code, {
      category: category as Category,
      reason: category === 'server' ? 'token-endpoint-unavailable' : code.replace(/_/g, '-'),
      // Said outright (false too): no message refines another OAuth error into a refreshable one.
      refreshable: code === 'invalid_token',
    });

/** HTTP status → category and reason. */
const STATUSES = new Map<number, ClassificationPatch>();
for (const [status, category, reason] of rows(`401 unauthenticated invalid-token
403 forbidden insufficient-permissions
404 not-found not-found
408 network timeout
409 conflict etag-mismatch
410 not-found gone
412 conflict precondition-failed
413 bad-request payload-too-large
422 validation domain-rule
429 rate-limited rate-limited
500 server internal-error
502 server bad-gateway
503 server service-unavailable
504 server gateway-timeout`))
  STATUSES.set(Number(status), {
    category: category as Category,
    reason: reason!,
    ...(status === '401' ? { refreshable: true } : {}),
    ...(status === '408' ? { retryable: true } : {}),
  });

/** System codes (on the error or its `cause`) → transport reason. */
const SYSTEM = new Map(
  rows(`ECONNREFUSED connection-refused
UND_ERR_CONNECT connection-refused
ENOTFOUND dns
EAI_AGAIN dns
ETIMEDOUT timeout
UND_ERR_CONNECT_TIMEOUT timeout
UND_ERR_HEADERS_TIMEOUT timeout
UND_ERR_BODY_TIMEOUT timeout
ABORT_ERR aborted
ECONNRESET connection-reset
EPIPE connection-reset
UND_ERR_SOCKET connection-reset
UND_ERR_CLOSED connection-reset
ECONNABORTED connection-reset`) as Array<[string, string]>,
);

/** No response arrived: refused and DNS by their code, then a timeout, an abort, a reset, any other failure. */
function transport(f: ErrorFacts): ClassificationPatch {
  const own = SYSTEM.get(f.systemCode!);
  const reason =
    own === 'connection-refused' || own === 'dns'
      ? own
      : f.errorName === 'TimeoutError' || own === 'timeout' || f.extensions?.reason === 'timeout'
        ? 'timeout'
        : f.errorName === 'AbortError' || own === 'aborted'
          ? 'aborted'
          : (own ?? 'fetch-failed');
  return { category: 'network', reason, ...(reason === 'aborted' ? { retryable: false } : {}) };
}

/** A 2xx (or no status) whose body is not GraphQL. */
const BODIES = new Map<ErrorFacts['body'], ClassificationPatch>([
  ['html', { category: 'bad-request', reason: 'unparseable-response' }],
  ['truncated-json', { category: 'bad-request', reason: 'unparseable-response' }],
  ['text', { category: 'bad-request', reason: 'unparseable-response' }],
  ['unexpected-shape', { category: 'bad-request', reason: 'unexpected-response' }],
]);

/** The status's own row; other 4xx are `bad-request/client-error`, other 5xx `server/server-error`. */
const byStatus = (s: number | undefined): ClassificationPatch | undefined =>
  STATUSES.get(s!) ??
  (s === undefined || s < 400 || s >= 600
    ? undefined
    : s < 500
      ? { category: 'bad-request', reason: 'client-error' }
      : { category: 'server', reason: 'server-error' });

/** A deciding rule from a function that gives the verdict, or undefined when it has none. */
const decide = (id: string, verdict: (f: ErrorFacts) => ClassificationPatch | undefined): ClassificationRule => ({
  id,
  match: (f) => verdict(f) !== undefined,
  classify: (f) => verdict(f)!,
});

/** Which 401s a new token can fix (ION's 401 table is the reference; the messages are common). */
const AUTH: ReadonlyArray<[string, boolean, RegExp]> = [
  ['token-expired', true, /token (is|has) expired|expired token|jwt expired/i],
  ['missing-credentials', true, /provide proper credentials|(no|missing) (auth(orization)?|bearer) (header|token)/i],
  [
    'malformed-token',
    true,
    /parse authentication token|malformed (jwt|token)|value is too (short|long)|does not match regex/i,
  ],
  [
    'invalid-token',
    true,
    /validate authentication token|invalid (access |bearer )?token|token is invalid|invalid signature/i,
  ],
  ['unknown-signing-key', false, /RSA key|unknown (signing )?key|no matching key/i],
  ['org-mismatch', false, /organi[sz]ation does not match/i],
  ['user-deactivated', false, /\buser\b.*\bis deactivated\b|deactivated user/i],
  ['org-blocked', false, /organi[sz]ation is blocked/i],
  ['invalid-login-domain', false, /login domain .* is not valid/i],
  ['two-factor-required', false, /\b2FA is required\b|two[- ]factor (authentication )?is required/i],
  ['sso-required', false, /\bSSO is required\b|single sign-on is required/i],
];

/** The core table, in order. Rules without `refine` decide the category; `refine` rules sharpen it. */
export const coreRules: ReadonlyArray<ClassificationRule> = [
  decide('network', (f) => (f.source === 'network' ? transport(f) : undefined)),
  decide('oauth', (f) => (f.source === 'oauth' ? OAUTH.get(f.code!) : undefined)),
  decide('code', (f) => CODES.get(f.code!)),
  decide('http/2xx', (f) =>
    f.status === undefined || (f.status >= 200 && f.status < 300) ? BODIES.get(f.body) : undefined,
  ),
  // HTTP 400 only says "the client sent something wrong": a message may narrow it to validation.
  {
    id: 'http/400',
    match: { status: 400 },
    classify: { category: 'bad-request', reason: 'malformed-request' },
    narrowsTo: ['validation'],
  },
  decide('http', (f) => byStatus(f.status)),
  ...AUTH.map(([reason, refreshable, message]): ClassificationRule => ({
    id: `auth/${reason}`,
    refine: true,
    match: { message },
    classify: { category: 'unauthenticated', reason, status: 401, refreshable },
  })),
  // Optimistic concurrency, said in words.
  {
    id: 'conflict/etag-mismatch',
    refine: true,
    match: { message: /etag mismatch|concurrent modification|precondition failed/i },
    classify: { category: 'conflict', reason: 'etag-mismatch', status: 409 },
  },
];
