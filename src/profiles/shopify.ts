import type { ClassificationProfile, ErrorFacts } from '../classify/types.js';

// Shopify Admin GraphQL API. Sources: Shopify "GraphQL Admin API rate limits" (calculated query
// cost, leaky bucket, `extensions.cost { requestedQueryCost, actualQueryCost, throttleStatus {
// maximumAvailable, currentlyAvailable, restoreRate } }` at the top level of the response, THROTTLED
// and the single-query limit MAX_COST_EXCEEDED); Shopify "API response status and error codes"
// (ACCESS_DENIED, SHOP_INACTIVE, INTERNAL_SERVER_ERROR with a request ID; 402 Payment Required for a
// frozen shop, 423 Locked); Shopify changelog "New error messages for GraphQL operations without
// necessary access scopes" (`extensions.requiredAccess`); Shopify Community "GraphQL Admin API
// example throttled requests response".

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const rec = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;

/** Seconds until the bucket holds the requested cost again: ceil((requested − available) / restoreRate). */
function shopifyThrottleWaitMs(f: ErrorFacts): number | undefined {
  const cost = rec(f.responseExtensions?.cost) ?? rec(f.extensions?.cost);
  const status = rec(cost?.throttleStatus);
  const requested = num(cost?.requestedQueryCost);
  const available = num(status?.currentlyAvailable);
  const rate = num(status?.restoreRate);
  if (requested === undefined || available === undefined || !rate || rate <= 0) return undefined;
  return Math.max(0, Math.ceil((requested - available) / rate)) * 1000;
}

// Built inside a pure IIFE: a bundler drops the whole profile when it is not imported, even from
// one bundled file where its helper calls would otherwise count as side effects.
export const shopify: ClassificationProfile = /* @__PURE__ */ (() => ({
  name: 'shopify',
  rules: [
    {
      id: 'shopify/throttled',
      match: { code: 'THROTTLED' },
      classify: (f) => {
        const retryAfterMs = shopifyThrottleWaitMs(f);
        return {
          category: 'rate-limited',
          reason: 'rate-limited',
          status: 429,
          details: retryAfterMs === undefined ? undefined : { retryAfterMs },
        };
      },
    },
    {
      // One query above the single-query limit: waiting does not help; the query must get cheaper.
      id: 'shopify/max-cost-exceeded',
      match: { code: 'MAX_COST_EXCEEDED' },
      classify: (f) => ({
        category: 'bad-request',
        reason: 'query-too-costly',
        status: 400,
        retryable: false,
        details: { cost: f.extensions?.cost, maxCost: f.extensions?.maxCost },
        remediation: 'This request asks for too much at once; request fewer items per page.',
      }),
    },
    {
      id: 'shopify/access-denied',
      match: { code: 'ACCESS_DENIED' },
      classify: (f) => ({
        category: 'forbidden',
        reason: 'insufficient-scope',
        status: 403,
        details: { requiredAccess: f.extensions?.requiredAccess },
        remediation: "The app lacks a permission on this store; ask the store owner to update the app's access.",
      }),
    },
    {
      id: 'shopify/shop-inactive',
      match: { code: 'SHOP_INACTIVE' },
      classify: {
        category: 'forbidden',
        reason: 'shop-inactive',
        status: 402,
        remediation: 'This store is inactive or frozen; the store owner must reactivate it.',
      },
    },
    // 402/423 carry no code (`{"errors":"Unavailable Shop"}`): they decide only where nothing else says more.
    {
      id: 'shopify/402-423',
      match: (f) => (f.status === 402 || f.status === 423) && !f.code,
      classify: (f) => ({
        category: 'forbidden',
        reason: f.status === 402 ? 'shop-frozen' : 'shop-locked',
        remediation: 'This store is unavailable (frozen or locked); the store owner must resolve it with Shopify.',
      }),
    },
    {
      refine: true,
      id: 'shopify/request-id',
      match: { code: 'INTERNAL_SERVER_ERROR', message: /Request ID: ([\w-]+)/ },
      classify: (_f, m) => ({ category: 'server', details: { requestId: m?.[1] } }),
    },
  ],
}))();
