// Hasura v2 answers `/v1/graphql` errors as 200 with `extensions: { path, code }` (kebab-case codes).
import { classifyError } from '../../classify/classifyError';
import { hasura, ion } from '..';
import { MISLEADING, expectClassified, shapes200, shapesHttp, type Expect } from './shapes';

const err = (code: string, message: string) => ({
  errors: [{ message, extensions: { path: '$.selectionSet.insert_users_one.args.object', code } }],
});

const ROWS: Array<[string, string, Expect]> = [
  [
    'invalid-jwt',
    'Could not verify JWT: JWTExpired',
    { category: 'unauthenticated', reason: 'token-expired', refreshable: true, retryable: false },
  ],
  [
    'invalid-jwt',
    'Could not verify JWT: JWSError JWSInvalidSignature',
    { category: 'unauthenticated', reason: 'invalid-token', refreshable: true },
  ],
  [
    'invalid-jwt',
    'Could not verify JWT: JWTNotInAudience',
    { category: 'unauthenticated', reason: 'wrong-audience', refreshable: false },
  ],
  [
    'jwt-invalid-claims',
    "claims key: 'https://hasura.io/jwt/claims' not found",
    { category: 'unauthenticated', reason: 'invalid-claims', refreshable: false },
  ],
  [
    'jwt-missing-role-claims',
    'JWT claim does not contain x-hasura-default-role',
    { category: 'unauthenticated', reason: 'invalid-claims', refreshable: false },
  ],
  [
    'invalid-headers',
    "Missing 'Authorization' or 'Cookie' header in JWT authentication mode",
    { category: 'unauthenticated', reason: 'missing-credentials', refreshable: true },
  ],
  [
    'access-denied',
    'invalid x-hasura-admin-secret/x-hasura-access-key',
    { category: 'unauthenticated', reason: 'invalid-admin-secret', refreshable: false },
  ],
  [
    'access-denied',
    'Authentication hook unauthorized this request',
    { category: 'unauthenticated', reason: 'access-denied', refreshable: true },
  ],
  [
    'access-denied',
    'Your requested role is not in allowed roles',
    { category: 'forbidden', reason: 'role-not-allowed', refreshable: false },
  ],
  [
    'permission-error',
    'check constraint of an insert/update permission has failed',
    { category: 'forbidden', reason: 'permission-check-failed' },
  ],
  [
    'permission-error',
    'Check constraint violation. new row for relation "orders" violates check constraint "orders_quantity_check"',
    { category: 'validation', reason: 'check-constraint', retryable: false },
  ],
  [
    'constraint-violation',
    'Uniqueness violation. duplicate key value violates unique constraint "users_email_key"',
    { category: 'validation', reason: 'already-exists', details: { constraint: 'users_email_key' } },
  ],
  [
    'constraint-violation',
    'Foreign key violation. insert or update on table "orders" violates foreign key constraint "orders_user_id_fkey"',
    { category: 'validation', reason: 'missing-reference', details: { constraint: 'orders_user_id_fkey' } },
  ],
  [
    'constraint-violation',
    'Not-NULL violation. null value in column "name" of relation "users" violates not-null constraint',
    { category: 'validation', reason: 'required-value', details: { field: 'name' } },
  ],
  [
    'constraint-violation',
    'Can not delete or update due to data being referred. update or delete on table "users" violates foreign key constraint "orders_user_id_fkey" on table "orders"',
    { category: 'validation', reason: 'still-referenced' },
  ],
  ['data-exception', 'invalid input syntax for type uuid: "42"', { category: 'validation', reason: 'invalid-value' }],
  [
    'validation-failed',
    "field 'salary' not found in type: 'users'",
    { category: 'bad-request', reason: 'not-in-role-schema', retryable: false },
  ],
  ['validation-failed', 'unexpected variable "foo"', { category: 'bad-request', reason: 'invalid-operation' }],
  ['parse-failed', "the key 'query' was not present", { category: 'bad-request', reason: 'malformed-request' }],
  [
    'constraint-error',
    'there is no unique or exclusion constraint on target column(s)',
    { category: 'bad-request', reason: 'malformed-request' },
  ],
  ['not-exists', 'no mutations exist', { category: 'not-found' }],
  [
    'concurrent-update',
    'serialization failure due to concurrent update',
    { category: 'conflict', reason: 'concurrent-update', retryable: true },
  ],
  ['unexpected', 'database query error', { category: 'server', reason: 'internal-error', retryable: true }],
  ['postgres-error', 'connection error', { category: 'server', retryable: true }],
  [
    'postgres-max-connections-error',
    'max connections reached on postgres',
    { category: 'server', reason: 'service-unavailable', retryable: true },
  ],
  [
    'remote-schema-error',
    'HTTP exception occurred while sending the request to http://billing:4000',
    { category: 'server', reason: 'bad-gateway', retryable: true },
  ],
];

