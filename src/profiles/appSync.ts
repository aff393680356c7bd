import type { ClassificationPatch, ClassificationProfile, ClassificationRule, ErrorFacts } from '../classify/types.js';

// AWS AppSync. Each GraphQL error carries a top-level `errorType` (not in `extensions`), read from
// `facts.raw`. Sources: AWS AppSync Developer Guide, "Resolver mapping template reference" /
// "$util.error" and "Troubleshooting and common mistakes"; AWS re:Post Knowledge Center "I receive
// Unauthorized errors when I run GraphQL requests with AWS AppSync" (401 UnauthorizedException from
// the authorization mode vs 200 with errorType "Unauthorized" from a resolver: "Not Authorized to
// access X on type Y"); "AppSync: how to error on DynamoDB conditional check failures" (Yan Cui:
// `DynamoDB:ConditionalCheckFailedException`); AppSync conflict detection (`ConflictUnhandled`).
// DynamoDB/Lambda throttling names follow the AWS SDK exception names.

const errorType = (f: ErrorFacts): string => {
  const t = f.raw?.errorType ?? f.extensions?.errorType;
  return typeof t === 'string' ? t : '';
};

const row = (
  id: string,
  type: RegExp,
  patch: ClassificationPatch | ((f: ErrorFacts) => ClassificationPatch),
): ClassificationRule => ({
  id: `appsync/${id}`,
  match: (f) => type.test(errorType(f)),
  classify: (f) => ({ code: errorType(f), ...(typeof patch === 'function' ? patch(f) : patch) }),
});

// Built inside a pure IIFE: a bundler drops the whole profile when it is not imported, even from
// one bundled file where its helper calls would otherwise count as side effects.
export const appSync: ClassificationProfile = /* @__PURE__ */ (() => ({
  name: 'appSync',
  rules: [
    row('unauthorized-exception', /^UnauthorizedException$/, {
      category: 'unauthenticated',
      reason: 'invalid-token',
      status: 401,
      refreshable: true,
    }),
    row('unauthorized', /^Unauthorized$/, (f) => {
      const m = /Not Authorized to access (\w+) on type (\w+)/i.exec(f.message);
      return {
        category: 'forbidden',
        reason: 'missing-permission',
        status: 403,
        details: m ? { field: m[1], resource: m[2] } : undefined,
      };
    }),
    row('condition-failed', /^(DynamoDB:)?ConditionalCheckFailedException$/, (f) => ({
      category: 'conflict',
      reason: 'precondition-failed',
      status: 409,
      // AppSync returns the item as it is now in the error's `data`.
      details: f.raw?.data && typeof f.raw.data === 'object' ? { current: f.raw.data } : undefined,
    })),
    row('conflict-unhandled', /^ConflictUnhandled$/, { category: 'conflict', reason: 'edit-conflict', status: 409 }),
    row('throttled', /(Throttling|ProvisionedThroughputExceeded|RequestLimitExceeded|TooManyRequests)(Exception)?$/, {
      category: 'rate-limited',
      reason: 'rate-limited',
      status: 429,
    }),
    row('timeout', /^ExecutionTimeout$/, { category: 'server', reason: 'gateway-timeout', status: 504 }),
    row('lambda-unhandled', /^Lambda:Unhandled$/, { category: 'server', reason: 'resolver-error', status: 500 }),
    // A template or a function answer the resolver cannot use: the same request fails the same way.
    row('resolver-bug', /^(MappingTemplate|Lambda:IllegalArgument)$/, {
      category: 'server',
      reason: 'resolver-error',
      status: 500,
      retryable: false,
    }),
    row('bad-request', /^(BadRequestException|MalformedHttpRequestException)$/, {
      category: 'bad-request',
      reason: 'malformed-request',
      status: 400,
    }),
    // Message rows: they refine, or decide alone in a 200 without an errorType.
    {
      id: 'appsync/missing-auth-header',
      refine: true,
      match: { message: /Valid authorization header not provided/i },
      classify: { category: 'unauthenticated', reason: 'missing-credentials', status: 401, refreshable: true },
    },
    {
      id: 'appsync/validation-error',
      refine: true,
      match: { message: /^Validation error of type \w+/ },
      classify: { category: 'bad-request', reason: 'invalid-operation', status: 400 },
    },
  ],
}))();
