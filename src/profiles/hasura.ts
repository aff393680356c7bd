import type { Category, ClassificationProfile, ClassificationRule } from '../classify/types.js';

// Hasura GraphQL Engine v2 (`/v1/graphql`). Sources: Hasura's error `Code` type (graphql-engine,
// Hasura.Base.Error: access-denied, invalid-jwt, jwt-invalid-claims, jwt-missing-role-claims,
// invalid-headers, validation-failed, parse-failed, constraint-violation, constraint-error,
// data-exception, permission-error, permission-denied, not-exists, not-found, unexpected,
// postgres-error, postgres-max-connections-error, remote-schema-error, …) and its Postgres error
// mapping (mkTxErrorHandler: "Uniqueness violation. ", "Foreign key violation. ", "Not-NULL
// violation. ", "Can not delete or update due to data being referred. ", and a check violation as
// permission-error "Check constraint violation. "); Hasura docs "Authentication using JWT" (JWTExpired).
// Hasura answers 200 at /v1/graphql for almost every error (401/400/500 on the metadata API and
// /v1alpha1): the code decides here, never the status.

type Row = [ReadonlyArray<string>, Category, number, string, boolean?];
/** code → category, semantic status, reason, refreshable. */
const CODES: ReadonlyArray<Row> = [
  [['invalid-jwt'], 'unauthenticated', 401, 'invalid-token', true],
  [['invalid-headers'], 'unauthenticated', 401, 'missing-credentials', true],
  [['access-denied'], 'unauthenticated', 401, 'access-denied', true],
  [['jwt-invalid-claims', 'jwt-missing-role-claims'], 'unauthenticated', 401, 'invalid-claims'],
  [['permission-denied', 'permission-error'], 'forbidden', 403, 'insufficient-permissions'],
  [['constraint-violation'], 'validation', 400, 'constraint-violation'],
  [['data-exception'], 'validation', 400, 'invalid-value'],
  [['already-exists'], 'validation', 400, 'already-exists'],
  [['validation-failed'], 'bad-request', 400, 'invalid-operation'],
  [
    [
      'parse-failed',
      'invalid-json',
      'invalid-params',
      'bad-request',
      'not-supported',
      'method-not-allowed',
      'constraint-error',
    ],
    'bad-request',
    400,
    'malformed-request',
  ],
  [['not-exists', 'not-found'], 'not-found', 404, 'not-found'],
  [['concurrent-update'], 'conflict', 409, 'concurrent-update'],
  [['postgres-max-connections-error', 'busy'], 'server', 503, 'service-unavailable'],
  [['remote-schema-error'], 'server', 502, 'bad-gateway'],
  [['unexpected', 'postgres-error', 'mssql-error', 'bigquery-error'], 'server', 500, 'internal-error'],
];

const refine = (
  id: string,
  code: string | ReadonlyArray<string>,
  message: RegExp,
  category: Category,
  reason: string,
  extra: Record<string, unknown> = {},
): ClassificationRule => ({
  id,
  refine: true,
  match: { code, message },
  classify: (f) => {
    const constraint = /constraint "([^"]+)"/.exec(f.message)?.[1];
    const column = /column "([^"]+)"/.exec(f.message)?.[1];
    return { category, reason, ...extra, details: constraint || column ? { constraint, field: column } : undefined };
  },
});

// Built inside a pure IIFE: a bundler drops the whole profile when it is not imported, even from
// one bundled file where its helper calls would otherwise count as side effects.
export const hasura: ClassificationProfile = /* @__PURE__ */ (() => ({
  name: 'hasura',
  rules: [
    // A role the request asked for that the session may not take: forbidden, not a sign-in problem.
    // Hasura reports a database check constraint (SQLSTATE 23514) as permission-error: it is the input.
    {
      id: 'hasura/check-violation',
      match: { code: 'permission-error', message: /^Check constraint violation/ },
      classify: { category: 'validation', reason: 'check-constraint', status: 400 },
    },
    {
      id: 'hasura/role-not-allowed',
      match: { code: 'access-denied', message: /not in allowed roles|admin only/i },
      classify: { category: 'forbidden', reason: 'role-not-allowed', status: 403 },
    },
    ...CODES.map(([codes, category, status, reason, refreshable]): ClassificationRule => ({
      id: `hasura/${codes[0]}`,
      match: { code: codes },
      classify: {
        category,
        status,
        reason,
        refreshable: !!refreshable,
        ...(category === 'conflict'
          ? { retryable: true, remediation: 'Someone else was changing the same data; try again.' }
          : {}),
      },
    })),
    refine('hasura/jwt-expired', 'invalid-jwt', /JWTExpired|expired/i, 'unauthenticated', 'token-expired', {
      refreshable: true,
    }),
    refine('hasura/jwt-audience', 'invalid-jwt', /JWTNotIn(Audience|Issuer)/, 'unauthenticated', 'wrong-audience', {
      refreshable: false,
    }),
    refine(
      'hasura/admin-secret',
      'access-denied',
      /admin-secret|access-key/i,
      'unauthenticated',
      'invalid-admin-secret',
      {
        refreshable: false,
        remediation: "The app's Hasura admin secret is missing or wrong; contact the app's administrator.",
      },
    ),
    refine(
      'hasura/permission-check',
      'permission-error',
      /check constraint of an? (insert|update)/i,
      'forbidden',
      'permission-check-failed',
    ),
    refine('hasura/unique', 'constraint-violation', /^Uniqueness violation/, 'validation', 'already-exists', {
      remediation: 'A record with this value already exists; use another value.',
    }),
    refine('hasura/foreign-key', 'constraint-violation', /^Foreign key violation/, 'validation', 'missing-reference', {
      remediation: 'A record this refers to does not exist (any more); reload and choose another.',
    }),
    refine('hasura/not-null', 'constraint-violation', /^Not-NULL violation/, 'validation', 'required-value'),
    refine(
      'hasura/restrict',
      'constraint-violation',
      /^Can not delete or update due to data being referred/,
      'validation',
      'still-referenced',
      { remediation: 'Other records still refer to this one; remove or change them first.' },
    ),
    refine('hasura/not-in-role-schema', 'validation-failed', /not found in type/, 'bad-request', 'not-in-role-schema', {
      remediation:
        'This asks for data your role cannot see, or the app is out of date; reload the page, and ask for access if it repeats.',
    }),
  ],
}))();
