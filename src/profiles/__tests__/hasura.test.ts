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
