// Every row of every table in shared/seeds/ is a case here.
// Each table is checked with the profile that carries its document: ION's pages → `ion`, the
// extensions.code tables → `graphqlCodes`, IXON's envelope → `restEnvelope`, OAuth → the core alone.
import { classifyError } from '../classifyError';
import { graphqlCodes, ion, restEnvelope } from '../../profiles';
import type { Classification, ClassificationProfile } from '../types';

type Expect = Partial<Classification> & { details?: Record<string, unknown> };

/** AC4 ServerError shape: status + raw body text + a Response. */
function ac4ServerError(status: number, body: unknown, headers: Record<string, string> = {}) {
  const bodyText = typeof body === 'string' ? body : JSON.stringify(body);
  return Object.assign(new Error(`Response not successful: Received status code ${status}`), {
    name: 'ServerError',
    statusCode: status,
    bodyText,
    response: { status, headers: new Headers(headers) },
  });
}
/** AC3 ServerError shape: status + the parsed body as `result`. */
function ac3ServerError(status: number, body: unknown, headers: Record<string, string> = {}) {
  return Object.assign(new Error(`Response not successful: Received status code ${status}`), {
    name: 'ServerError',
    statusCode: status,
    result: body,
    response: { status, headers: new Headers(headers) },
  });
}
const gql = (message: string, extensions?: Record<string, unknown>) => ({
  data: null,
  errors: [{ message, ...(extensions ? { extensions } : {}) }],
});

let profiles: ClassificationProfile[] = [];
const withProfiles = (list: ClassificationProfile[]) =>
  beforeAll(() => {
    profiles = list;
  });

function check(input: unknown, expected: Expect) {
  const c = classifyError(input, { profiles });
  const { details, ...rest } = expected;
  expect(c).toMatchObject(rest);
  if (details) expect(c.details).toMatchObject(details);
  expect(c.remediation.length).toBeGreaterThan(10);
  expect(c.message.length).toBeGreaterThan(0);
  return c;
}

describe('ION: HTTP status reference table (000/001)', () => {
  withProfiles([ion]);
  const rows: Array<[number, Expect]> = [
    [400, { category: 'bad-request', reason: 'malformed-request', retryable: false }],
    [401, { category: 'unauthenticated', refreshable: true, retryable: false }],
    [403, { category: 'forbidden', retryable: false }],
    [404, { category: 'not-found', retryable: false }],
    [409, { category: 'conflict', reason: 'etag-mismatch', retryable: false }],
    [422, { category: 'validation', retryable: false }],
    [429, { category: 'rate-limited', retryable: true }],
    [500, { category: 'server', reason: 'internal-error', retryable: true }],
    [502, { category: 'server', reason: 'bad-gateway', retryable: true }],
    [503, { category: 'server', reason: 'service-unavailable', retryable: true }],
    [504, { category: 'server', reason: 'gateway-timeout', retryable: true }],
  ];
  test.each(rows)('HTTP %i with an empty body (AC4 and AC3 shapes)', (status, expected) => {
    check(ac4ServerError(status, ''), { ...expected, status });
    check(ac3ServerError(status, undefined), { ...expected, status });
  });
  test('200 with errors[] is classified from the message, not the status', () => {
    check(gql('User does not have permission to update this resource.'), {
      category: 'forbidden',
      reason: 'missing-permission',
      status: 403,
    });
  });
});

