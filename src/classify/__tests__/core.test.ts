// The core table, row by row: every code alias, status, OAuth error and transport failure it knows,
// with the category, reason, semantic status, retryable and refreshable it decides. Mutating any
// row (a code, a category, a reason, a flag) fails a case here.
import { classifyError } from '../classifyError';
import { CATEGORY_REMEDIATION, REASON_REMEDIATION, coreRules } from '../core';
import type { Category, Classification } from '../types';

const gql = (code: string, message = 'x') => ({ data: null, errors: [{ message, extensions: { code } }] });
const http = (status: number, body = '') =>
  Object.assign(new Error(`status ${status}`), {
    name: 'ServerError',
    statusCode: status,
    bodyText: body,
    response: { status, headers: new Headers() },
  });
const oauth = (error: string) => ({ status: 400, body: JSON.stringify({ error, error_description: 'd' }) });
const net = (code: string, name = 'TypeError') =>
  Object.assign(new Error('fetch failed'), { name, cause: Object.assign(new Error('low level'), { code }) });

type Row = [string, unknown, Category, string, { status?: number; retryable: boolean; refreshable: boolean }];
const no = { retryable: false, refreshable: false };

describe('extensions.code vocabulary', () => {
  const rows: Row[] = [
    [
      'TOKEN_EXPIRED',
      gql('TOKEN_EXPIRED'),
      'unauthenticated',
      'token-expired',
      { status: 401, retryable: false, refreshable: true },
    ],
    ...['UNAUTHENTICATED', 'UNAUTHORIZED', 'INVALID_TOKEN', 'AUTH_NOT_AUTHENTICATED', 'NOT_AUTHENTICATED'].map(
      (c): Row => [c, gql(c), 'unauthenticated', 'invalid-token', { status: 401, retryable: false, refreshable: true }],
    ),
    ...['FORBIDDEN', 'PERMISSION_DENIED', 'ACCESS_DENIED'].map((c): Row => [
      c,
      gql(c),
      'forbidden',
      'insufficient-permissions',
      { status: 403, ...no },
    ]),
    ['NOT_FOUND', gql('NOT_FOUND'), 'not-found', 'not-found', { status: 404, ...no }],
    ...['CONFLICT', 'ETAG_MISMATCH', 'PRECONDITION_FAILED'].map((c): Row => [
      c,
      gql(c),
      'conflict',
      'etag-mismatch',
      { status: 409, ...no },
    ]),
    ['BAD_USER_INPUT', gql('BAD_USER_INPUT'), 'validation', 'invalid-input', { status: 400, ...no }],
    ...['VALIDATION_ERROR', 'UNPROCESSABLE_ENTITY'].map((c): Row => [
      c,
      gql(c),
      'validation',
      'invalid-input',
      { status: 422, ...no },
    ]),
    ...['RATE_LIMITED', 'TOO_MANY_REQUESTS', 'THROTTLED'].map((c): Row => [
      c,
      gql(c),
      'rate-limited',
      'rate-limited',
      { status: 429, retryable: true, refreshable: false },
    ]),
    ...['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE'].map(
      (c): Row => [c, gql(c), 'bad-request', 'invalid-operation', { status: 400, ...no }],
    ),
    ...['PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED'].map((c): Row => [
      c,
      gql(c),
      'bad-request',
      'persisted-query-not-found',
      { status: 400, ...no },
    ]),
    ...['SERVICE_UNAVAILABLE', 'UNAVAILABLE'].map((c): Row => [
      c,
      gql(c),
      'server',
      'service-unavailable',
      { status: 503, retryable: true, refreshable: false },
    ]),
    ...['INTERNAL_SERVER_ERROR', 'INTERNAL', 'INTERNAL_ERROR'].map((c): Row => [
      c,
      gql(c),
      'server',
      'internal-error',
      { status: 500, retryable: true, refreshable: false },
    ]),
  ];
  test.each(rows)('%s', (code, input, category, reason, flags) => {
    expect(classifyError(input)).toMatchObject({ category, reason, code, ...flags });
  });
  test('an unknown code decides nothing: the message or the status does', () => {
    expect(classifyError(gql('ACME_SOMETHING'))).toMatchObject({
      category: 'unknown',
      reason: 'unrecognized',
      code: 'ACME_SOMETHING',
      retryable: false,
    });
    expect(classifyError(gql('unauthenticated'))).toMatchObject({ category: 'unknown' });
  });
});

