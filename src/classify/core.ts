// The core table: what every API says the same way. Transport failures, the HTTP status, the common
// `extensions.code` vocabulary (Apollo Server's codes and the usual aliases), RFC 6749/6750 OAuth
// errors, and which 401s a new token can fix. Vendor knowledge lives in opt-in profiles
// (`apollo-link-resilience/profiles`). This is the one classification table: every link uses it.
import type { Category, ClassificationRule, ErrorFacts } from './types.js';

/** One short remediation per category, written for the person using the app. */
export const CATEGORY_REMEDIATION: Readonly<Record<Category, string>> = {
  unauthenticated: 'Sign in again.',
  forbidden: 'You do not have permission for this; ask an administrator for access.',
  'not-found': 'This record no longer exists or is not visible to you; reload the list.',
  conflict: 'Someone else changed this record; reload it and apply your change again.',
  validation: 'Check the highlighted input and submit again.',
  'rate-limited': 'Too many requests right now; wait a moment and try again.',
  server: 'The service had a problem; try again in a moment.',
  network: 'No connection to the server; check your network and try again.',
  'bad-request':
    'The app sent a request the server could not understand; reload the page, and report it if it repeats.',
  unknown: 'Something unexpected went wrong; try again, and report it if it repeats.',
};

/** Reasons whose remediation differs from their category's. Keyed by `category/reason`. */
export const REASON_REMEDIATION: Readonly<Record<string, string>> = {
  'unauthenticated/user-deactivated': 'Your account is deactivated; ask an administrator to reactivate it.',
  'unauthenticated/org-blocked': 'Your organization is blocked; contact your account manager.',
  'unauthenticated/two-factor-required': 'Sign in again with your one-time code (two-factor authentication).',
  'unauthenticated/sso-required': "Sign in through your company's single sign-on.",
  'unauthenticated/invalid-client':
    "The app's client credentials are wrong or expired; contact the app's administrator.",
  'network/aborted': 'The request was cancelled; send it again if it is still needed.',
  'network/timeout': 'The server took too long to answer; try again.',
  'server/circuit-open': 'The service is unavailable; requests resume automatically once it recovers.',
  'bad-request/unparseable-response':
    'The server answered with something that is not GraphQL; check the endpoint and any proxy in front of it.',
  'bad-request/invalid-operation':
    'The app and the server disagree about the schema; reload the page to get the current app.',
};

const rule = (
  id: string,
  match: ClassificationRule['match'],
  classify: ClassificationRule['classify'],
): ClassificationRule => ({ id, match, classify });
const refine = (id: string, message: RegExp, reason: string, refreshable: boolean): ClassificationRule => ({
  id,
  refine: true,
  match: { message },
  classify: { category: 'unauthenticated', reason, status: 401, refreshable },
});

const NETWORK_TIMEOUT_CODES = [
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
];
const network = (f: ErrorFacts) => f.source === 'network';

/** `extensions.code` → category, semantic HTTP status and reason. */
const CODES: ReadonlyArray<[ReadonlyArray<string>, Category, number, string]> = [
  [['TOKEN_EXPIRED'], 'unauthenticated', 401, 'token-expired'],
  [
    ['UNAUTHENTICATED', 'UNAUTHORIZED', 'INVALID_TOKEN', 'AUTH_NOT_AUTHENTICATED', 'NOT_AUTHENTICATED'],
    'unauthenticated',
    401,
    'invalid-token',
  ],
  [['FORBIDDEN', 'PERMISSION_DENIED', 'ACCESS_DENIED'], 'forbidden', 403, 'insufficient-permissions'],
  [['NOT_FOUND'], 'not-found', 404, 'not-found'],
  [['CONFLICT', 'ETAG_MISMATCH', 'PRECONDITION_FAILED'], 'conflict', 409, 'etag-mismatch'],
  [['BAD_USER_INPUT'], 'validation', 400, 'invalid-input'],
  [['VALIDATION_ERROR', 'UNPROCESSABLE_ENTITY'], 'validation', 422, 'invalid-input'],
  [['RATE_LIMITED', 'TOO_MANY_REQUESTS', 'THROTTLED'], 'rate-limited', 429, 'rate-limited'],
  [
    ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE'],
    'bad-request',
    400,
    'invalid-operation',
  ],
  [['PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED'], 'bad-request', 400, 'persisted-query-not-found'],
  [['SERVICE_UNAVAILABLE', 'UNAVAILABLE'], 'server', 503, 'service-unavailable'],
  [['INTERNAL_SERVER_ERROR', 'INTERNAL', 'INTERNAL_ERROR'], 'server', 500, 'internal-error'],
];

