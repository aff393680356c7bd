// Shared by the compact classifier and the auth link's own check.

/** ION's 401 table and the REST auth messages, compactly: which ones a new token can fix. */
export const AUTH_MESSAGES: Array<[RegExp, string, boolean]> = [
  [/token (is|has) expired|jwt expired/i, 'token-expired', true],
  [/provide proper credentials/i, 'missing-credentials', true],
  [/parse authentication token|value is too (short|long)|does not match regex/i, 'malformed-token', true],
  [/validate authentication token/i, 'invalid-token', true],
  [/RSA key/i, 'unknown-signing-key', false],
  [/organization does not match/i, 'org-mismatch', false],
  [/is deactivated/i, 'user-deactivated', false],
  [/organization is blocked/i, 'org-blocked', false],
  [/login domain/i, 'invalid-login-domain', false],
  [/2FA is required/i, 'two-factor-required', false],
  [/SSO is required/i, 'sso-required', false],
];

/** The auth message a text matches: its reason and whether a new token can fix it. */
export function matchAuthMessage(message: string): { reason: string; refreshable: boolean } | undefined {
  const text = message.slice(0, 500);
  const found = AUTH_MESSAGES.find(([re]) => re.test(text));
  return found ? { reason: found[1], refreshable: found[2] } : undefined;
}
