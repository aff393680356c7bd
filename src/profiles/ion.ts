import type { ClassificationProfile, ErrorFacts } from '../classify/types.js';

const isForbiddenContext = (f: ErrorFacts): boolean => f.status === 403 || f.code === 'FORBIDDEN';

/**
 * ION's error pages (seeds 000/001): the 401 message table, the 403 causes with action and resource,
 * 404 and soft deletes, 409 `_etag`, 422 field parsing, each with ION's own remediation. Every row is
 * a message rule: it refines the category the status or code decided, or decides alone in a 200.
 */
// Built inside a pure IIFE: a bundler drops the whole profile when it is not imported, even from
// one bundled file where its helper calls would otherwise count as side effects.
export const ion: ClassificationProfile = /* @__PURE__ */ (() => ({
  name: 'ion',
  rules: [
    // 401: the core knows which of ION's 401 messages a refresh fixes; these add what it cannot parse.
    {
      refine: true,
      id: 'ion/user-deactivated',
      match: { message: /\buser\b.*\bis deactivated\b|deactivated user/i },
      classify: (f, m) => {
        const email = /user\s+(\S+@\S+?)\s+is deactivated/i.exec(m?.input ?? f.message)?.[1];
        return isForbiddenContext(f)
          ? {
              category: 'forbidden',
              reason: 'user-deactivated',
              status: 403,
              details: email ? { email } : undefined,
              remediation: 'Reactivate the user in admin settings.',
            }
          : {
              category: 'unauthenticated',
              reason: 'user-deactivated',
              status: 401,
              refreshable: false,
              details: email ? { email } : undefined,
              remediation: 'Reactivate the user or use a different account.',
            };
      },
    },
    {
      refine: true,
      id: 'ion/401-invalid-login-domain',
      match: { message: /login domain '?([^'\s]*)'? is not valid for this organization/i },
      classify: (_f, m) => ({
        category: 'unauthenticated',
        reason: 'invalid-login-domain',
        status: 401,
        refreshable: false,
        details: m?.[1] ? { domain: m[1] } : undefined,
        remediation: 'Add the email domain to the organization settings, or sign in with an allowed email.',
      }),
    },
    // 409: optimistic concurrency.
    {
      refine: true,
      id: 'ion/409-etag-mismatch',
      match: {
        message: /etag mismatch|concurrent modification|_?etag.*(does not match|stale|outdated)|precondition failed/i,
      },
      classify: {
        category: 'conflict',
        reason: 'etag-mismatch',
        status: 409,
        remediation:
          'Another writer changed this record: re-read it, re-apply your change on the latest version, and retry with the new _etag.',
      },
    },
    // 403: the distinct causes, each with its own fix.
    {
      refine: true,
      id: 'ion/403-missing-permission',
      match: { message: /does not have (the )?permission|permission denied|not (authorized|allowed) to perform/i },
      classify: (f) => {
        const parsed = /perform\s+([A-Za-z_]+)\s+on\s+(.+?)\.?\s*$/i.exec(f.message);
        return {
          category: 'forbidden',
          reason: 'missing-permission',
          status: 403,
          details: parsed ? { action: parsed[1]!.toUpperCase(), resource: parsed[2] } : undefined,
          remediation: parsed
            ? `An admin must grant your role the ${parsed[1]!.toUpperCase()} permission on ${parsed[2]}, or assign you a role that has it.`
            : 'An admin must grant your role the missing permission, or assign you a role that has it.',
        };
      },
    },
    {
      refine: true,
      id: 'ion/403-read-only-org',
      match: (f) => /read[- ]only/i.test(f.message) && /organi[sz]ation|org\b|billing|compliance/i.test(f.message),
      classify: {
        category: 'forbidden',
        reason: 'read-only-org',
        status: 403,
        remediation:
          'The organization is read-only (billing freeze or compliance hold); contact your CSM to release the read-only flag.',
      },
    },
    {
      refine: true,
      id: 'ion/403-read-only-schema',
      match: (f) => /read[- ]only/i.test(f.message) && (isForbiddenContext(f) || /schema/i.test(f.message)),
      classify: {
        category: 'forbidden',
        reason: 'read-only-schema',
        status: 403,
        remediation: 'This schema is flagged read-only on the server side; contact support.',
      },
    },
    {
      refine: true,
      id: 'ion/403-approval-required',
      match: (f) =>
        (isForbiddenContext(f) && /approval|sign-?off/i.test(f.message)) ||
        /requires? (an? )?(\w+ )?(approval|sign-?off)|approval (is )?required/i.test(f.message),
      classify: {
        category: 'forbidden',
        reason: 'approval-required',
        status: 403,
        remediation: 'This operation needs an approval that has not been granted; complete the approval flow first.',
      },
    },
    {
      refine: true,
      id: 'ion/403-insufficient-scope',
      match: (f) =>
        (isForbiddenContext(f) && /\bscopes?\b/i.test(f.message)) ||
        /insufficient scope|scopes? (is |are )?(insufficient|missing|not granted)/i.test(f.message),
      classify: {
        category: 'forbidden',
        reason: 'insufficient-scope',
        status: 403,
        remediation: "The token's scopes do not cover this operation; re-authorize the app with broader scopes.",
      },
    },
    {
      refine: true,
      id: 'ion/403-feature-disabled',
      match: {
        message: /feature( flag)?\b.*\b(disabled|not enabled)|not enabled for your (org|organi[sz]ation|tier)/i,
      },
      classify: {
        category: 'forbidden',
        reason: 'feature-disabled',
        status: 403,
        remediation: 'The feature is not enabled for your organization; contact your CSM to enable it for your tier.',
      },
    },
    {
      refine: true,
      id: 'ion/403-cross-org-token',
      match: (f) =>
        isForbiddenContext(f) && /token.*(another|different|other) (org|organi[sz]ation)|cross[- ]org/i.test(f.message),
      classify: {
        category: 'forbidden',
        reason: 'cross-org-token',
        status: 403,
        remediation: 'The token was issued for another organization; re-authenticate against the correct organization.',
      },
    },
    {
      refine: true,
      id: 'ion/403-not-visible-to-org',
      match: (f) =>
        isForbiddenContext(f) &&
        /not found|not visible|does not exist|\bid\b|another (org|organi[sz]ation|tenant)/i.test(f.message),
      classify: {
        category: 'forbidden',
        reason: 'not-visible-to-org',
        status: 403,
        remediation:
          'The ID is not visible to your organization; verify that it belongs to your org (cross-org references are never allowed).',
      },
    },
    // 404 and soft deletes.
    {
      refine: true,
      id: 'ion/404-not-found',
      match: (f) =>
        (f.status === undefined || f.status === 200 || f.status === 404) &&
        /\bnot found\b|does not exist|no such|\b_?deleted\b/i.test(f.message),
      classify: {
        category: 'not-found',
        reason: 'not-found',
        status: 404,
        remediation:
          'Check the ID for typos; the entity may be soft-deleted (_deleted) or belong to another tenant; a filtered list query tells which.',
      },
    },
    // 422 domain rules: "PartInventory quantity must be greater than 0."
    {
      refine: true,
      id: 'ion/422-domain-rule',
      match: (f) =>
        (f.status === undefined || f.status === 200 || f.status === 400 || f.status === 422) &&
        /\b(must (not )?be|must have|is required|are required|is too (long|short)|exceeds|out of range|not allowed|is invalid|invalid value)\b/i.test(
          f.message,
        ),
      classify: (f) => {
        const typed = /^\s*([A-Z][A-Za-z0-9]*)\s+([A-Za-z_][A-Za-z0-9_]*)\s+(must|is|are|exceeds)\b(.*?)\.?\s*$/.exec(
          f.message,
        );
        const field =
          (typeof f.extensions?.field === 'string' ? f.extensions.field : undefined) ??
          typed?.[2] ??
          /\bfield\s+['"]?([A-Za-z_][A-Za-z0-9_.]*)/i.exec(f.message)?.[1];
        const details: Record<string, unknown> = {};
        if (field) details.field = field;
        if (typed) details.entity = typed[1];
        if (typed) details.constraint = `${typed[3]}${typed[4]}`.trim();
        return {
          category: 'validation',
          reason: 'domain-rule',
          status: 422,
          details,
          remediation: field
            ? `Fix the value of ${field} (${f.message.trim().replace(/\.$/, '')}) and submit again.`
            : 'Fix the input named in the message and submit again.',
        };
      },
    },
    {
      refine: true,
      id: 'ion/429-rate-limit-message',
      match: { message: /rate[- ]limit|too many requests/i },
      classify: {
        category: 'rate-limited',
        reason: 'rate-limited',
        status: 429,
        remediation:
          'Too many requests: back off (1 s doubling to 30 s, with jitter), batch related queries and cache data that rarely changes.',
      },
    },
  ],
  // ION's own fixes for what the core classifies (seed 000: the 401 table, 429 back off, 5xx retry).
  remediations: {
    'unauthenticated/missing-credentials': 'Add an "Authorization: Bearer <token>" header to the request.',
    'unauthenticated/malformed-token':
      'Verify the full token is being sent; a common cause is an environment variable that lost a trailing character.',
    'unauthenticated/unknown-signing-key':
      'The token came from the wrong auth provider; check the client_id and audience you request tokens for.',
    'unauthenticated/token-expired': 'Refresh the token (OAuth) or re-issue it (API key).',
    'unauthenticated/invalid-token':
      "Re-issue the token; if it persists, check that the token's audience and issuer match this environment.",
    'unauthenticated/org-mismatch': 'Re-authenticate the user against their actual organization.',
    'unauthenticated/org-blocked':
      'The organization is blocked from accessing ION; contact your customer success manager (CSM).',
    'rate-limited':
      'Too many requests: back off for a moment before trying again (the app already waits 1 s, doubling up to about 30 s).',
    server:
      'An ION-side failure that outlasted the automatic retries; try again in a moment, and report it if it keeps failing.',
  },
}))();
