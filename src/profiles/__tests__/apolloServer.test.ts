// Apollo Server 4/5: ApolloServerErrorCode, validation error codes, CSRF prevention, context failures.
import { classifyError } from '../../classify/classifyError';
import { apolloServer, ion } from '..';
import { MISLEADING, expectClassified, shapes200, shapesHttp, type Expect } from './shapes';

/** What AS4 sends in development: the code, and `stacktrace` (never `http`, which it strips). */
const as4 = (code: string, message: string, extra: Record<string, unknown> = {}) => ({
  errors: [
    {
      message,
      locations: [{ line: 1, column: 3 }],
      extensions: {
        code,
        stacktrace: [
          `GraphQLError: ${message}`,
          '    at Object.Field (/app/node_modules/graphql/validation/rules/FieldsOnCorrectTypeRule.js:48:31)',
        ],
        ...extra,
      },
    },
  ],
});

const HTTP_ROWS: Array<[number, string, string, Expect]> = [
  [
    400,
    'GRAPHQL_PARSE_FAILED',
    'Syntax Error: Expected Name, found "}".',
    { category: 'bad-request', reason: 'invalid-operation' },
  ],
  [
    400,
    'GRAPHQL_VALIDATION_FAILED',
    'Cannot query field "__typenam" on type "Query".',
    { category: 'bad-request', reason: 'invalid-operation' },
  ],
  [
    400,
    'GRAPHQL_VALIDATION_FAILED',
    'GraphQL introspection is not allowed by Apollo Server, but the query contained __schema or __type. To enable introspection, pass introspection: true to ApolloServer in production',
    { category: 'bad-request', reason: 'introspection-disabled' },
  ],
  [
    400,
    'BAD_USER_INPUT',
    'Variable "$input" got invalid value "abc" at "input.quantity"; Int cannot represent non-integer value: "abc"',
    { category: 'validation', reason: 'invalid-variable', details: { field: 'input.quantity', variable: 'input' } },
  ],
  [
    400,
    'BAD_USER_INPUT',
    'Variable "$id" of required type "ID!" was not provided.',
    { category: 'validation', reason: 'invalid-variable', details: { field: 'id' } },
  ],
  [
    400,
    'BAD_REQUEST',
    "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a 'content-type' header (with a type that is not one of application/x-www-form-urlencoded, multipart/form-data, text/plain) or provide a non-empty value for one of the following headers: x-apollo-operation-name, apollo-require-preflight",
    { category: 'bad-request', reason: 'csrf-prevention' },
  ],
  [
    400,
    'OPERATION_RESOLUTION_FAILURE',
    'Unknown operation named "GetOrders".',
    { category: 'bad-request', reason: 'invalid-operation' },
  ],
  [
    500,
    'INTERNAL_SERVER_ERROR',
    'Context creation failed: jwt expired',
    { category: 'server', reason: 'context-creation-failed', retryable: true, refreshable: false },
  ],
  [429, 'REQUEST_RATE_LIMITED', 'Your request has been rate limited', { category: 'rate-limited', retryable: true }],
  [
    502,
    'SUBREQUEST_HTTP_ERROR',
    "HTTP fetch failed from 'accounts': 503: Service Unavailable",
    { category: 'server', reason: 'bad-gateway', retryable: true },
  ],
];