/** RFC 6749 §5.2 token-endpoint errors and RFC 6750 §3.1 bearer-token errors. */
const OAUTH: ReadonlyArray<[string, Category, string, boolean?]> = [
  ['invalid_client', 'unauthenticated', 'invalid-client'],
  ['invalid_grant', 'unauthenticated', 'invalid-grant'],
  ['invalid_token', 'unauthenticated', 'invalid-token', true],
  ['invalid_request', 'bad-request', 'invalid-request'],
  ['unsupported_grant_type', 'bad-request', 'unsupported-grant-type'],
  ['unsupported_response_type', 'bad-request', 'unsupported-response-type'],
  ['invalid_scope', 'forbidden', 'invalid-scope'],
  ['insufficient_scope', 'forbidden', 'insufficient-scope'],
  ['unauthorized_client', 'forbidden', 'unauthorized-client'],
  ['access_denied', 'forbidden', 'access-denied'],
  ['temporarily_unavailable', 'server', 'token-endpoint-unavailable'],
  ['server_error', 'server', 'token-endpoint-unavailable'],
];

/** HTTP status → category and reason. Other 4xx are `bad-request`, other 5xx `server`. */
const STATUSES: ReadonlyArray<[number, Category, string]> = [
  [400, 'bad-request', 'malformed-request'],
  [401, 'unauthenticated', 'invalid-token'],
  [403, 'forbidden', 'insufficient-permissions'],
  [404, 'not-found', 'not-found'],
  [408, 'network', 'timeout'],
  [409, 'conflict', 'etag-mismatch'],
  [410, 'not-found', 'gone'],
  [412, 'conflict', 'precondition-failed'],
  [413, 'bad-request', 'payload-too-large'],
  [422, 'validation', 'domain-rule'],
  [429, 'rate-limited', 'rate-limited'],
  [500, 'server', 'internal-error'],
  [502, 'server', 'bad-gateway'],
  [503, 'server', 'service-unavailable'],
  [504, 'server', 'gateway-timeout'],
];

const success = (s: number | undefined): boolean => s === undefined || (s >= 200 && s < 300);