describe('ION: 401 message table', () => {
  withProfiles([ion]);
  const rows: Array<[string, Expect]> = [
    ['Please provide proper credentials', { reason: 'missing-credentials', refreshable: true }],
    ['Unable to parse authentication token', { reason: 'malformed-token', refreshable: true }],
    ['Unable to find appropriate RSA key', { reason: 'unknown-signing-key', refreshable: false }],
    ['Token is expired', { reason: 'token-expired', refreshable: true }],
    ['Unable to validate authentication token', { reason: 'invalid-token', refreshable: true }],
    ["Token organization does not match user's organization", { reason: 'org-mismatch', refreshable: false }],
    [
      'User alice@example.com is deactivated',
      { reason: 'user-deactivated', refreshable: false, details: { email: 'alice@example.com' } },
    ],
    ['Sorry, this organization is blocked from accessing ION', { reason: 'org-blocked', refreshable: false }],
    [
      "Login domain 'example.org' is not valid for this organization",
      { reason: 'invalid-login-domain', refreshable: false, details: { domain: 'example.org' } },
    ],
  ];
  test.each(rows)('%s (HTTP 401, both shapes, and as a 200 errors[] message)', (message, expected) => {
    const want = { category: 'unauthenticated' as const, status: 401, retryable: false, ...expected };
    check(ac4ServerError(401, { errors: [{ message }] }), want);
    check(ac3ServerError(401, { errors: [{ message }] }), want);
    check(gql(message), want);
    expect(classifyError(ac4ServerError(401, { errors: [{ message }] }), { profiles }).message).toBe(message);
  });
});

describe('ION: 403 causes', () => {
  withProfiles([ion]);
  const rows: Array<[string, string, Expect]> = [
    [
      'missing role permission',
      'User does not have permission to perform UPDATE on Purchase Order.',
      { reason: 'missing-permission', details: { action: 'UPDATE', resource: 'Purchase Order' } },
    ],
    ['resource not visible to org', 'Purchase order 42 not found', { reason: 'not-visible-to-org' }],
    ['read-only organization', 'Organization is read-only (billing freeze)', { reason: 'read-only-org' }],
    ['read-only schema', 'Schema tenant_acme is read-only', { reason: 'read-only-schema' }],
    ['deactivated user', 'User bob@example.com is deactivated', { reason: 'user-deactivated' }],
    ['approval gate', 'Publishing this procedure requires QE approval', { reason: 'approval-required' }],
    ['OAuth scope insufficient', 'Token scope does not cover this operation', { reason: 'insufficient-scope' }],
    [
      'feature flag disabled',
      'Feature flag procedures_v2 is not enabled for your organization',
      { reason: 'feature-disabled' },
    ],
    ['cross-org token', 'Token was issued for another organization', { reason: 'cross-org-token' }],
  ];
  test.each(rows)('%s', (_name, message, expected) => {
    const want = { category: 'forbidden' as const, status: 403, retryable: false, refreshable: false, ...expected };
    check(ac4ServerError(403, { errors: [{ message }] }), want);
    check({ data: null, errors: [{ message, extensions: { code: 'FORBIDDEN' } }] }, want);
  });
  test('the sample payload names the action and the resource, and says what an admin must grant', () => {
    const c = check(
      {
        data: null,
        errors: [
          {
            message: 'User does not have permission to perform UPDATE on Purchase Order.',
            path: ['updatePurchaseOrder'],
            locations: [{ line: 2, column: 3 }],
          },
        ],
      },
      {
        category: 'forbidden',
        reason: 'missing-permission',
        path: ['updatePurchaseOrder'],
        details: { action: 'UPDATE', resource: 'Purchase Order' },
      },
    );
    expect(c.remediation).toMatch(/UPDATE.*Purchase Order/);
  });
});