describe('HTTP status', () => {
  const rows: Array<[number, Category, string, boolean, boolean]> = [
    [400, 'bad-request', 'malformed-request', false, false],
    [401, 'unauthenticated', 'invalid-token', false, true],
    [402, 'bad-request', 'client-error', false, false],
    [403, 'forbidden', 'insufficient-permissions', false, false],
    [404, 'not-found', 'not-found', false, false],
    [405, 'bad-request', 'client-error', false, false],
    [408, 'network', 'timeout', true, false],
    [409, 'conflict', 'etag-mismatch', false, false],
    [410, 'not-found', 'gone', false, false],
    [412, 'conflict', 'precondition-failed', false, false],
    [413, 'bad-request', 'payload-too-large', false, false],
    [418, 'bad-request', 'client-error', false, false],
    [422, 'validation', 'domain-rule', false, false],
    [429, 'rate-limited', 'rate-limited', true, false],
    [499, 'bad-request', 'client-error', false, false],
    [500, 'server', 'internal-error', true, false],
    [501, 'server', 'server-error', true, false],
    [502, 'server', 'bad-gateway', true, false],
    [503, 'server', 'service-unavailable', true, false],
    [504, 'server', 'gateway-timeout', true, false],
    [599, 'server', 'server-error', true, false],
  ];
  test.each(rows)('HTTP %i → %s · %s', (status, category, reason, retryable, refreshable) => {
    expect(classifyError(http(status))).toMatchObject({ category, reason, status, retryable, refreshable });
  });
  test('a status outside 400–599 decides nothing', () => {
    expect(classifyError(http(600)).category).toBe('unknown');
    expect(classifyError(http(302)).category).toBe('unknown');
  });
  test('a 2xx body that is not GraphQL', () => {
    expect(classifyError({ status: 200, body: '<html><title>Login</title></html>' })).toMatchObject({
      category: 'bad-request',
      reason: 'unparseable-response',
      details: { body: 'html' },
    });
    expect(classifyError({ status: 204, body: 'plain words' })).toMatchObject({
      category: 'bad-request',
      reason: 'unparseable-response',
      details: { body: 'text' },
    });
    expect(classifyError({ status: 200, body: '{"errors": [' })).toMatchObject({
      category: 'bad-request',
      reason: 'unparseable-response',
      details: { body: 'truncated-json' },
    });
    expect(classifyError({ status: 200, body: '[1,2]' })).toMatchObject({
      category: 'bad-request',
      reason: 'unexpected-response',
    });
    expect(classifyError(http(502, '<html>x</html>'))).toMatchObject({
      category: 'server',
      reason: 'bad-gateway',
      details: { body: 'html' },
    });
  });
});

describe('OAuth errors (RFC 6749 §5.2, RFC 6750 §3.1)', () => {
  const rows: Array<[string, Category, string, boolean, boolean]> = [
    ['invalid_client', 'unauthenticated', 'invalid-client', false, false],
    ['invalid_grant', 'unauthenticated', 'invalid-grant', false, false],
    ['invalid_token', 'unauthenticated', 'invalid-token', false, true],
    ['invalid_request', 'bad-request', 'invalid-request', false, false],
    ['unsupported_grant_type', 'bad-request', 'unsupported-grant-type', false, false],
    ['unsupported_response_type', 'bad-request', 'unsupported-response-type', false, false],
    ['invalid_scope', 'forbidden', 'invalid-scope', false, false],
    ['insufficient_scope', 'forbidden', 'insufficient-scope', false, false],
    ['unauthorized_client', 'forbidden', 'unauthorized-client', false, false],
    ['access_denied', 'forbidden', 'access-denied', false, false],
    ['temporarily_unavailable', 'server', 'token-endpoint-unavailable', true, false],
    ['server_error', 'server', 'token-endpoint-unavailable', true, false],
  ];
  test.each(rows)('%s', (error, category, reason, retryable, refreshable) => {
    expect(classifyError(oauth(error))).toMatchObject({
      category,
      reason,
      code: error,
      retryable,
      refreshable,
      message: 'd',
    });
  });
  test('an OAuth error outside the RFC decides nothing: the status does', () => {
    expect(classifyError(oauth('slow_down'))).toMatchObject({
      category: 'bad-request',
      reason: 'malformed-request',
      code: 'slow_down',
    });
  });
});

