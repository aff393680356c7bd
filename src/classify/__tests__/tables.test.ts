// The core's message tables, one row per wording each pattern accepts (the 401 table, the etag
// conflict), with the core alone: the reason, whether a new token can fix it, the status and the core
// text. A pattern that lost an alternative, a spelling or an optional word fails a row here.
import { classifyError } from '../classifyError';
import { CATEGORY_REMEDIATION, REASON_REMEDIATION, coreRules } from '../core';

const http = (status: number, message: string) =>
  Object.assign(new Error(`Response not successful: Received status code ${status}`), {
    name: 'ServerError',
    statusCode: status,
    bodyText: JSON.stringify({ errors: [{ message }] }),
    response: { status, headers: new Headers() },
  });
const ok = (message: string) => ({ data: null, errors: [{ message }] });

describe('the 401 message table: every wording, on a 401 and as a 200 message', () => {
  test.each<[string, string, boolean]>([
    ['Token has expired', 'token-expired', true],
    ['The token is expired', 'token-expired', true],
    ['Expired token', 'token-expired', true],
    ['jwt expired', 'token-expired', true],
    ['Please provide proper credentials', 'missing-credentials', true],
    ['No authorization header', 'missing-credentials', true],
    ['Missing auth header', 'missing-credentials', true],
    ['No bearer token', 'missing-credentials', true],
    ['Missing authorization token', 'missing-credentials', true],
    ['Unable to parse authentication token', 'malformed-token', true],
    ['Malformed JWT', 'malformed-token', true],
    ['Malformed token', 'malformed-token', true],
    ['Value is too short', 'malformed-token', true],
    ['Value is too long', 'malformed-token', true],
    ['Value does not match regex expression', 'malformed-token', true],
    ['Unable to validate authentication token', 'invalid-token', true],
    ['Invalid token', 'invalid-token', true],
    ['Invalid access token', 'invalid-token', true],
    ['Invalid bearer token', 'invalid-token', true],
    ['The token is invalid', 'invalid-token', true],
    ['Invalid signature', 'invalid-token', true],
    ['Unable to find appropriate RSA key', 'unknown-signing-key', false],
    ['Unknown signing key', 'unknown-signing-key', false],
    ['Unknown key id', 'unknown-signing-key', false],
    ['No matching key found', 'unknown-signing-key', false],
    ["Token organization does not match user's organization", 'org-mismatch', false],
    ["Token organisation does not match user's organisation", 'org-mismatch', false],
    ['User a@b.c is deactivated', 'user-deactivated', false],
    ['Deactivated user', 'user-deactivated', false],
    ['Sorry, this organization is blocked from accessing ION', 'org-blocked', false],
    ['This organisation is blocked', 'org-blocked', false],
    ["Login domain 'x.org' is not valid for this organization", 'invalid-login-domain', false],
    ['2FA is required', 'two-factor-required', false],
    ['Two-factor authentication is required', 'two-factor-required', false],
    ['Two factor authentication is required', 'two-factor-required', false],
    ['Two-factor is required', 'two-factor-required', false],
    ['SSO is required', 'sso-required', false],
    ['Single sign-on is required', 'sso-required', false],
  ])('"%s" → %s (refreshable: %s)', (message, reason, refreshable) => {
    for (const input of [http(401, message), ok(message)])
      expect(classifyError(input)).toMatchObject({
        category: 'unauthenticated',
        reason,
        status: 401,
        refreshable,
        retryable: false,
        message,
      });
  });

  test.each([
    'The token expires soon',
    'Your organization is not blocked',
    'Login domain is valid',
    'Key rotation done',
  ])('"%s" is no 401 wording: a 200 with it is unrecognized', (message) => {
    expect(classifyError(ok(message))).toMatchObject({ category: 'unknown', reason: 'unrecognized' });
  });

  test('the texts a person sees for the reasons that differ from "Sign in again."', () => {
    expect(classifyError(ok('Sorry, this organization is blocked from accessing ION')).remediation).toBe(
      'Your organization is blocked; ask an administrator.',
    );
    expect(classifyError(ok('User a@b.c is deactivated')).remediation).toBe(
      'Your account is deactivated; ask an administrator.',
    );
    expect(classifyError(ok('Token is expired')).remediation).toBe('Sign in again.');
    expect(REASON_REMEDIATION['server/circuit-open']).toBe('The service is down; the app retries once it recovers.');
  });
});

describe('the conflict wording, with the core alone', () => {
  test.each([
    'Concurrent modification detected — etag mismatch.',
    'ETag mismatch',
    'Concurrent modification',
    'Precondition failed',
  ])('"%s" as a 200 message and on a 409', (message) => {
    for (const input of [ok(message), http(409, message)])
      expect(classifyError(input)).toMatchObject({
        category: 'conflict',
        reason: 'etag-mismatch',
        status: 409,
        retryable: false,
        remediation: CATEGORY_REMEDIATION.conflict,
      });
  });
  test('the words never move a 403', () => {
    expect(classifyError(http(403, 'Precondition failed'))).toMatchObject({ category: 'forbidden' });
  });
});

describe('the core rules are named (ClassificationRule.id: a stable name an app can filter or reorder by)', () => {
  test('ids, in order', () => {
    expect(coreRules.map((r) => r.id)).toEqual([
      'network',
      'oauth',
      'code',
      'http/2xx',
      'http/400',
      'http',
      'auth/token-expired',
      'auth/missing-credentials',
      'auth/malformed-token',
      'auth/invalid-token',
      'auth/unknown-signing-key',
      'auth/org-mismatch',
      'auth/user-deactivated',
      'auth/org-blocked',
      'auth/invalid-login-domain',
      'auth/two-factor-required',
      'auth/sso-required',
      'conflict/etag-mismatch',
    ]);
  });
});

describe('a body that is not GraphQL is an unparseable response only in a 2xx', () => {
  test.each([200, 204, 299])('HTTP %i with an HTML page → bad-request', (status) => {
    expect(classifyError({ status, body: '<html><title>Sign in</title></html>' })).toMatchObject({
      category: 'bad-request',
      reason: 'unparseable-response',
      details: { body: 'html' },
    });
  });
  test.each([300, 302])('HTTP %i (a redirect to a sign-in page nobody followed) decides nothing', (status) => {
    expect(classifyError({ status, body: '<html><title>Sign in</title></html>' })).toMatchObject({
      category: 'unknown',
      reason: 'unrecognized',
      message: 'HTML error page: Sign in',
      details: { body: 'html' },
    });
  });
});
