// restEnvelope: IXON APIv2's REST error envelope (seed 004). The envelope's `propertyName` decides
// (Authorization defects, ssoAuthentication.*, content errors); "2FA is required" and "SSO is required"
// refine a 401; the 5xx advice is the document's. Each row is the body the server sends, with its status.
import { classifyError } from '../../classify/classifyError';
import { restEnvelope } from '..';
import { expectClassified, shapesHttp, type Expect } from './shapes';

type Entry = { message: string; propertyName?: string };
const envelope = (...data: Entry[]) => ({ type: 'Error', data, moreAfter: null, status: 'error' });

const TWO_FACTOR: Expect = {
  category: 'unauthenticated',
  reason: 'two-factor-required',
  status: 401,
  refreshable: false,
  retryable: false,
};
const SSO: Expect = { category: 'unauthenticated', reason: 'sso-required', status: 401, refreshable: false };
const MALFORMED: Expect = { category: 'unauthenticated', reason: 'malformed-token', status: 401, refreshable: true };

/** status, entries, expected classification, the document's remediation. */
const ROWS: Array<[string, number, Entry[], Expect, RegExp]> = [
  ['2FA is required', 401, [{ message: '2FA is required' }], TWO_FACTOR, /one-time password \(OTP\)/],
  [
    'two-factor authentication is required',
    401,
    [{ message: 'Two-factor authentication is required for this role' }],
    TWO_FACTOR,
    /one-time password \(OTP\)/,
  ],
  ['two factor is required', 401, [{ message: 'Two factor is required' }], TWO_FACTOR, /one-time password/],
  ['SSO is required', 401, [{ message: 'SSO is required' }], SSO, /identityProviderPublicId/],
  [
    'single sign-on is required',
    401,
    [{ message: 'Single sign-on is required for example.com' }],
    SSO,
    /company's SSO provider/,
  ],
  [
    'ssoAuthentication.code and .state',
    400,
    [
      { message: 'Invalid value', propertyName: 'ssoAuthentication.code' },
      { message: 'Invalid value', propertyName: 'ssoAuthentication.state' },
    ],
    {
      category: 'unauthenticated',
      reason: 'sso-authentication-failed',
      status: 400,
      refreshable: false,
      retryable: false,
      code: 'ssoAuthentication.code',
      details: { field: 'ssoAuthentication.code' },
    },
    /Api-Branding header/,
  ],
  [
    'Value is too short',
    401,
    [{ message: 'Value is too short', propertyName: 'Authorization' }],
    MALFORMED,
    /bearer token is malformed/,
  ],
  [
    'Value is too long',
    401,
    [{ message: 'Value is too long', propertyName: 'Authorization' }],
    MALFORMED,
    /bearer token is malformed/,
  ],
  [
    'Value does not match regex expression',
    401,
    [{ message: 'Value does not match regex expression', propertyName: 'Authorization' }],
    MALFORMED,
    /bearer token is malformed/,
  ],
  [
    'Authorization must start with a type',
    401,
    [{ message: 'Authorization must start with a type and have a credentials', propertyName: 'Authorization' }],
    { category: 'unauthenticated', reason: 'malformed-authorization-header', status: 401, refreshable: true },
    /"Authorization: Bearer <token>"/,
  ],
  [
    'Invalid value - Authorization',
    401,
    [{ message: 'Invalid value', propertyName: 'Authorization' }],
    { category: 'unauthenticated', reason: 'invalid-token', status: 401, refreshable: true, code: 'Authorization' },
    /generate a new, valid bearer token/,
  ],
  [
    'Required header Api-Company',
    400,
    [{ message: 'Required header', propertyName: 'Api-Company' }],
    { category: 'validation', reason: 'required-header', status: 400, details: { field: 'Api-Company' } },
    /^Add the required header Api-Company to the request\.$/,
  ],
  [
    'Invalid value Api-Company',
    400,
    [{ message: 'Invalid value', propertyName: 'Api-Company' }],
    { category: 'validation', reason: 'invalid-value', status: 400, details: { field: 'Api-Company' } },
    /^Correct the value of Api-Company \(the API reference lists valid values\), then send it again\.$/,
  ],
  [
    'a content error that is not an invalid value',
    422,
    [{ message: 'Value must be a valid email address', propertyName: 'email' }],
    { category: 'validation', reason: 'invalid-content', status: 422, details: { field: 'email' } },
    /^Correct the value of email /,
  ],
  [
    '500 during an incident',
    500,
    [{ message: 'Internal server error' }],
    { category: 'server', reason: 'internal-error', status: 500, retryable: true },
    /production incident/,
  ],
];

