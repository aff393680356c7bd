import type { ClassificationProfile, ClassificationRule, ErrorFacts } from '../classify/types.js';

// Apollo Server 4/5 (`@apollo/server`), Apollo Gateway and GraphOS Router.
// Sources: Apollo Server "Error handling" (built-in error codes, `includeStacktraceInErrorResponses`,
// setting the HTTP status with `extensions.http`, which the server strips from the response);
// `@apollo/server/errors` (ApolloServerErrorCode: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED,
// BAD_USER_INPUT, PERSISTED_QUERY_NOT_FOUND, PERSISTED_QUERY_NOT_SUPPORTED, OPERATION_RESOLUTION_FAILURE,
// BAD_REQUEST, INTERNAL_SERVER_ERROR; ApolloServerValidationErrorCode: INTROSPECTION_DISABLED,
// MAX_RECURSIVE_SELECTIONS_EXCEEDED) and its internalErrorClasses (parse/validation errors answer 400,
// persisted-query errors 200); Apollo Server "CSRF prevention"; GraphOS Router "Router Errors"
// (429 REQUEST_RATE_LIMITED; a timeout is a 504, which the core reads); Apollo Gateway's DOWNSTREAM_SERVICE_ERROR.
// UNAUTHENTICATED and FORBIDDEN are conventions the core already knows. AS4 sends
// `extensions.stacktrace` in development: it is never copied into a classification.

const refine = (
  id: string,
  match: ClassificationRule['match'],
  classify: ClassificationRule['classify'],
): ClassificationRule => ({ id, refine: true, match, classify });

/** `Variable "$input" got invalid value "x" at "input.quantity"; …` → the input path; else the variable. */
const variableField = (f: ErrorFacts) => {
  const m = /^Variable "\$(\w+)"(?: got invalid value .*? at "([\w.[\]]+)")?/.exec(f.message);
  return m ? { field: m[2] ?? m[1], variable: m[1] } : undefined;
};

const validationCode = (f: ErrorFacts) => f.extensions?.validationErrorCode;

// Built inside a pure IIFE: a bundler drops the whole profile when it is not imported, even from
// one bundled file where its helper calls would otherwise count as side effects.
export const apolloServer: ClassificationProfile = /* @__PURE__ */ (() => ({
  name: 'apolloServer',
  rules: [
    // Gateway / Router codes the core does not know (explicit codes: they decide).
    {
      id: 'apollo/downstream',
      match: { code: ['DOWNSTREAM_SERVICE_ERROR', 'SUBREQUEST_HTTP_ERROR', 'SUBREQUEST_MALFORMED_RESPONSE'] },
      classify: { category: 'server', reason: 'bad-gateway', status: 502 },
    },
    {
      id: 'apollo/router-rate-limited',
      match: { code: 'REQUEST_RATE_LIMITED' },
      classify: { category: 'rate-limited', reason: 'rate-limited', status: 429 },
    },
    {
      id: 'apollo/pq-not-supported',
      match: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' },
      classify: {
        category: 'bad-request',
        reason: 'persisted-queries-not-supported',
        status: 400,
        remediation: 'The server does not accept persisted queries; turn automatic persisted queries off in the app.',
      },
    },
    // Refinements inside the category the code decided.
    refine(
      'apollo/variable-coercion',
      (f) => f.code === 'BAD_USER_INPUT' && variableField(f) !== undefined,
      (f) => ({ category: 'validation', reason: 'invalid-variable', details: variableField(f) }),
    ),
    refine(
      'apollo/introspection-disabled',
      (f) => validationCode(f) === 'INTROSPECTION_DISABLED' || /introspection is not allowed/i.test(f.message),
      {
        category: 'bad-request',
        reason: 'introspection-disabled',
        remediation: 'Introspection is disabled on this server; use a schema file or the schema registry.',
      },
    ),
    refine('apollo/too-complex', (f) => validationCode(f) === 'MAX_RECURSIVE_SELECTIONS_EXCEEDED', {
      category: 'bad-request',
      reason: 'operation-too-complex',
    }),
    refine(
      'apollo/csrf',
      { code: 'BAD_REQUEST', message: /Cross-Site Request Forgery|CSRF/ },
      {
        category: 'bad-request',
        reason: 'csrf-prevention',
        remediation:
          'The server blocked the request as possible CSRF: send a JSON content-type or an apollo-require-preflight header.',
      },
    ),
    refine(
      'apollo/context-failed',
      { code: 'INTERNAL_SERVER_ERROR', message: /^Context creation failed/ },
      { category: 'server', reason: 'context-creation-failed' },
    ),
  ],
}))();