describe('transport failures', () => {
  const rows: Array<[string, unknown, string, boolean]> = [
    ['ECONNREFUSED', net('ECONNREFUSED'), 'connection-refused', true],
    ['UND_ERR_CONNECT', net('UND_ERR_CONNECT'), 'connection-refused', true],
    ['ENOTFOUND', net('ENOTFOUND'), 'dns', true],
    ['EAI_AGAIN', net('EAI_AGAIN'), 'dns', true],
    ['ETIMEDOUT', net('ETIMEDOUT'), 'timeout', true],
    ['UND_ERR_CONNECT_TIMEOUT', net('UND_ERR_CONNECT_TIMEOUT'), 'timeout', true],
    ['UND_ERR_HEADERS_TIMEOUT', net('UND_ERR_HEADERS_TIMEOUT'), 'timeout', true],
    ['UND_ERR_BODY_TIMEOUT', net('UND_ERR_BODY_TIMEOUT'), 'timeout', true],
    ['TimeoutError', Object.assign(new Error('signal timed out'), { name: 'TimeoutError' }), 'timeout', true],
    ['AbortError', Object.assign(new Error('aborted'), { name: 'AbortError' }), 'aborted', false],
    ['ABORT_ERR', net('ABORT_ERR'), 'aborted', false],
    ['ECONNRESET', net('ECONNRESET'), 'connection-reset', true],
    ['EPIPE', net('EPIPE'), 'connection-reset', true],
    ['UND_ERR_SOCKET', net('UND_ERR_SOCKET'), 'connection-reset', true],
    ['UND_ERR_CLOSED', net('UND_ERR_CLOSED'), 'connection-reset', true],
    ['ECONNABORTED', net('ECONNABORTED'), 'connection-reset', true],
    ['EHOSTUNREACH (other system code)', net('EHOSTUNREACH'), 'fetch-failed', true],
    ['Failed to fetch', new TypeError('Failed to fetch'), 'fetch-failed', true],
    ['Load failed (Safari)', new TypeError('Load failed'), 'fetch-failed', true],
    ['NetworkError (Firefox)', new TypeError('NetworkError when attempting to fetch resource.'), 'fetch-failed', true],
  ];
  test.each(rows)('%s', (_name, error, reason, retryable) => {
    expect(classifyError(error)).toMatchObject({ category: 'network', reason, retryable, refreshable: false });
  });
  test('a TypeError that is not about the network is not a network failure', () => {
    expect(classifyError(new TypeError('x is not a function')).category).toBe('unknown');
  });
});

describe('which 401s a new token can fix (refine rules)', () => {
  const rows: Array<[string, string, boolean]> = [
    ['Token is expired', 'token-expired', true],
    ['jwt expired', 'token-expired', true],
    ['Expired token', 'token-expired', true],
    ['Please provide proper credentials', 'missing-credentials', true],
    ['Missing authorization header', 'missing-credentials', true],
    ['Unable to parse authentication token', 'malformed-token', true],
    ['Malformed JWT', 'malformed-token', true],
    ['Unable to validate authentication token', 'invalid-token', true],
    ['Invalid signature', 'invalid-token', true],
    ['Unable to find appropriate RSA key', 'unknown-signing-key', false],
    ['No matching key in JWKS', 'unknown-signing-key', false],
    ["Token organization does not match user's organization", 'org-mismatch', false],
    ['User a@b.c is deactivated', 'user-deactivated', false],
    ['Sorry, this organization is blocked from accessing ION', 'org-blocked', false],
    ["Login domain 'x.org' is not valid for this organization", 'invalid-login-domain', false],
    ['2FA is required', 'two-factor-required', false],
    ['Two-factor authentication is required', 'two-factor-required', false],
    ['SSO is required', 'sso-required', false],
    ['Single sign-on is required', 'sso-required', false],
  ];
  test.each(rows)('"%s" → %s (refreshable: %s), on a 401 and with UNAUTHENTICATED', (message, reason, refreshable) => {
    for (const input of [
      http(401, JSON.stringify({ errors: [{ message }] })),
      gql('UNAUTHENTICATED', message),
      { data: null, errors: [{ message }] },
    ]) {
      expect(classifyError(input)).toMatchObject({
        category: 'unauthenticated',
        reason,
        refreshable,
        retryable: false,
        status: expect.any(Number) as number,
      });
    }
  });
  test('an auth message never moves another category', () => {
    expect(classifyError(http(403, JSON.stringify({ errors: [{ message: 'Token is expired' }] })))).toMatchObject({
      category: 'forbidden',
      refreshable: false,
    });
    expect(classifyError(http(503, JSON.stringify({ errors: [{ message: 'Token is expired' }] })))).toMatchObject({
      category: 'server',
      refreshable: false,
    });
  });
});