describe('restEnvelope profile', () => {
  test.each(ROWS)('%s (HTTP %i)', (_name, status, data, expected, remediation) => {
    for (const [, input] of shapesHttp(status, envelope(...data))) {
      const c = expectClassified(input, [restEnvelope], { retryable: false, ...expected });
      expect(c.remediation).toMatch(remediation);
    }
  });

  test('504 Gateway Time-out (an HTML page after 60 s): narrow the request', () => {
    for (const [, input] of shapesHttp(504, '<html><title>504 Gateway Time-out</title></html>')) {
      const c = expectClassified(input, [restEnvelope], { category: 'server', reason: 'gateway-timeout' });
      expect(c.remediation).toBe('The request took more than 60 s; narrow its scope, then try again.');
    }
  });

  test('the envelope without an HTTP status (the parsed body itself) is a content error', () => {
    expectClassified(envelope({ message: 'Required header', propertyName: 'Api-Company' }), [restEnvelope], {
      category: 'validation',
      reason: 'required-header',
      details: { field: 'Api-Company' },
    });
    expectClassified(envelope({ message: 'invalid value', propertyName: 'Api-Application' }), [restEnvelope], {
      category: 'validation',
      reason: 'invalid-value',
      details: { field: 'Api-Application' },
    });
    const c = classifyError(envelope({ message: 'Value is too short', propertyName: 'Authorization' }), {
      profiles: [restEnvelope],
    });
    expect(c).toMatchObject({ category: 'unauthenticated', reason: 'malformed-token', status: 401 });
  });

  test.each([
    ['Required header', 'required-header', /^Add the required header to the request\.$/],
    ['Invalid value', 'invalid-value', /^Correct the request \(the API reference/],
    ['Body is not valid JSON', 'invalid-content', /^Correct the request \(the API reference/],
  ])('a content error without a propertyName ("%s") names no field', (message, reason, remediation) => {
    for (const status of [400, 422]) {
      const c = classifyError({ status, body: JSON.stringify(envelope({ message })) }, { profiles: [restEnvelope] });
      expect(c).toMatchObject({ category: 'validation', reason, status });
      expect(c.details?.field).toBeUndefined();
      expect(c.remediation).toMatch(remediation);
    }
  });

  test.each([
    [401, 'unauthenticated'],
    [403, 'forbidden'],
    [404, 'not-found'],
    [409, 'conflict'],
    [429, 'rate-limited'],
    [500, 'server'],
    [503, 'server'],
  ])('a content error in an HTTP %i decides nothing: the status does', (status, category) => {
    for (const entry of [
      { message: 'Required header', propertyName: 'Api-Company' },
      { message: 'Invalid value', propertyName: 'Api-Company' },
    ]) {
      const c = classifyError({ status, body: JSON.stringify(envelope(entry)) }, { profiles: [restEnvelope] });
      expect(c.category).toBe(category);
    }
  });

  test('"2FA is required" and "SSO is required" only refine: in a 403 they stay forbidden', () => {
    for (const message of ['2FA is required', 'SSO is required']) {
      const c = classifyError(
        { status: 403, body: JSON.stringify(envelope({ message })) },
        { profiles: [restEnvelope] },
      );
      expect(c).toMatchObject({ category: 'forbidden', status: 403 });
      expect(c.reason).not.toMatch(/two-factor|sso/);
    }
  });

  test('a 2FA / SSO word inside another word is not the 2FA / SSO message', () => {
    for (const message of ['X2FA is required', 'PSSO is required', '2FA is requiredness', 'SSO is requiredness']) {
      const c = classifyError(
        { status: 401, body: JSON.stringify(envelope({ message })) },
        { profiles: [restEnvelope] },
      );
      expect(c).toMatchObject({ category: 'unauthenticated', reason: 'invalid-token', refreshable: true });
    }
  });

  test.each([
    ['Proxy-Authorization', 'a proxy credential'],
    ['AuthorizationCode', 'an OAuth code field'],
    ['authorizationCode.state', 'a nested code field'],
  ])('an Invalid value of %s (%s) is not the bearer token', (propertyName) => {
    const c = classifyError(
      { status: 400, body: JSON.stringify(envelope({ message: 'Invalid value', propertyName })) },
      { profiles: [restEnvelope] },
    );
    expect(c).toMatchObject({ category: 'validation', reason: 'invalid-value', details: { field: propertyName } });
  });

  test('an Authorization value of the wrong length in other words is malformed and refreshable too', () => {
    for (const message of ['Bearer token too short', 'Token too long']) {
      const c = classifyError(
        { status: 401, body: JSON.stringify(envelope({ message, propertyName: 'Authorization' })) },
        { profiles: [restEnvelope] },
      );
      expect(c).toMatchObject({ category: 'unauthenticated', reason: 'malformed-token', refreshable: true });
      expect(c.remediation).toMatch(/bearer token is malformed/);
    }
  });

  test('the header name is case-insensitive: "authorization" is the bearer token too', () => {
    const rows: Array<[string, string, RegExp]> = [
      ['Invalid value', 'invalid-token', /generate a new, valid bearer token/],
      ['VALUE IS TOO SHORT', 'malformed-token', /bearer token is malformed/],
      [
        'AUTHORIZATION MUST START WITH A TYPE and have a credentials',
        'malformed-authorization-header',
        /Bearer <token>/,
      ],
    ];
    for (const [message, reason, remediation] of rows) {
      const c = classifyError(
        { status: 401, body: JSON.stringify(envelope({ message, propertyName: 'authorization' })) },
        { profiles: [restEnvelope] },
      );
      expect(c).toMatchObject({ category: 'unauthenticated', reason, refreshable: true });
      expect(c.remediation).toMatch(remediation);
    }
  });

  test('ssoAuthentication.* only: a property that merely mentions it is a content error', () => {
    for (const propertyName of ['user.ssoAuthentication.code', 'ssoAuthenticationCode']) {
      const c = classifyError(
        { status: 400, body: JSON.stringify(envelope({ message: 'Invalid value', propertyName })) },
        { profiles: [restEnvelope] },
      );
      expect(c).toMatchObject({ category: 'validation', reason: 'invalid-value' });
    }
  });
});