/** The core table, in order. Rules without `refine` decide the category; `refine` rules sharpen it. */
export const coreRules: ReadonlyArray<ClassificationRule> = [
  // Transport: no response arrived.
  rule(
    'network/connection-refused',
    { source: 'network', systemCode: ['ECONNREFUSED', 'UND_ERR_CONNECT'] },
    { category: 'network', reason: 'connection-refused' },
  ),
  rule(
    'network/dns',
    { source: 'network', systemCode: ['ENOTFOUND', 'EAI_AGAIN'] },
    { category: 'network', reason: 'dns' },
  ),
  rule(
    'network/timeout',
    (f) =>
      network(f) &&
      (f.errorName === 'TimeoutError' ||
        NETWORK_TIMEOUT_CODES.includes(f.systemCode ?? '') ||
        f.extensions?.reason === 'timeout'),
    { category: 'network', reason: 'timeout' },
  ),
  rule('network/aborted', (f) => network(f) && (f.errorName === 'AbortError' || f.systemCode === 'ABORT_ERR'), {
    category: 'network',
    reason: 'aborted',
    retryable: false,
  }),
  rule(
    'network/connection-reset',
    { source: 'network', systemCode: ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED'] },
    { category: 'network', reason: 'connection-reset' },
  ),
  rule('network/other', { source: 'network' }, { category: 'network', reason: 'fetch-failed' }),
  // OAuth `error` fields.
  ...OAUTH.map(([code, category, reason, refreshable]) =>
    rule(`oauth/${code}`, { source: 'oauth', code }, { category, reason, ...(refreshable ? { refreshable } : {}) }),
  ),
  // extensions.code.
  ...CODES.map(([codes, category, status, reason]) =>
    rule(
      `code/${codes[0]!.toLowerCase()}`,
      { code: codes },
      { category, status, reason, refreshable: category === 'unauthenticated' },
    ),
  ),
  // The HTTP status.
  rule(
    'http/200-unparseable',
    (f) => success(f.status) && (f.body === 'html' || f.body === 'truncated-json' || f.body === 'text'),
    { category: 'bad-request', reason: 'unparseable-response' },
  ),
  rule('http/200-unexpected-shape', (f) => success(f.status) && f.body === 'unexpected-shape', {
    category: 'bad-request',
    reason: 'unexpected-response',
  }),
  ...STATUSES.map(([status, category, reason]) => ({
    ...rule(
      `http/${status}`,
      { status },
      {
        category,
        reason,
        ...(status === 401 ? { refreshable: true } : {}),
        ...(status === 408 ? { retryable: true } : {}),
      },
    ),
    // HTTP 400 only says "the client sent something wrong": a message may narrow it to validation.
    ...(status === 400 ? { narrowsTo: ['validation'] as const } : {}),
  })),
  rule(
    'http/4xx',
    { status: (s) => s !== undefined && s >= 400 && s < 500 },
    { category: 'bad-request', reason: 'client-error' },
  ),
  rule(
    'http/5xx',
    { status: (s) => s !== undefined && s >= 500 && s < 600 },
    { category: 'server', reason: 'server-error' },
  ),
  // Which 401s a new token can fix (ION's 401 table is the reference; the messages are common).
  refine('auth/token-expired', /token (is|has) expired|expired token|jwt expired/i, 'token-expired', true),
  refine(
    'auth/missing-credentials',
    /provide proper credentials|no (auth(orization)?|bearer) (header|token)|missing (auth(orization)?|bearer) (header|token)/i,
    'missing-credentials',
    true,
  ),
  refine(
    'auth/malformed-token',
    /parse authentication token|malformed (jwt|token)|value is too (short|long)|does not match regex/i,
    'malformed-token',
    true,
  ),
  refine(
    'auth/invalid-token',
    /validate authentication token|invalid (access |bearer )?token|token is invalid|invalid signature/i,
    'invalid-token',
    true,
  ),
  refine('auth/unknown-signing-key', /RSA key|unknown (signing )?key|no matching key/i, 'unknown-signing-key', false),
  refine('auth/org-mismatch', /organi[sz]ation does not match/i, 'org-mismatch', false),
  refine('auth/user-deactivated', /\buser\b.*\bis deactivated\b|deactivated user/i, 'user-deactivated', false),
  refine('auth/org-blocked', /organi[sz]ation is blocked/i, 'org-blocked', false),
  refine('auth/invalid-login-domain', /login domain .* is not valid/i, 'invalid-login-domain', false),
  refine(
    'auth/two-factor-required',
    /\b2FA is required\b|two[- ]factor (authentication )?is required/i,
    'two-factor-required',
    false,
  ),
  refine('auth/sso-required', /\bSSO is required\b|single sign-on is required/i, 'sso-required', false),
  // Optimistic concurrency, said in words.
  {
    id: 'conflict/etag-mismatch',
    refine: true,
    match: { message: /etag mismatch|concurrent modification|precondition failed/i },
    classify: { category: 'conflict', reason: 'etag-mismatch', status: 409 },
  },
];