describe('remediations', () => {
  test('every category has a short text for a person, and reason texts override it', () => {
    for (const [category, text] of Object.entries(CATEGORY_REMEDIATION)) {
      expect(text.length).toBeGreaterThan(10);
      expect(text).not.toMatch(/contact support with|full error response|stack/i);
      expect(category).toMatch(/^[a-z-]+$/);
    }
    expect(classifyError(gql('UNAUTHENTICATED', 'User a@b.c is deactivated')).remediation).toBe(
      REASON_REMEDIATION['unauthenticated/user-deactivated'],
    );
    expect(classifyError(gql('UNAUTHENTICATED')).remediation).toBe(CATEGORY_REMEDIATION.unauthenticated);
    expect(classifyError(Object.assign(new Error('a'), { name: 'AbortError' })).remediation).toBe(
      REASON_REMEDIATION['network/aborted'],
    );
  });
  test('the option: category/reason beats category, a function gets the classification, a throwing or empty one falls back', () => {
    const input = gql('RATE_LIMITED');
    expect(
      classifyError(input, { remediations: { 'rate-limited': 'A', 'rate-limited/rate-limited': 'B' } }).remediation,
    ).toBe('B');
    expect(classifyError(input, { remediations: { 'rate-limited': 'A' } }).remediation).toBe('A');
    expect(
      classifyError(input, { remediations: { 'rate-limited': (c: Classification) => `wait ${c.status}` } }).remediation,
    ).toBe('wait 429');
    expect(
      classifyError(input, {
        remediations: {
          'rate-limited': () => {
            throw new Error('x');
          },
        },
      }).remediation,
    ).toBe(CATEGORY_REMEDIATION['rate-limited']);
    expect(classifyError(input, { remediations: { 'rate-limited': '' } }).remediation).toBe(
      CATEGORY_REMEDIATION['rate-limited'],
    );
    expect(classifyError(input, { remediations: { forbidden: 'other' } }).remediation).toBe(
      CATEGORY_REMEDIATION['rate-limited'],
    );
  });
  test("a rule's own text wins over the built-in one, and is dropped when a refinement changes the reason", () => {
    const decide = {
      id: 'd',
      match: { code: 'ACME' },
      classify: { category: 'unauthenticated' as const, reason: 'acme', refreshable: true, remediation: 'Acme text.' },
    };
    const profile = { name: 'p', rules: [decide] };
    expect(classifyError(gql('ACME'), { profiles: [profile] }).remediation).toBe('Acme text.');
    expect(classifyError(gql('ACME', 'Token is expired'), { profiles: [profile] })).toMatchObject({
      reason: 'token-expired',
      remediation: CATEGORY_REMEDIATION.unauthenticated,
    });
    const sameReason = {
      id: 'r',
      refine: true,
      match: { message: /detail/ },
      classify: { category: 'unauthenticated' as const, reason: 'acme', details: { extra: 1 } },
    };
    expect(
      classifyError(gql('ACME', 'with detail'), { profiles: [{ name: 'q', rules: [decide, sameReason] }] }),
    ).toMatchObject({ reason: 'acme', remediation: 'Acme text.', details: { extra: 1 } });
  });
});

