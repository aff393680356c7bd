import type { ClassificationRule } from '../types.js';

/** OAuth 2.0 token endpoint errors (RFC 6749 §5.2): `{ error, error_description }`. */
export const oauthRules: ClassificationRule[] = [
  {
    id: 'oauth/invalid-client',
    match: { source: 'oauth', code: 'invalid_client' },
    classify: { category: 'unauthenticated', reason: 'invalid-client', status: 401, remediation: 'The client_id or client_secret is wrong or the client has expired; check error_description, and ask an administrator to rotate the secret if it expired.' },
  },
  {
    id: 'oauth/invalid-request',
    match: { source: 'oauth', code: 'invalid_request' },
    classify: { category: 'bad-request', reason: 'invalid-request', status: 400, remediation: 'Include grant_type, client_id and client_secret in the token request.' },
  },
  {
    id: 'oauth/unsupported-grant-type',
    match: { source: 'oauth', code: 'unsupported_grant_type' },
    classify: { category: 'bad-request', reason: 'unsupported-grant-type', status: 400, remediation: 'Use "grant_type": "client_credentials"; the token endpoint supports no other grant.' },
  },
  {
    id: 'oauth/invalid-grant',
    match: { source: 'oauth', code: 'invalid_grant' },
    classify: { category: 'unauthenticated', reason: 'invalid-grant', status: 400, remediation: 'The grant (refresh token or code) is invalid or expired; sign in again.' },
  },
  {
    id: 'oauth/invalid-scope',
    match: { source: 'oauth', code: 'invalid_scope' },
    classify: { category: 'forbidden', reason: 'invalid-scope', status: 400, remediation: 'Request only the scopes this client is allowed.' },
  },
  {
    id: 'oauth/unauthorized-client',
    match: { source: 'oauth', code: 'unauthorized_client' },
    classify: { category: 'forbidden', reason: 'unauthorized-client', status: 400, remediation: 'This client may not use this grant type; ask an administrator to enable it.' },
  },
  {
    id: 'oauth/temporarily-unavailable',
    match: { source: 'oauth', code: ['temporarily_unavailable', 'server_error'] },
    classify: { category: 'server', reason: 'token-endpoint-unavailable', status: 503, remediation: 'The token endpoint is failing; retry with backoff.' },
  },
];