describe('ION: 404, 409, 422, 429, 5xx', () => {
  withProfiles([ion]);
  test('404: wrong ID, soft-deleted, cross-tenant all read as not-found with the filtered-list hint', () => {
    const c = check(ac4ServerError(404, { errors: [{ message: 'Part 42 not found' }] }), {
      category: 'not-found',
      status: 404,
    });
    expect(c.remediation).toMatch(/_deleted|soft-deleted/);
    check(gql('Part 42 does not exist'), { category: 'not-found', status: 404 });
  });
  test('409: etag mismatch as HTTP 409 and as a 200 message', () => {
    const message = 'Concurrent modification detected — etag mismatch.';
    check(ac4ServerError(409, { errors: [{ message }] }), {
      category: 'conflict',
      reason: 'etag-mismatch',
      status: 409,
      message,
    });
    check(gql(message), { category: 'conflict', reason: 'etag-mismatch', status: 409 });
  });
  test('422: the field and constraint are parsed from the message', () => {
    const message = 'PartInventory quantity must be greater than 0.';
    check(ac4ServerError(422, { errors: [{ message }] }), {
      category: 'validation',
      status: 422,
      details: { field: 'quantity', entity: 'PartInventory' },
    });
    const c = check(gql(message), {
      category: 'validation',
      status: 422,
      details: { field: 'quantity', constraint: 'must be greater than 0' },
    });
    expect(c.remediation).toMatch(/quantity/);
  });
  test.each([
    ['required field missing', 'PurchaseOrder supplier is required.', 'supplier'],
    ['date out of range', 'PurchaseOrder dueDate is out of range.', 'dueDate'],
    ['string too long', 'Part description is too long (max 255).', 'description'],
    ['enum value', 'PurchaseOrder status must be one of OPEN, CLOSED.', 'status'],
  ])('422 domain rule: %s', (_name, message, field) => {
    check(gql(message), { category: 'validation', details: { field } });
  });
  test('429 with Retry-After (seconds and HTTP-date) sets details.retryAfterMs', () => {
    check(ac4ServerError(429, '', { 'Retry-After': '7' }), {
      category: 'rate-limited',
      retryable: true,
      details: { retryAfterMs: 7000 },
    });
    const date = new Date(Date.now() + 20_000).toUTCString();
    const c = classifyError(ac3ServerError(429, undefined, { 'Retry-After': date }), { profiles });
    expect(c.details?.retryAfterMs).toBeGreaterThan(15_000);
    expect(c.remediation).toMatch(/back off/i);
  });
  test('5xx with an HTML body (502 page) is a retryable server error', () => {
    const html =
      '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>';
    check(ac4ServerError(502, html), {
      category: 'server',
      reason: 'bad-gateway',
      retryable: true,
      message: 'HTML error page: 502 Bad Gateway',
      details: { body: 'html' },
    });
    check(ac3ServerError(502, html), { category: 'server', reason: 'bad-gateway', details: { body: 'html' } });
    check(
      {
        name: 'ServerParseError',
        statusCode: 502,
        bodyText: html,
        message: 'Unexpected token <',
        response: { status: 502, headers: new Headers() },
      },
      { category: 'server', status: 502 },
    );
  });
});

describe('extensions.code APIs (002, 003)', () => {
  withProfiles([graphqlCodes]);
  const rows: Array<[string, Expect]> = [
    ['UNAUTHENTICATED', { category: 'unauthenticated', status: 401, refreshable: true, retryable: false }],
    ['FORBIDDEN', { category: 'forbidden', status: 403, retryable: false }],
    ['NOT_FOUND', { category: 'not-found', status: 404, retryable: false }],
    ['BAD_USER_INPUT', { category: 'validation', retryable: false }],
    ['UNAUTHORIZED', { category: 'unauthenticated', status: 401, refreshable: true, retryable: false }],
    ['VALIDATION_ERROR', { category: 'validation', status: 422, retryable: false }],
    ['RATE_LIMITED', { category: 'rate-limited', status: 429, retryable: true }],
    ['INTERNAL_SERVER_ERROR', { category: 'server', status: 500, retryable: true }],
  ];
  test.each(rows)('%s in an HTTP 200 body', (code, expected) => {
    check(gql('Something went wrong', { code }), { ...expected, code });
  });
  test('002 sample: "Credential not found" with NOT_FOUND and data: null', () => {
    check(
      { errors: [{ message: 'Credential not found', extensions: { code: 'NOT_FOUND' } }], data: null },
      { category: 'not-found', code: 'NOT_FOUND', status: 404 },
    );
  });
  test('003: VALIDATION_ERROR names the field from extensions.field', () => {
    const c = check(gql('Input failed validation', { code: 'VALIDATION_ERROR', field: 'sku' }), {
      category: 'validation',
      details: { field: 'sku' },
    });
    expect(c.remediation).toMatch(/sku/);
  });
  test('002 HTTP status table', () => {
    check(ac4ServerError(400, ''), { category: 'bad-request' });
    check(ac4ServerError(401, ''), { category: 'unauthenticated', refreshable: true });
    check(ac4ServerError(403, ''), { category: 'forbidden' });
    check(ac4ServerError(404, ''), { category: 'not-found' });
    check(ac4ServerError(429, ''), { category: 'rate-limited', retryable: true });
    check(ac4ServerError(500, ''), { category: 'server', retryable: true });
  });
});

