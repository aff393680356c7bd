import type { Category, ClassificationProfile, ClassificationRule, ErrorFacts } from '../classify/types.js';

// GitHub GraphQL API (and the REST-style bodies its gateway answers with). Sources: GitHub Docs
// "Rate limits and query limits for the GraphQL API" (primary limit: `x-ratelimit-remaining: 0`,
// wait until `x-ratelimit-reset` in UTC epoch seconds; secondary limit: 403 or 429, honour
// `retry-after`, else wait at least one minute; node limit) and "Rate limits for the REST API";
// github/docs#22607 (a rate-limited GraphQL answer is a 200 with `errors[].type` RATE_LIMITED);
// githubkit#271 (newer answers say `type: "RATE_LIMIT"`, `code: "graphql_rate_limit"`);
// cli/cli and raycast issues (INSUFFICIENT_SCOPES: "The 'x' field requires one of the following
// scopes: ['read:org'] …"; NOT_FOUND: "Could not resolve to a Repository …"). The GraphQL error
// `type` is a top-level field of each error, read from `facts.raw`; `extensions.code` in camelCase
// is graphql-ruby's static validation (undefinedField, argumentLiteralsIncompatible …).

const typeOf = (f: ErrorFacts): string => (typeof f.raw?.type === 'string' ? f.raw.type : '');
const header = (f: ErrorFacts, name: string): string | null | undefined => f.headers?.get(name);

/** How long until the primary window resets (`x-ratelimit-reset`, epoch seconds), or undefined. */
const resetWaitMs = (f: ErrorFacts): number | undefined => {
  const reset = Number(header(f, 'x-ratelimit-reset'));
  return reset > 0 ? Math.min(Math.max(0, reset * 1000 - Date.now()), 3_600_000) : undefined;
};

const byType = (
  types: ReadonlyArray<string>,
  category: Category,
  reason: string,
  extra: (f: ErrorFacts) => object = () => ({}),
): ClassificationRule => ({
  id: `github/${types[0]!.toLowerCase()}`,
  match: (f) => types.includes(typeOf(f)),
  classify: (f) => ({ category, reason, code: typeOf(f), ...extra(f) }),
});

const limited = (reason: string, retryAfterMs: number | undefined) => ({
  category: 'rate-limited' as const,
  reason,
  status: 429,
  details: retryAfterMs === undefined ? undefined : { retryAfterMs },
});

// Built inside a pure IIFE: a bundler drops the whole profile when it is not imported, even from
// one bundled file where its helper calls would otherwise count as side effects.
export const github: ClassificationProfile = /* @__PURE__ */ (() => ({
  name: 'github',
  rules: [
    byType(['RATE_LIMITED', 'RATE_LIMIT'], 'rate-limited', 'rate-limited', (f) =>
      limited('rate-limited', resetWaitMs(f)),
    ),
    {
      // A 403/429 whose headers say "rate limit" (Retry-After, or no requests left): headers are explicit.
      id: 'github/rate-limit-headers',
      match: (f) =>
        (f.status === 403 || f.status === 429) &&
        (f.retryAfterMs !== undefined || header(f, 'x-ratelimit-remaining') === '0'),
      classify: (f) =>
        f.retryAfterMs !== undefined
          ? limited('secondary-rate-limit', undefined)
          : limited('rate-limited', resetWaitMs(f)),
    },
    {
      // A secondary limit sometimes arrives as a bare 403 with only GitHub's documented message.
      id: 'github/secondary-rate-limit',
      match: (f) =>
        f.status === 403 && !f.code && !typeOf(f) && /secondary rate limit|abuse detection/i.test(f.message),
      classify: limited('secondary-rate-limit', 60_000),
    },
    byType(['INSUFFICIENT_SCOPES'], 'forbidden', 'insufficient-scope', (f) => {
      const scopes = /following scopes: \[([^\]]*)\]/.exec(f.message)?.[1];
      return {
        status: 403,
        details: scopes ? { requiredScopes: scopes.replace(/['\s]/g, '').split(',') } : undefined,
        remediation: 'The token lacks a scope this needs; sign in again and grant the requested access.',
      };
    }),
    byType(['FORBIDDEN'], 'forbidden', 'insufficient-permissions', () => ({ status: 403 })),
    byType(['NOT_FOUND'], 'not-found', 'not-found', () => ({
      status: 404,
      remediation: 'It does not exist, or this account cannot see it.',
    })),
    byType(['UNPROCESSABLE'], 'validation', 'invalid-input', () => ({ status: 422 })),
    byType(
      ['MAX_NODE_LIMIT_EXCEEDED', 'EXCESSIVE_PAGINATION', 'MISSING_PAGINATION_BOUNDARIES'],
      'bad-request',
      'query-too-large',
      () => ({ status: 400 }),
    ),
    {
      id: 'github/static-validation',
      match: (f) => /^[a-z]+[A-Z]\w*$/.test(f.code ?? ''),
      classify: { category: 'bad-request', reason: 'invalid-operation', status: 400 },
    },
    {
      id: 'github/query-timeout',
      refine: true,
      match: { message: /Something went wrong while executing your query/ },
      classify: { category: 'server', reason: 'query-timeout', status: 502 },
    },
  ],
}))();
