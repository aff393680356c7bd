// Only an OAuth `invalid_token` is refreshable (RFC 6750 §3.1; DESIGN §5 "Precedence"): the explicit
// `error` decides refreshability, and a description that reads like an expired or invalid access token
// ("The refresh token has expired", "Invalid token") refines the reason only. A new access token cannot
// fix a refresh token that expired or a client that is not recognised: refreshing again would loop.
import { ac4ServerError } from '../../profiles/__tests__/shapes';
import { classifyError } from '../classifyError';

const ROWS: Array<[string, number, string, string, boolean]> = [
  // Okta
  ['Okta', 400, 'invalid_grant', 'The refresh token is invalid or expired.', false],
  [
    'Okta',
    401,
    'invalid_client',
    'Client authentication failed. Either the client or the client credentials are invalid.',
    false,
  ],
  // Azure AD / Entra ID
  [
    'Azure',
    400,
    'invalid_grant',
    'AADSTS700082: The refresh token has expired due to inactivity. The token was issued on 2024-01-01T00:00:00Z and was inactive for 90.00:00:00.',
    false,
  ],
  [
    'Azure',
    400,
    'invalid_grant',
    'AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.',
    false,
  ],
  ['Azure', 401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.', false],
  // The reviewer's
  ['generic', 400, 'invalid_grant', 'The refresh token has expired.', false],
  ['generic', 401, 'invalid_client', 'Invalid token', false],
  ['generic', 400, 'invalid_grant', 'jwt expired', false],
  // RFC 6750 invalid_token: refreshable, refined or not; a message can still say no (a deactivated user)
  ['generic', 401, 'invalid_token', 'The access token expired', true],
  ['generic', 401, 'invalid_token', 'Invalid token', true],
  ['generic', 401, 'invalid_token', 'Whatever', true],
  ['generic', 401, 'invalid_token', 'User alice@example.com is deactivated', false],
];

test.each(ROWS)('%s %i %s "%s" → refreshable %s', (_idp, status, error, description, refreshable) => {
  const body = { error, error_description: description };
  for (const input of [ac4ServerError(status, body), body]) {
    const c = classifyError(input);
    expect(c).toMatchObject({ category: 'unauthenticated', code: error, refreshable, retryable: false });
  }
});