describe('OAuth 2.0 token endpoint (002)', () => {
  withProfiles([]);
  const rows: Array<[string, string, Expect]> = [
    [
      'invalid_client',
      'Invalid client credentials',
      { category: 'unauthenticated', reason: 'invalid-client', refreshable: false },
    ],
    [
      'invalid_request',
      'Missing grant_type',
      { category: 'bad-request', reason: 'invalid-request', refreshable: false },
    ],
    [
      'unsupported_grant_type',
      'Only client_credentials is supported',
      { category: 'bad-request', reason: 'unsupported-grant-type', refreshable: false },
    ],
  ];
  test.each(rows)('%s', (error, description, expected) => {
    const status = error === 'invalid_client' ? 401 : 400;
    check(
      { status, body: JSON.stringify({ error, error_description: description }) },
      { ...expected, code: error, message: description, retryable: false },
    );
    check({ error, error_description: description }, { ...expected, code: error });
  });
});

describe('REST error envelope (IXON APIv2, 004)', () => {
  withProfiles([restEnvelope]);
  const envelope = (data: unknown[]) => ({ type: 'Error', data, moreAfter: null, status: 'error' });
  const rows: Array<[string, number, unknown[], Expect]> = [
    [
      'Required header Api-Company',
      400,
      [{ message: 'Required header', propertyName: 'Api-Company' }],
      { category: 'validation', reason: 'required-header', code: 'Api-Company', details: { field: 'Api-Company' } },
    ],
    [
      'Invalid value Api-Company',
      400,
      [{ message: 'Invalid value', propertyName: 'Api-Company' }],
      { category: 'validation', reason: 'invalid-value', details: { field: 'Api-Company' } },
    ],
    [
      'Invalid value Authorization',
      401,
      [{ message: 'Invalid value', propertyName: 'Authorization' }],
      { category: 'unauthenticated', reason: 'invalid-token', refreshable: true },
    ],
    [
      '2FA is required',
      401,
      [{ message: '2FA is required' }],
      { category: 'unauthenticated', reason: 'two-factor-required', refreshable: false },
    ],
    [
      'Value is too short',
      401,
      [{ message: 'Value is too short', propertyName: 'Authorization' }],
      { category: 'unauthenticated', reason: 'malformed-token' },
    ],
    [
      'Value is too long',
      401,
      [{ message: 'Value is too long', propertyName: 'Authorization' }],
      { category: 'unauthenticated', reason: 'malformed-token' },
    ],
    [
      'must start with a type',
      401,
      [{ message: 'Authorization must start with a type and have a credentials', propertyName: 'Authorization' }],
      { category: 'unauthenticated', reason: 'malformed-authorization-header' },
    ],
    [
      'does not match regex',
      401,
      [{ message: 'Value does not match regex expression', propertyName: 'Authorization' }],
      { category: 'unauthenticated', reason: 'malformed-token' },
    ],
    [
      'SSO is required',
      401,
      [{ message: 'SSO is required' }],
      { category: 'unauthenticated', reason: 'sso-required', refreshable: false },
    ],
    [
      'ssoAuthentication.code/state',
      400,
      [
        { message: 'Invalid value', propertyName: 'ssoAuthentication.code' },
        { message: 'Invalid value', propertyName: 'ssoAuthentication.state' },
      ],
      { category: 'unauthenticated', reason: 'sso-authentication-failed', refreshable: false },
    ],
  ];
  test.each(rows)('%s', (_name, status, data, expected) => {
    check(ac4ServerError(status, envelope(data)), { retryable: false, ...expected });
    check(ac3ServerError(status, envelope(data)), { retryable: false, ...expected });
  });
  test('server errors: 500 during an incident, 504 after 60 s', () => {
    check(ac4ServerError(500, envelope([{ message: 'Internal server error' }])), {
      category: 'server',
      retryable: true,
    });
    const c = check(ac4ServerError(504, '<html><title>504 Gateway Time-out</title></html>'), {
      category: 'server',
      reason: 'gateway-timeout',
      retryable: true,
    });
    expect(c.remediation).toMatch(/scope/);
  });
});