describe('hasura profile', () => {
  describe.each(ROWS)('%s: "%s"', (code, message, expected) => {
    test.each(shapes200(err(code, message)))('%s', (_shape, input, extra) => {
      expectClassified(input, [hasura], { code, message, ...expected }, extra);
    });
  });

  // Every code of Hasura's table, with its semantic status (a 200 carries none of its own).
  const STATUSES: Array<[string, string, Expect]> = [
    ['invalid-jwt', 'Could not verify JWT: JWSError JWSInvalidSignature', { category: 'unauthenticated', status: 401 }],
    ['invalid-headers', 'missing Authorization header', { category: 'unauthenticated', status: 401 }],
    [
      'access-denied',
      'Authentication hook unauthorized this request',
      { category: 'unauthenticated', status: 401, refreshable: true },
    ],
    ['jwt-invalid-claims', 'invalid x-hasura-user-id claim', { category: 'unauthenticated', status: 401 }],
    ['permission-denied', 'permission denied for table orders', { category: 'forbidden', status: 403 }],
    [
      'permission-error',
      'permission has failed',
      { category: 'forbidden', reason: 'insufficient-permissions', status: 403 },
    ],
    ['constraint-violation', 'violates exclusion constraint', { category: 'validation', status: 400 }],
    ['data-exception', 'value too long for type character varying(20)', { category: 'validation', status: 400 }],
    [
      'already-exists',
      "field with name 'total' already exists",
      { category: 'validation', reason: 'already-exists', status: 400 },
    ],
    [
      'validation-failed',
      'unexpected variable "foo"',
      { category: 'bad-request', reason: 'invalid-operation', status: 400 },
    ],
    [
      'invalid-json',
      'Error in $: Failed reading: not a valid json value',
      { category: 'bad-request', reason: 'malformed-request', status: 400 },
    ],
    [
      'invalid-params',
      "the key 'variables' was not an object",
      { category: 'bad-request', reason: 'malformed-request', status: 400 },
    ],
    ['bad-request', 'the body is empty', { category: 'bad-request', reason: 'malformed-request', status: 400 }],
    [
      'not-supported',
      'subscriptions are not supported over HTTP',
      { category: 'bad-request', reason: 'malformed-request', status: 400 },
    ],
    [
      'method-not-allowed',
      'GET requests are not allowed on this endpoint',
      { category: 'bad-request', reason: 'malformed-request', status: 400 },
    ],
    ['parse-failed', "the key 'query' was not present", { category: 'bad-request', status: 400 }],
    ['not-exists', 'no mutations exist', { category: 'not-found', reason: 'not-found', status: 404 }],
    [
      'not-found',
      'no such table/function exists in source: "orders"',
      { category: 'not-found', reason: 'not-found', status: 404 },
    ],
    [
      'concurrent-update',
      'could not serialize access due to concurrent update',
      { category: 'conflict', status: 409, retryable: true },
    ],
    [
      'postgres-max-connections-error',
      'max connections reached on postgres',
      { category: 'server', reason: 'service-unavailable', status: 503 },
    ],
    ['busy', 'the server is busy', { category: 'server', reason: 'service-unavailable', status: 503, retryable: true }],
    ['remote-schema-error', 'HTTP exception occurred', { category: 'server', reason: 'bad-gateway', status: 502 }],
    ['unexpected', 'database query error', { category: 'server', reason: 'internal-error', status: 500 }],
    ['postgres-error', 'connection error', { category: 'server', reason: 'internal-error', status: 500 }],
    [
      'mssql-error',
      'mssql: login failed',
      { category: 'server', reason: 'internal-error', status: 500, retryable: true },
    ],
    [
      'bigquery-error',
      'BigQuery: quota exceeded',
      { category: 'server', reason: 'internal-error', status: 500, retryable: true },
    ],
  ];
  test.each(STATUSES)('%s: "%s" has its semantic status', (code, message, expected) => {
    for (const [, input, extra] of shapes200(err(code, message)))
      expectClassified(input, [hasura], { code, retryable: expected.category === 'server', ...expected }, extra);
  });

  // The refinements' own facts and texts, as Hasura words them (where the profile has no text: the core's).
  const REFINED: Array<[string, string, Expect, RegExp]> = [
    [
      'invalid-jwt',
      'Could not verify JWT: JWTNotInIssuer',
      { category: 'unauthenticated', reason: 'wrong-audience', refreshable: false, status: 401 },
      /^Sign in again\.$/,
    ],
    [
      'invalid-jwt',
      'Could not verify JWT: token expired',
      { category: 'unauthenticated', reason: 'token-expired', refreshable: true },
      /^Sign in again\.$/,
    ],
    [
      'access-denied',
      'invalid x-hasura-admin-secret',
      { category: 'unauthenticated', reason: 'invalid-admin-secret', refreshable: false },
      /admin secret is missing or wrong/,
    ],
    [
      'access-denied',
      'invalid x-hasura-access-key',
      { category: 'unauthenticated', reason: 'invalid-admin-secret', refreshable: false },
      /admin secret is missing or wrong/,
    ],
    [
      'access-denied',
      'restricted access : admin only',
      { category: 'forbidden', reason: 'role-not-allowed', status: 403, refreshable: false },
      /^You do not have access to this; ask an administrator\.$/,
    ],
    [
      'access-denied',
      'x-hasura-role "manager" is NOT IN ALLOWED ROLES',
      { category: 'forbidden', reason: 'role-not-allowed', status: 403 },
      /^You do not have access to this; ask an administrator\.$/,
    ],
    [
      'permission-error',
      'Check constraint of an update permission has failed',
      { category: 'forbidden', reason: 'permission-check-failed', status: 403 },
      /^You do not have access to this; ask an administrator\.$/,
    ],
    [
      'permission-error',
      'Check constraint violation. new row for relation "orders" violates check constraint "orders_quantity_check"',
      { category: 'validation', reason: 'check-constraint', status: 400 },
      /^Check your input and try again\.$/,
    ],
    [
      'permission-error',
      'new row violates row-level security policy: Check constraint violation',
      { category: 'forbidden', reason: 'insufficient-permissions', status: 403 },
      /^You do not have access to this; ask an administrator\.$/,
    ],
    [
      'constraint-violation',
      'Uniqueness violation. duplicate key value violates unique constraint "users_email_key"',
      { category: 'validation', reason: 'already-exists', details: { constraint: 'users_email_key' } },
      /already exists; use another value/,
    ],
    [
      'constraint-violation',
      'Foreign key violation. insert or update on table "orders" violates foreign key constraint "orders_user_id_fkey"',
      { category: 'validation', reason: 'missing-reference' },
      /refers to does not exist/,
    ],
    [
      'constraint-violation',
      'Not-NULL violation. null value in column "name" of relation "users" violates not-null constraint',
      { category: 'validation', reason: 'required-value', details: { field: 'name' } },
      /^Check your input and try again\.$/,
    ],
    [
      'constraint-violation',
      'Can not delete or update due to data being referred. update or delete on table "users" violates foreign key constraint "orders_user_id_fkey" on table "orders"',
      { category: 'validation', reason: 'still-referenced', details: { constraint: 'orders_user_id_fkey' } },
      /Other records still refer to this one/,
    ],
    [
      'constraint-violation',
      'ERROR: Uniqueness violation. duplicate key',
      { category: 'validation', reason: 'constraint-violation' },
      /^Check your input and try again\.$/,
    ],
    [
      'constraint-violation',
      'ERROR: Foreign key violation. insert on table',
      { category: 'validation', reason: 'constraint-violation' },
      /^Check your input and try again\.$/,
    ],
    [
      'constraint-violation',
      'ERROR: Not-NULL violation. null value',
      { category: 'validation', reason: 'constraint-violation' },
      /^Check your input and try again\.$/,
    ],
    [
      'constraint-violation',
      'ERROR: Can not delete or update due to data being referred. update',
      { category: 'validation', reason: 'constraint-violation' },
      /^Check your input and try again\.$/,
    ],
    [
      'validation-failed',
      "field 'salary' not found in type: 'users'",
      { category: 'bad-request', reason: 'not-in-role-schema' },
      /role cannot see/,
    ],
    [
      'concurrent-update',
      'serialization failure due to concurrent update',
      { category: 'conflict', reason: 'concurrent-update', retryable: true },
      /Someone else was changing the same data/,
    ],
  ];
  test.each(REFINED)('%s: "%s"', (code, message, expected, remediation) => {
    for (const [, input, extra] of shapes200(err(code, message))) {
      const c = expectClassified(input, [hasura], { code, message, ...expected }, extra);
      expect(c.remediation).toMatch(remediation);
    }
  });

  test('a Postgres message without a constraint or column name has no details', () => {
    const c = classifyError(err('constraint-violation', 'Uniqueness violation. duplicate key value'), {
      profiles: [hasura],
    });
    expect(c).toMatchObject({ category: 'validation', reason: 'already-exists' });
    expect(c.details).toBeUndefined();
  });

  test('the metadata API / v1alpha1 answer with an HTTP status: the code still decides', () => {
    for (const [, input] of shapesHttp(
      400,
      err(
        'constraint-violation',
        'Uniqueness violation. duplicate key value violates unique constraint "users_email_key"',
      ),
    )) {
      expectClassified(input, [hasura], { category: 'validation', reason: 'already-exists', status: 400 });
    }
    for (const [, input] of shapesHttp(401, {
      path: '$',
      error: 'invalid x-hasura-admin-secret/x-hasura-access-key',
      code: 'access-denied',
    })) {
      expect(classifyError(input, { profiles: [hasura] }).category).toBe('unauthenticated');
    }
    for (const [, input] of shapesHttp(500, err('validation-failed', "field 'x' not found in type: 'query_root'"))) {
      expectClassified(input, [hasura], { category: 'bad-request', retryable: false, status: 500 });
    }
  });

  const CODES: Array<[string, string]> = [
    ['access-denied', 'unauthenticated'],
    ['invalid-jwt', 'unauthenticated'],
    ['constraint-violation', 'validation'],
    ['validation-failed', 'bad-request'],
    ['postgres-error', 'server'],
    ['not-found', 'not-found'],
  ];
  describe.each(CODES)('%s decides %s whatever the message says', (code, category) => {
    test.each(MISLEADING)('"%s"', (message) => {
      for (const profiles of [[hasura], [hasura, ion], [ion, hasura]]) {
        for (const [, input, extra] of shapes200(err(code, message))) {
          const c = classifyError(input, { profiles, ...extra });
          expect(c.category).toBe(category);
          expect(c.code).toBe(code);
          expect(c.message).toBe(message);
        }
      }
    });
  });

  test('the issue\'s example: access-denied with "field not found" is not a schema error', () => {
    expect(
      classifyError(err('access-denied', 'field "salary" not found in type: "users"'), { profiles: [hasura] }),
    ).toMatchObject({ category: 'unauthenticated', reason: 'access-denied' });
  });

  test('without the profile, kebab-case codes fall back to the core (status and messages)', () => {
    expect(classifyError(err('constraint-violation', 'Uniqueness violation.'), {}).category).toBe('unknown');
  });
});
