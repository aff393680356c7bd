import type { ClassificationProfile, ErrorFacts } from '../classify/types.js';

const withField = (f: ErrorFacts) => {
  const field = typeof f.extensions?.field === 'string' ? f.extensions.field : undefined;
  return field ? { field } : undefined;
};

/**
 * The seed `extensions.code` tables (002, 003): the core's codes with the documents' own
 * remediations (e.g. how to send an API key), and `extensions.field` named in the text.
 */
// Built inside a pure IIFE: a bundler drops the whole profile when it is not imported, even from
// one bundled file where its helper calls would otherwise count as side effects.
export const graphqlCodes: ClassificationProfile = /* @__PURE__ */ (() => ({
  name: 'graphqlCodes',
  rules: [
    {
      id: 'code/unauthenticated',
      match: { code: ['UNAUTHENTICATED', 'UNAUTHORIZED', 'INVALID_TOKEN', 'TOKEN_EXPIRED', 'AUTH_NOT_AUTHENTICATED'] },
      classify: (f) => ({
        category: 'unauthenticated',
        reason: f.code === 'TOKEN_EXPIRED' ? 'token-expired' : 'invalid-token',
        status: 401,
        refreshable: true,
        remediation:
          f.code === 'UNAUTHORIZED'
            ? 'Send a valid, unexpired and unrevoked key as "Authorization: Bearer <key>".'
            : 'Request a new token and retry.',
      }),
    },
    {
      id: 'code/forbidden',
      match: { code: ['FORBIDDEN', 'PERMISSION_DENIED', 'ACCESS_DENIED'] },
      classify: {
        category: 'forbidden',
        reason: 'insufficient-permissions',
        status: 403,
        remediation: "The credentials are valid but lack permission: check the user's roles or the key's scopes.",
      },
    },
    {
      id: 'code/not-found',
      match: { code: ['NOT_FOUND', 'PERSISTED_QUERY_NOT_FOUND_NEVER'] },
      classify: {
        category: 'not-found',
        reason: 'not-found',
        status: 404,
        remediation:
          'Check the ID or slug in the query arguments; the resource may have been deleted or never existed.',
      },
    },
    {
      id: 'code/conflict',
      match: { code: ['CONFLICT', 'ETAG_MISMATCH', 'PRECONDITION_FAILED'] },
      classify: {
        category: 'conflict',
        reason: 'etag-mismatch',
        status: 409,
        remediation:
          'Another writer changed this record: re-read it, re-apply your change, and retry with the new etag.',
      },
    },
    {
      id: 'code/bad-user-input',
      match: { code: 'BAD_USER_INPUT' },
      classify: (f) => ({
        category: 'validation',
        reason: 'invalid-input',
        status: 400,
        details: withField(f),
        remediation: 'An argument or input value is invalid; check it against the operation reference.',
      }),
    },
    {
      id: 'code/validation-error',
      match: { code: ['VALIDATION_ERROR', 'UNPROCESSABLE_ENTITY'] },
      classify: (f) => {
        const details = withField(f);
        return {
          category: 'validation',
          reason: 'invalid-input',
          status: 422,
          details,
          remediation: details
            ? `Correct the input field "${details.field}" (required and format rules), then submit again.`
            : 'Correct the input named in the message, then submit again.',
        };
      },
    },
    {
      id: 'code/rate-limited',
      match: { code: ['RATE_LIMITED', 'TOO_MANY_REQUESTS', 'THROTTLED'] },
      classify: {
        category: 'rate-limited',
        reason: 'rate-limited',
        status: 429,
        remediation: 'Too many requests: back off for a moment before trying again.',
      },
    },
    {
      id: 'code/graphql-parse-failed',
      match: {
        code: ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE'],
      },
      classify: {
        category: 'bad-request',
        reason: 'invalid-operation',
        status: 400,
        remediation:
          "The operation does not match the server's schema; regenerate the client's documents against the current schema.",
      },
    },
    {
      id: 'code/persisted-query-not-found',
      match: { code: 'PERSISTED_QUERY_NOT_FOUND' },
      classify: {
        category: 'bad-request',
        reason: 'persisted-query-not-found',
        status: 400,
        remediation: 'Send the full query text; the server does not know this persisted query hash.',
      },
    },
    {
      id: 'code/service-unavailable',
      match: { code: ['SERVICE_UNAVAILABLE', 'UNAVAILABLE'] },
      classify: {
        category: 'server',
        reason: 'service-unavailable',
        status: 503,
        remediation: 'The service is temporarily unavailable; try again in a few minutes.',
      },
    },
    {
      id: 'code/internal-server-error',
      match: { code: ['INTERNAL_SERVER_ERROR', 'INTERNAL', 'INTERNAL_ERROR'] },
      classify: {
        category: 'server',
        reason: 'internal-error',
        status: 500,
        remediation: 'The server failed; try again, and report it with the time it happened if it keeps failing.',
      },
    },
  ],
}))();
