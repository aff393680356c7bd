// Explicit signals (extensions.code, the response's HTTP status, an OAuth `error`, a transport
// failure) decide the category; message tables only refine the reason within it, or decide alone
// when there is no explicit signal (DESIGN §5 "Precedence").
import { classifyError } from '../classifyError';
import { graphqlCodes, ion, restEnvelope } from '../../profiles';
import type { Category, ClassifyOptions } from '../types';

const setups: Array<[string, ClassifyOptions]> = [
  ['core', {}],
  ['core + ion, restEnvelope, graphqlCodes', { profiles: [ion, restEnvelope, graphqlCodes] }],
];

const CODES: Array<[string, Category, { retryable: boolean; refreshable: boolean }]> = [
  ['UNAUTHENTICATED', 'unauthenticated', { retryable: false, refreshable: true }],
  ['FORBIDDEN', 'forbidden', { retryable: false, refreshable: false }],
  ['NOT_FOUND', 'not-found', { retryable: false, refreshable: false }],
  ['CONFLICT', 'conflict', { retryable: false, refreshable: false }],
  ['BAD_USER_INPUT', 'validation', { retryable: false, refreshable: false }],
  ['RATE_LIMITED', 'rate-limited', { retryable: true, refreshable: false }],
  ['INTERNAL_SERVER_ERROR', 'server', { retryable: true, refreshable: false }],
];
const MISLEADING = [
  'You must be logged in',
  'Login is required',
  'Not allowed to read the secret field',
  'Purchase order 42 not found',
  'Too many line items on this order',
  'Rate limit reached: too many requests',
];

const gql = (message: string, code: string) => ({ data: null, errors: [{ message, extensions: { code } }] });
const serverError = (status: number, body: unknown) =>
  Object.assign(new Error(`Response not successful: Received status code ${status}`), {
    name: 'ServerError',
    statusCode: status,
    bodyText: typeof body === 'string' ? body : JSON.stringify(body),
    response: { status, headers: new Headers() },
  });

describe.each(setups)('precedence (%s)', (_name, options) => {
  describe('extensions.code decides the category whatever the message says', () => {
    const rows = CODES.flatMap(([code, category, flags]) =>
      MISLEADING.map((message) => [code, message, category, flags] as const),
    );
    test.each(rows)('%s + "%s" → %s', (code, message, category, flags) => {
      for (const input of [
        gql(message, code),
        serverError(200, gql(message, code)),
        { message, extensions: { code } },
      ]) {
        const c = classifyError(input, options);
        expect(c.category).toBe(category);
        expect(c.retryable).toBe(flags.retryable);
        expect(c.refreshable).toBe(flags.refreshable);
        expect(c.code).toBe(code);
        expect(c.message).toBe(message);
      }
    });
  });

  test("the issue's own examples", () => {
    expect(classifyError(gql('You must be logged in', 'UNAUTHENTICATED'), options)).toMatchObject({
      category: 'unauthenticated',
      refreshable: true,
    });
    expect(classifyError(gql('Login is required', 'UNAUTHENTICATED'), options)).toMatchObject({
      category: 'unauthenticated',
      refreshable: true,
    });
    expect(classifyError(gql('Not allowed to read the secret field', 'FORBIDDEN'), options)).toMatchObject({
      category: 'forbidden',
      refreshable: false,
    });
  });

  const STATUSES: Array<[number, Category]> = [
    [401, 'unauthenticated'],
    [403, 'forbidden'],
    [404, 'not-found'],
    [409, 'conflict'],
    [422, 'validation'],
    [429, 'rate-limited'],
    [500, 'server'],
    [503, 'server'],
  ];
  describe('the HTTP status decides the category of an error without a code', () => {
    const rows = STATUSES.flatMap(([status, category]) =>
      MISLEADING.map((message) => [status, message, category] as const),
    );
    test.each(rows)('HTTP %i + "%s" → %s', (status, message, category) => {
      expect(classifyError(serverError(status, { errors: [{ message }] }), options).category).toBe(category);
      expect(classifyError(serverError(status, { message }), options).category).toBe(category);
      expect(classifyError({ data: null, errors: [{ message }] }, { ...options, status }).category).toBe(category);
    });
  });

  test('a code beats the HTTP status it came with (per-error code, per-response status)', () => {
    expect(classifyError(serverError(400, gql('x', 'UNAUTHENTICATED')), options)).toMatchObject({
      category: 'unauthenticated',
      status: 400,
    });
    expect(classifyError(serverError(500, gql('x', 'BAD_USER_INPUT')), options)).toMatchObject({
      category: 'validation',
      retryable: false,
    });
  });

  test('an OAuth error field decides, whatever the description says', () => {
    const c = classifyError(
      {
        status: 401,
        body: JSON.stringify({ error: 'invalid_client', error_description: 'Too many requests: rate limit' }),
      },
      options,
    );
    expect(c).toMatchObject({
      category: 'unauthenticated',
      reason: 'invalid-client',
      retryable: false,
      refreshable: false,
    });
    expect(
      classifyError({ error: 'temporarily_unavailable', error_description: 'The user must be logged in' }, options),
    ).toMatchObject({ category: 'server', retryable: true });
  });

  test('a transport failure decides, whatever its message says', () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('Token is expired, permission denied'), { code: 'ECONNREFUSED' }),
    });
    expect(classifyError(refused, options)).toMatchObject({
      category: 'network',
      reason: 'connection-refused',
      retryable: true,
      refreshable: false,
    });
  });

  test('messages still refine the reason inside the category the signal decided', () => {
    expect(classifyError(gql('Token is expired', 'UNAUTHENTICATED'), options)).toMatchObject({
      category: 'unauthenticated',
      reason: 'token-expired',
      refreshable: true,
    });
    expect(classifyError(gql('User bob@example.com is deactivated', 'UNAUTHENTICATED'), options)).toMatchObject({
      category: 'unauthenticated',
      reason: 'user-deactivated',
      refreshable: false,
    });
    expect(classifyError(serverError(401, { errors: [{ message: '2FA is required' }] }), options)).toMatchObject({
      category: 'unauthenticated',
      reason: 'two-factor-required',
      refreshable: false,
    });
    expect(
      classifyError(
        serverError(409, { errors: [{ message: 'Concurrent modification detected — etag mismatch.' }] }),
        options,
      ),
    ).toMatchObject({ category: 'conflict', reason: 'etag-mismatch' });
  });

  test('messages decide alone when there is no explicit signal', () => {
    expect(classifyError({ data: null, errors: [{ message: 'Token is expired' }] }, options)).toMatchObject({
      category: 'unauthenticated',
      reason: 'token-expired',
      refreshable: true,
    });
    expect(
      classifyError(
        { data: null, errors: [{ message: 'Concurrent modification detected — etag mismatch.' }] },
        options,
      ),
    ).toMatchObject({ category: 'conflict', reason: 'etag-mismatch' });
  });

  test('a message never turns a code the core does not know into another category than the status says', () => {
    expect(
      classifyError(
        serverError(503, { errors: [{ message: 'Part 42 not found', extensions: { code: 'ACME_OOPS' } }] }),
        options,
      ),
    ).toMatchObject({ category: 'server', retryable: true });
  });
});