describe('the engine', () => {
  test('every core rule has a unique id; deciding rules come before the refinements they refine', () => {
    const ids = coreRules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const firstRefine = coreRules.findIndex((r) => r.refine);
    expect(coreRules.slice(firstRefine).every((r) => r.refine)).toBe(true);
  });
  test('a rule that throws, or returns no category, is a rule that does not match', () => {
    const rules = [
      {
        id: 'throws',
        match: () => {
          throw new Error('bug');
        },
        classify: { category: 'server' as const },
      },
      {
        id: 'throws-late',
        match: { code: 'X' },
        classify: () => {
          throw new Error('bug');
        },
      },
      { id: 'no-category', match: { code: 'X' }, classify: () => ({}) as never },
    ];
    expect(classifyError(gql('X'), { rules })).toMatchObject({ category: 'unknown' });
  });
  test('matchers: every given field must match (source, status function and list, code list, systemCode, errorName, body, propertyName)', () => {
    const hit = (match: object) =>
      classifyError(
        http(
          418,
          JSON.stringify({ type: 'Error', status: 'error', data: [{ message: 'm', propertyName: 'Api-Key' }] }),
        ),
        { rules: [{ id: 't', match, classify: { category: 'server', reason: 'hit' } }] },
      ).reason === 'hit';
    expect(hit({ source: 'rest' })).toBe(true);
    expect(hit({ source: ['graphql', 'rest'] })).toBe(true);
    expect(hit({ source: 'graphql' })).toBe(false);
    expect(hit({ status: 418 })).toBe(true);
    expect(hit({ status: [417, 418] })).toBe(true);
    expect(hit({ status: 417 })).toBe(false);
    expect(hit({ status: (s: number | undefined) => s === 418 })).toBe(true);
    expect(hit({ status: (s: number | undefined) => s !== 418 })).toBe(false);
    expect(hit({ code: 'Api-Key' })).toBe(true);
    expect(hit({ code: ['Other'] })).toBe(false);
    expect(hit({ propertyName: /^Api-/ })).toBe(true);
    expect(hit({ propertyName: /^Nope/ })).toBe(false);
    expect(hit({ message: /^m$/ })).toBe(true);
    expect(hit({ message: /^nope$/ })).toBe(false);
    expect(hit({ systemCode: 'ECONNRESET' })).toBe(false);
    expect(hit({ errorName: 'AbortError' })).toBe(false);
    expect(hit({ body: 'html' })).toBe(false);
    const reset = net('ECONNRESET');
    expect(
      classifyError(reset, {
        rules: [
          {
            id: 's',
            match: { systemCode: ['ECONNRESET'], errorName: 'TypeError' },
            classify: { category: 'server', reason: 'hit' },
          },
        ],
      }).reason,
    ).toBe('hit');
  });
  test('a global regex is matched from the start every time', () => {
    const rules = [{ id: 'g', match: { message: /boom/g }, classify: { category: 'server' as const, reason: 'g' } }];
    for (let i = 0; i < 3; i++) expect(classifyError(gql('ACME', 'boom'), { rules }).reason).toBe('g');
  });
  test("the message a rule matches is cut to 4000 characters; the classification's message is redacted and cut", () => {
    const long = `${'a'.repeat(4000)} Token is expired`;
    expect(classifyError({ data: null, errors: [{ message: long }] }).category).toBe('unknown');
    expect(classifyError({ data: null, errors: [{ message: `${'a'.repeat(3980)} Token is expired` }] }).category).toBe(
      'unauthenticated',
    );
  });
  test('details: extensions.field, Retry-After, system code and body shape are carried; a message-less error gets a default message', () => {
    expect(
      classifyError({ errors: [{ message: 'bad', extensions: { code: 'BAD_USER_INPUT', field: 'qty' } }] }).details,
    ).toEqual({ field: 'qty' });
    expect(classifyError(net('ECONNRESET')).details).toEqual({ systemCode: 'ECONNRESET' });
    expect(classifyError(http(503)).message).toBe('Server error (HTTP 503), no message');
    expect(classifyError({ status: 503 })).toMatchObject({
      message: 'Server error (HTTP 503), no message',
      details: { body: 'empty' },
    });
    expect(classifyError({ statusCode: 503 })).toMatchObject({ category: 'server', retryable: true });
    expect(classifyError({ data: null, errors: [{ message: '' }] }).message).toBe('Unrecognized error, no message');
  });
});

describe('review findings', () => {
  test('a token across the old 500-character cut of a text body is redacted whole', () => {
    const secret = 'opaqueSECRETtoken01';
    const c = classifyError({ status: 500, body: `${'x'.repeat(480)} ${secret}` }, { secrets: [secret] });
    expect(c.message).not.toContain('opaqueSECRET');
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2lnbmF0dXJl';
    expect(classifyError({ status: 500, body: `${'x'.repeat(440)} ${jwt}` }).message).not.toContain('eyJzdWIi');
  });
  test('a REST "required header" message decides nothing against a 401, 429 or 503', async () => {
    const { restEnvelope } = await import('../../profiles');
    const body = (status: number) => ({
      status,
      body: JSON.stringify({ type: 'Error', status: 'error', data: [{ message: 'A required header is missing' }] }),
    });
    expect(classifyError(body(401), { profiles: [restEnvelope] }).category).toBe('unauthenticated');
    expect(classifyError(body(429), { profiles: [restEnvelope] }).category).toBe('rate-limited');
    expect(classifyError(body(503), { profiles: [restEnvelope] }).category).toBe('server');
    expect(classifyError(body(400), { profiles: [restEnvelope] })).toMatchObject({
      category: 'validation',
      reason: 'required-header',
    });
  });
});