describe('apolloServer profile', () => {
  test.each(HTTP_ROWS)('HTTP %i %s: "%s"', (status, code, message, expected) => {
    for (const [, input] of shapesHttp(status, as4(code, message)))
      expectClassified(input, [apolloServer], { code, status, message, ...expected });
    // The same error in a 200 (a resolver error, or an AS that answers 200): the code's semantic status.
    for (const [, input, extra] of shapes200(as4(code, message)))
      expectClassified(input, [apolloServer], { code, status, ...expected }, extra);
  });

  test('PERSISTED_QUERY_NOT_FOUND (200) and PERSISTED_QUERY_NOT_SUPPORTED are bad requests, never retried unchanged', () => {
    for (const [, input, extra] of shapes200(as4('PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound')))
      expectClassified(
        input,
        [apolloServer],
        { category: 'bad-request', reason: 'persisted-query-not-found', retryable: false },
        extra,
      );
    for (const [, input, extra] of shapes200(as4('PERSISTED_QUERY_NOT_SUPPORTED', 'PersistedQueryNotSupported')))
      expectClassified(
        input,
        [apolloServer],
        { category: 'bad-request', reason: 'persisted-queries-not-supported', retryable: false },
        extra,
      );
  });

  test('Apollo Gateway DOWNSTREAM_SERVICE_ERROR is a retryable bad gateway', () => {
    expectClassified(
      as4('DOWNSTREAM_SERVICE_ERROR', 'Cannot return null for non-nullable field Order.total.', {
        serviceName: 'orders',
      }),
      [apolloServer],
      { category: 'server', reason: 'bad-gateway', retryable: true },
    );
  });

  // Gateway / Router codes with their semantic status in a 200 (a subgraph error inside a 200 answer).
  test.each([
    ['DOWNSTREAM_SERVICE_ERROR', 'server', 'bad-gateway', 502],
    ['SUBREQUEST_HTTP_ERROR', 'server', 'bad-gateway', 502],
    ['SUBREQUEST_MALFORMED_RESPONSE', 'server', 'bad-gateway', 502],
    ['REQUEST_RATE_LIMITED', 'rate-limited', 'rate-limited', 429],
    ['PERSISTED_QUERY_NOT_SUPPORTED', 'bad-request', 'persisted-queries-not-supported', 400],
  ])('%s in a 200: %s / %s, status %i', (code, category, reason, status) => {
    for (const [, input, extra] of shapes200(as4(code, 'Subgraph error')))
      expectClassified(
        input,
        [apolloServer],
        { code, category, reason, status, retryable: category !== 'bad-request' } as Expect,
        extra,
      );
  });

  test('the profile’s own texts: persisted queries off, introspection disabled, CSRF', () => {
    const text = (code: string, message: string, extra: Record<string, unknown> = {}) =>
      classifyError(as4(code, message, extra), { profiles: [apolloServer] }).remediation;
    expect(text('PERSISTED_QUERY_NOT_SUPPORTED', 'PersistedQueryNotSupported')).toBe(
      'The server does not accept persisted queries; turn automatic persisted queries off in the app.',
    );
    expect(text('GRAPHQL_VALIDATION_FAILED', 'GraphQL introspection is not allowed by Apollo Server')).toMatch(
      /^Introspection is disabled on this server/,
    );
    expect(
      text('BAD_REQUEST', 'This operation has been blocked as a potential Cross-Site Request Forgery (CSRF).'),
    ).toMatch(/apollo-require-preflight header/);
  });

  test.each([
    ['INTROSPECTION_DISABLED', 'Introspection has been disabled for this endpoint.', 'introspection-disabled'],
    ['MAX_RECURSIVE_SELECTIONS_EXCEEDED', 'Maximum recursive selections limit exceeded.', 'operation-too-complex'],
  ])('extensions.validationErrorCode %s refines the validation failure', (validationErrorCode, message, reason) => {
    for (const [, input] of shapesHttp(400, as4('GRAPHQL_VALIDATION_FAILED', message, { validationErrorCode })))
      expectClassified(input, [apolloServer], {
        category: 'bad-request',
        reason,
        status: 400,
        code: 'GRAPHQL_VALIDATION_FAILED',
        retryable: false,
      });
  });

  test('a validation failure without those codes or words stays an invalid operation', () => {
    const c = classifyError(
      as4('GRAPHQL_VALIDATION_FAILED', 'Unknown argument "frist" on field "Query.orders".', {
        validationErrorCode: 'OTHER',
      }),
      { profiles: [apolloServer] },
    );
    expect(c).toMatchObject({ category: 'bad-request', reason: 'invalid-operation' });
  });

  test('BAD_USER_INPUT from a resolver (no "Variable" message) stays invalid-input, with no variable', () => {
    for (const message of ['Quantity must be positive', 'Invalid variable "$x"', 'The Variable "$x" is wrong']) {
      const c = classifyError(as4('BAD_USER_INPUT', message), { profiles: [apolloServer] });
      expect(c).toMatchObject({ category: 'validation', reason: 'invalid-input' });
      expect(c.details?.variable).toBeUndefined();
    }
  });

  test('the variable refinement reads Apollo Server’s BAD_USER_INPUT only (another validation code keeps invalid-input)', () => {
    const c = classifyError(as4('VALIDATION_ERROR', 'Variable "$input" got invalid value "x" at "input.qty"; bad'), {
      profiles: [apolloServer],
    });
    expect(c).toMatchObject({ category: 'validation', reason: 'invalid-input', status: 422 });
    expect(c.details?.variable).toBeUndefined();
  });

  test('a coercion error at a nested input path names the whole path', () => {
    expectClassified(
      as4(
        'BAD_USER_INPUT',
        'Variable "$input" got invalid value -1 at "input.items[0].quantity"; Expected type "PositiveInt".',
      ),
      [apolloServer],
      {
        category: 'validation',
        reason: 'invalid-variable',
        details: { field: 'input.items[0].quantity', variable: 'input' },
      },
    );
  });

  test('"Context creation failed" only as the message start; BAD_REQUEST without CSRF words is an invalid operation', () => {
    expect(
      classifyError(as4('INTERNAL_SERVER_ERROR', 'Resolver failed: Context creation failed earlier'), {
        profiles: [apolloServer],
      }),
    ).toMatchObject({ category: 'server', reason: 'internal-error' });
    expect(
      classifyError(as4('BAD_REQUEST', 'POST body missing, invalid Content-Type, or JSON object has no keys.'), {
        profiles: [apolloServer],
      }),
    ).toMatchObject({ category: 'bad-request', reason: 'invalid-operation' });
    expect(
      classifyError(as4('INTERNAL_SERVER_ERROR', 'Blocked as possible CSRF'), { profiles: [apolloServer] }),
    ).toMatchObject({ category: 'server', reason: 'internal-error' });
  });

  test('the stacktrace is never copied into the classification', () => {
    const c = classifyError(as4('INTERNAL_SERVER_ERROR', 'boom'), { profiles: [apolloServer] });
    expect(JSON.stringify(c)).not.toContain('node_modules');
  });

  const CODES: Array<[string, string, boolean]> = [
    ['UNAUTHENTICATED', 'unauthenticated', true],
    ['FORBIDDEN', 'forbidden', false],
    ['BAD_USER_INPUT', 'validation', false],
    ['GRAPHQL_VALIDATION_FAILED', 'bad-request', false],
    ['INTERNAL_SERVER_ERROR', 'server', false],
    ['PERSISTED_QUERY_NOT_FOUND', 'bad-request', false],
  ];
  describe.each(CODES)('%s decides %s whatever the message says', (code, category, refreshable) => {
    test.each(MISLEADING.concat(['Context creation failed: Token is expired', 'Variable "$x" got invalid value 1']))(
      '"%s"',
      (message) => {
        for (const profiles of [[apolloServer], [apolloServer, ion], [ion, apolloServer]]) {
          for (const [, input, extra] of [...shapes200(as4(code, message)), ...shapesHttp(400, as4(code, message))]) {
            const c = classifyError(input, { profiles, ...extra });
            expect(c.category).toBe(category);
            expect(c.refreshable).toBe(refreshable);
            expect(c.code).toBe(code);
          }
        }
      },
    );
  });
});