describe('profiles refine within the category, with their own details', () => {
  const options = { profiles: [ion] };
  test('FORBIDDEN + ION permission message → missing-permission with action and resource', () => {
    const c = classifyError(
      gql('User does not have permission to perform UPDATE on Purchase Order.', 'FORBIDDEN'),
      options,
    );
    expect(c).toMatchObject({
      category: 'forbidden',
      reason: 'missing-permission',
      details: { action: 'UPDATE', resource: 'Purchase Order' },
    });
  });
  test('ION 403 "not found" is not-visible-to-org, still forbidden', () => {
    expect(
      classifyError(serverError(403, { errors: [{ message: 'Purchase order 42 not found' }] }), options),
    ).toMatchObject({ category: 'forbidden', reason: 'not-visible-to-org' });
  });
  test('a bare HTTP 400 may be narrowed to validation by a message (400 only says "the client sent something wrong")', () => {
    expect(
      classifyError(
        serverError(400, { errors: [{ message: 'PartInventory quantity must be greater than 0.' }] }),
        options,
      ),
    ).toMatchObject({ category: 'validation', details: { field: 'quantity' } });
    expect(classifyError(serverError(400, { errors: [{ message: 'Too many requests' }] }), options)).toMatchObject({
      category: 'bad-request',
      retryable: false,
    });
  });
});

describe('user rules run first and have the last word', () => {
  test('a user rule may overrule a code', () => {
    const rules = [
      {
        id: 'acme/maintenance',
        match: { code: 'INTERNAL_SERVER_ERROR', message: /maintenance/i },
        classify: {
          category: 'server' as const,
          reason: 'maintenance',
          retryable: false,
          remediation: 'Back at 18:00.',
        },
      },
    ];
    expect(classifyError(gql('Down for maintenance', 'INTERNAL_SERVER_ERROR'), { rules })).toMatchObject({
      reason: 'maintenance',
      retryable: false,
      remediation: 'Back at 18:00.',
    });
    expect(classifyError(gql('Something else', 'INTERNAL_SERVER_ERROR'), { rules })).toMatchObject({
      reason: 'internal-error',
      retryable: true,
    });
  });
  test('a user rule marked refine only sharpens the reason within the decided category', () => {
    const rules = [
      {
        id: 'acme/seat-limit',
        refine: true,
        match: { message: /seat limit/i },
        classify: { category: 'forbidden' as const, reason: 'seat-limit' },
      },
    ];
    expect(classifyError(gql('Seat limit reached', 'FORBIDDEN'), { rules })).toMatchObject({
      category: 'forbidden',
      reason: 'seat-limit',
    });
    expect(classifyError(gql('Seat limit reached', 'UNAUTHENTICATED'), { rules })).toMatchObject({
      category: 'unauthenticated',
      reason: 'invalid-token',
    });
  });
});