describe('the compact tables keep their meaning', () => {
  test('transport: a refused or DNS code beats a timeout name, a timeout beats an abort, an abort beats a reset code', () => {
    const named = (code: string, name: string) =>
      Object.assign(new Error('x'), { name, cause: Object.assign(new Error('low'), { code }) });
    expect(classifyError(named('ECONNREFUSED', 'TimeoutError')).reason).toBe('connection-refused');
    expect(classifyError(named('EAI_AGAIN', 'AbortError')).reason).toBe('dns');
    expect(classifyError(named('ETIMEDOUT', 'AbortError')).reason).toBe('timeout');
    expect(classifyError(named('ECONNRESET', 'TimeoutError')).reason).toBe('timeout');
    expect(classifyError(named('ECONNRESET', 'AbortError'))).toMatchObject({ reason: 'aborted', retryable: false });
    expect(classifyError(named('ABORT_ERR', 'TypeError'))).toMatchObject({ reason: 'aborted', retryable: false });
    expect(classifyError(Object.assign(net('EHOSTUNREACH'), { extensions: { reason: 'timeout' } })).reason).toBe(
      'timeout',
    );
    expect(classifyError(Object.assign(net('ECONNRESET'), { extensions: { reason: 'other' } })).reason).toBe(
      'connection-reset',
    );
  });
  test('an OAuth value is an OAuth error only in an OAuth body; a code is looked up as it is', () => {
    expect(classifyError(gql('invalid_token')).category).toBe('unknown');
    expect(classifyError(gql('invalid_client')).category).toBe('unknown');
    for (const code of ['__proto__', 'constructor', 'toString', 'Token_Expired'])
      expect(classifyError(gql(code)).category).toBe('unknown');
    expect(classifyError(oauth('constructor'))).toMatchObject({ category: 'bad-request', reason: 'malformed-request' });
    expect(classifyError({ status: 401, body: { error: 'UNAUTHENTICATED' } })).toMatchObject({
      category: 'unauthenticated',
      reason: 'invalid-token',
      status: 401,
      refreshable: true,
    });
  });
  test('a status the table does not name falls to its range, a code outside every table to the status', () => {
    expect(classifyError(http(411))).toMatchObject({ category: 'bad-request', reason: 'client-error' });
    expect(classifyError(http(505))).toMatchObject({ category: 'server', reason: 'server-error' });
    expect(
      classifyError(http(409, JSON.stringify({ errors: [{ message: 'm', extensions: { code: 'X' } }] }))),
    ).toMatchObject({ category: 'conflict', reason: 'etag-mismatch', code: 'X' });
  });
  test("Retry-After is read for what a server answered (GraphQL, HTTP, OAuth, REST), not for a thrown error's extensions", () => {
    const headers = new Headers({ 'Retry-After': '3' });
    expect(classifyError({ status: 429, headers, body: { error: 'temporarily_unavailable' } }).details).toMatchObject({
      retryAfterMs: 3000,
    });
    expect(
      classifyError({ status: 429, headers, body: { type: 'Error', status: 'error', data: [{ message: 'slow' }] } })
        .details,
    ).toMatchObject({ retryAfterMs: 3000 });
    expect(classifyError({ status: 503, headers, body: '<html>down</html>' }).details).toMatchObject({
      retryAfterMs: 3000,
    });
    expect(
      classifyError({
        data: null,
        errors: [{ message: 'm', extensions: { code: 'RATE_LIMITED', retryAfterMs: 1500 } }],
      }).details,
    ).toEqual({ retryAfterMs: 1500 });
    expect(classifyError(Object.assign(net('ECONNRESET'), { extensions: { retryAfterMs: 1500 } })).details).toEqual({
      systemCode: 'ECONNRESET',
    });
    expect(classifyError('Too many requests', { headers }).details).toBeUndefined();
  });
});
