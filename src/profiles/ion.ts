import type { ClassificationProfile, ErrorFacts } from '../classify/types.js';

const isForbiddenContext = (f: ErrorFacts): boolean => f.status === 403 || f.code === 'FORBIDDEN';

/** Trimmed, without a final period. Patterns capture to the line's end (`.*`) and this tidies: no `(.*?)\.?\s*$`, quadratic on long messages. */
const tidy = (text: string): string => text.trim().replace(/\.$/, '');

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
      id: 'ion/deactivated',
      match: { message: /\buser\b.*\bis deactivated\b|deactivated user/i },
      classify: (f, m) => {
        const email = /user\s+(\S+@\S+?)\s+is deactivated/i.exec(m?.input ?? f.message)?.[1];
        const details = email ? { email } : undefined;
        return isForbiddenContext(f)
          ? {
              category: 'forbidden',
              reason: 'user-deactivated',
              status: 403,
              details,
              remediation: 'Reactivate the user in admin settings.',
            }
          : { category: 'unauthenticated', reason: 'user-deactivated', status: 401, refreshable: false, details };
      },
    },
    {
      refine: true,
      id: 'ion/login-domain',
      match: { message: /login domain '?([^'\s]*)'? is not valid for this organization/i },
      classify: (_f, m) => ({
        category: 'unauthenticated',
        reason: 'invalid-login-domain',
        status: 401,
        refreshable: false,
        details: m?.[1] ? { domain: m[1] } : undefined,
        remediation: 'Sign in with an email domain the organization allows.',
      }),
    },
    // 409: optimistic concurrency.
    {
      refine: true,
      id: 'ion/etag',
      match: {
        message: /etag mismatch|concurrent modification|etag.*(does not match|stale|outdated)|precondition failed/i,
      },
      classify: {
        category: 'conflict',
        reason: 'etag-mismatch',
        status: 409,
        remediation: 'Re-read the record and apply your change to the latest _etag.',
      },
    },
    // 403: the distinct causes, each with its own fix.
    {
      refine: true,
      id: 'ion/permission',
      match: { message: /does not have (the )?permission|permission denied|not (authorized|allowed) to perform/i },
      classify: (f) => {
        const parsed = /perform\s+([A-Za-z_]+)\s+on\s+(.+)/i.exec(f.message);
        const action = parsed?.[1]!.toUpperCase();
        const resource = parsed?.[2] && tidy(parsed[2]);
        return {
          category: 'forbidden',
          reason: 'missing-permission',
          status: 403,
          details: parsed ? { action, resource } : undefined,
          remediation: parsed
            ? `Ask an admin to grant your role ${action} on ${resource}.`
            : 'Ask an admin for the missing permission.',
        };
      },
    },
    {
      refine: true,
      id: 'ion/read-only-org',
      match: (f) => /read[- ]only/i.test(f.message) && /organi[sz]ation|org\b|billing|compliance/i.test(f.message),
      classify: {
        category: 'forbidden',
        reason: 'read-only-org',
        status: 403,
        remediation: 'The organization is on a billing or compliance hold.',
      },
    },
    {
      refine: true,
      id: 'ion/read-only-schema',
      match: (f) => /read[- ]only/i.test(f.message) && (isForbiddenContext(f) || /schema/i.test(f.message)),
      classify: {
        category: 'forbidden',
        reason: 'read-only-schema',
        status: 403,
        remediation: 'This schema is read-only; contact support.',
      },
    },
    {
      refine: true,
      id: 'ion/approval',
      match: (f) =>
        (isForbiddenContext(f) && /approval|sign-?off/i.test(f.message)) ||
        /requires? (an? )?(\w+ )?(approval|sign-?off)|approval (is )?required/i.test(f.message),
      classify: {
        category: 'forbidden',
        reason: 'approval-required',
        status: 403,
        remediation: 'Complete the approval flow first.',
      },
    },
    {
      refine: true,
      id: 'ion/scope',
      match: (f) =>
        (isForbiddenContext(f) && /\bscopes?\b/i.test(f.message)) ||
        /insufficient scope|scopes? (is |are )?(insufficient|missing|not granted)/i.test(f.message),
      classify: {
        category: 'forbidden',
        reason: 'insufficient-scope',
        status: 403,
        remediation: 'Re-authorize the app with the scopes it needs.',
      },
    },
    {
      refine: true,
      id: 'ion/feature',
      match: {
        message: /feature\b.*\b(disabled|not enabled)|not enabled for your (org|tier)/i,
      },
      classify: {
        category: 'forbidden',
        reason: 'feature-disabled',
        status: 403,
        remediation: 'Ask your CSM to enable this feature.',
      },
    },
    {
      refine: true,
      id: 'ion/cross-org',
      match: (f) => isForbiddenContext(f) && /token.*(different|other) org|cross[- ]org/i.test(f.message),
      classify: {
        category: 'forbidden',
        reason: 'cross-org-token',
        status: 403,
        remediation: 'Sign in to the organization this belongs to.',
      },
    },
    {
      refine: true,
      id: 'ion/not-visible',
      match: (f) =>
        isForbiddenContext(f) && /not found|not visible|does not exist|\bid\b|another (org|tenant)/i.test(f.message),
      classify: {
        category: 'forbidden',
        reason: 'not-visible-to-org',
        status: 403,
        remediation: 'This ID belongs to another organization.',
      },
    },
    // 404 and soft deletes.
    {
      refine: true,
      id: 'ion/not-found',
      match: (f) =>
        [undefined, 200, 404].includes(f.status) &&
        /\bnot found\b|does not exist|no such|\b_?deleted\b/i.test(f.message),
      classify: {
        category: 'not-found',
        reason: 'not-found',
        status: 404,
        remediation: 'The record may be soft-deleted (_deleted) or in another tenant.',
      },
    },
    // 422 domain rules: "PartInventory quantity must be greater than 0."
    {
      refine: true,
      id: 'ion/domain-rule',
      // Not the sign-in steps the core's 401 table knows ("Token is invalid", "2FA is required"), taken out
      // first: a lookbehind would say it shorter, but Safari before 16.4 cannot parse one (the module would not load).
      match: (f) =>
        [undefined, 200, 400, 422].includes(f.status) &&
        /\b(must (not )?be|must have|is required|are required|is too (long|short)|exceeds|out of range|not allowed|is invalid|invalid value)\b/i.test(
          f.message.replace(/(2fa|sso) is required|token is invalid/gi, ''),
        ),
      classify: (f) => {
        const typed = /^\s*([A-Z][A-Za-z0-9]*)\s+([A-Za-z_]\w*)\s+(must|is|are|exceeds)\b(.*)/.exec(f.message);
        const field =
          (typeof f.extensions?.field === 'string' ? f.extensions.field : undefined) ??
          typed?.[2] ??
          /\bfield\s+['"]?([A-Za-z_][\w.]*)/i.exec(f.message)?.[1];
        const details: Record<string, unknown> = {};
        if (field) details.field = field;
        if (typed) {
          details.entity = typed[1];
          details.constraint = tidy(typed[3]! + typed[4]!);
        }
        return {
          category: 'validation',
          reason: 'domain-rule',
          status: 422,
          details,
          remediation: field
            ? `Fix ${field} (${tidy(f.message)}) and submit again.`
            : 'Fix the input the message names.',
        };
      },
    },
    {
      refine: true,
      id: 'ion/rate-limit',
      match: { message: /rate[- ]limit|too many requests/i },
      classify: {
        category: 'rate-limited',
        reason: 'rate-limited',
        status: 429,
      },
    },
  ],
  // ION's own fixes for what the core classifies (seed 000: the 401 table, 429 back off).
  remediations: {
    'unauthenticated/missing-credentials': 'Send an "Authorization: Bearer <token>" header.',
    'unauthenticated/malformed-token': 'Send the whole token (an env variable may cut it).',
    'unauthenticated/unknown-signing-key': 'Request tokens for this client_id and audience.',
    'unauthenticated/token-expired': 'Refresh the token (OAuth) or re-issue it (API key).',
    'unauthenticated/invalid-token': 'Re-issue the token for this environment.',
    'unauthenticated/org-mismatch': 'Sign in to your own organization again.',
    'unauthenticated/org-blocked': 'The organization is blocked from ION; contact your CSM.',
    'rate-limited': 'Too many requests: back off, batch queries and cache what rarely changes.',
  },
}))();
