import type { ClassificationProfile } from '../classify/types.js';

const AUTHORIZATION = /^authorization$/i;

/**
 * REST error envelopes `{ type: "Error", status: "error", data: [{ message, propertyName }] }`
 * (IXON APIv2, seed 004): content errors, authorization header defects, 2FA and SSO. An entry's
 * `propertyName` is a structured signal and decides; the 2FA and SSO messages refine a 401.
 */
// Built inside a pure IIFE: a bundler drops the whole profile when it is not imported, even from
// one bundled file where its helper calls would otherwise count as side effects.
export const restEnvelope: ClassificationProfile = /* @__PURE__ */ (() => ({
  name: 'restEnvelope',
  rules: [
    {
      id: 'rest/two-factor-required',
      refine: true,
      match: { message: /\b2FA is required\b|two[- ]factor (authentication )?is required/i },
      classify: {
        category: 'unauthenticated',
        reason: 'two-factor-required',
        status: 401,
        refreshable: false,
        remediation:
          "Generate the bearer token again with the user's one-time password (OTP); the user's role enforces two-factor authentication.",
      },
    },
    {
      id: 'rest/sso-required',
      refine: true,
      match: { message: /\bSSO is required\b|single sign-on is required/i },
      classify: {
        category: 'unauthenticated',
        reason: 'sso-required',
        status: 401,
        refreshable: false,
        remediation:
          "Sign in through the company's SSO provider with the matching email (check the identityProviderPublicId for custom domains).",
      },
    },
    {
      id: 'rest/sso-invalid-value',
      match: { source: 'rest', propertyName: /^ssoAuthentication\./ },
      classify: (f) => ({
        category: 'unauthenticated',
        reason: 'sso-authentication-failed',
        refreshable: false,
        details: { field: f.propertyName },
        remediation:
          'The SSO code or state was not generated correctly; sign in through SSO again, and send the Api-Branding header for a custom domain.',
      }),
    },
    {
      id: 'rest/authorization-too-short',
      match: { source: 'rest', propertyName: AUTHORIZATION, message: /too short|too long|does not match regex/i },
      classify: {
        category: 'unauthenticated',
        reason: 'malformed-token',
        status: 401,
        refreshable: true,
        remediation:
          'The bearer token is malformed (wrong length or characters); generate a new one, paying attention to the credentials.',
      },
    },
    {
      id: 'rest/authorization-scheme',
      match: { source: 'rest', propertyName: AUTHORIZATION, message: /must start with a type/i },
      classify: {
        category: 'unauthenticated',
        reason: 'malformed-authorization-header',
        status: 401,
        refreshable: true,
        remediation:
          'Send the header as "Authorization: Bearer <token>" with no stray spaces or characters; generate the token again if it is damaged.',
      },
    },
    {
      id: 'rest/authorization-invalid',
      match: { source: 'rest', propertyName: AUTHORIZATION },
      classify: {
        category: 'unauthenticated',
        reason: 'invalid-token',
        status: 401,
        refreshable: true,
        remediation:
          'The bearer token expired or was created with wrong credentials; generate a new, valid bearer token.',
      },
    },
    {
      id: 'rest/required-header',
      // A content error: it decides only where the status does not say otherwise (400, 422, or none).
      match: { source: 'rest', message: /required header/i, status: (s) => s === undefined || s === 400 || s === 422 },
      classify: (f) => ({
        category: 'validation',
        reason: 'required-header',
        details: { field: f.propertyName },
        remediation: `Add the required header${f.propertyName ? ` ${f.propertyName}` : ''} to the request.`,
      }),
    },
    {
      id: 'rest/invalid-value',
      match: { source: 'rest', status: (s) => s === undefined || s === 400 || s === 422 },
      classify: (f) => ({
        category: 'validation',
        reason: /invalid value/i.test(f.message) ? 'invalid-value' : 'invalid-content',
        details: { field: f.propertyName },
        remediation: `Correct ${f.propertyName ? `the value of ${f.propertyName}` : 'the request'} (the API reference lists valid values), then send it again.`,
      }),
    },
  ],
  // Seed 004's advice for server errors.
  remediations: {
    'server/internal-error': 'Most likely a production incident that is being resolved; try again in a few minutes.',
    'server/gateway-timeout': 'The request took more than 60 s; narrow its scope, then try again.',
  },
}))();
