import type { Classification } from '../../classify/types';
import { attachClassifications } from '../../classify/annotations';
import { ApolloLink } from '@apollo/client/core/index.js';
import { getClassifications } from '../../classify/getClassifications';
import { execute, flush, scripted } from '../../__testUtils__/harness';
import { AuthRefreshLink } from '../AuthRefreshLink';
import { authFailureInError, authFailureInResult } from '../authFailure';

/** The auth link's default `isAuthError`. */
const byDefault = (c: Classification) => c.category === 'unauthenticated' && c.refreshable;

const serverError = (status: number, body: unknown) =>
  Object.assign(new Error(`status ${status}`), {
    name: 'ServerError',
    statusCode: status,
    bodyText: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('authentication failure detection (the auth link’s only question)', () => {
  test.each<[string, unknown, string | undefined, boolean | undefined]>([
    ['401 Token is expired', serverError(401, { errors: [{ message: 'Token is expired' }] }), 'token-expired', true],
    [
      '401 deactivated user',
      serverError(401, { errors: [{ message: 'User a@b.c is deactivated' }] }),
      'user-deactivated',
      false,
    ],
    [
      '401 REST 2FA envelope',
      serverError(401, { type: 'Error', status: 'error', data: [{ message: '2FA is required' }] }),
      'two-factor-required',
      false,
    ],
    ['401 HTML', serverError(401, '<html>401</html>'), 'invalid-token', true],
    [
      'AC3 401 (parsed result)',
      Object.assign(new Error('x'), {
        statusCode: 401,
        result: { errors: [{ message: 'Unable to find appropriate RSA key' }] },
      }),
      'unknown-signing-key',
      false,
    ],
    ['403', serverError(403, { errors: [{ message: 'User does not have permission' }] }), undefined, undefined],
    ['503', serverError(503, ''), undefined, undefined],
    [
      'an annotation wins',
      attachClassifications(new Error('x'), [
        {
          category: 'unauthenticated',
          reason: 'custom',
          message: 'x',
          retryable: false,
          refreshable: false,
          remediation: 'Ask the admin about it.',
        },
      ]),
      'custom',
      false,
    ],
    ['a network error', new TypeError('fetch failed'), undefined, undefined],
  ])('%s', (_n, error, reason, refreshable) => {
    const c = authFailureInError(error, [], byDefault);
    expect(c?.reason).toBe(reason);
    expect(c?.refreshable).toBe(refreshable);
  });
  test.each<[string, Record<string, unknown>, number | undefined, string | undefined]>([
    [
      'UNAUTHENTICATED code in a 200',
      { errors: [{ message: 'no', extensions: { code: 'UNAUTHENTICATED' } }] },
      undefined,
      'invalid-token',
    ],
    [
      'UNAUTHORIZED code in a 200',
      { errors: [{ message: 'no', extensions: { code: 'UNAUTHORIZED' } }] },
      undefined,
      'invalid-token',
    ],
    ['the ION message in a 200', { errors: [{ message: 'Token is expired' }] }, undefined, 'token-expired'],
    ['a graphql-response+json 401', { errors: [{ message: 'whatever' }] }, 401, 'invalid-token'],
    ['not an auth error', { errors: [{ message: 'Part 4 not found' }] }, undefined, undefined],
    // Only errors[] is read: a result without errors is no auth failure, whatever its status.
    ['no errors, with a 401', { data: { po: null } }, 401, undefined],
    ['an empty errors[], with a 401', { data: null, errors: [] }, 401, undefined],
  ])('result: %s', (_n, result, status, reason) => {
    expect(authFailureInResult(result, status, [], byDefault)?.reason).toBe(reason);
  });
  test('the message is redacted with the secrets given', () => {
    expect(
      authFailureInError(
        serverError(401, { errors: [{ message: 'bad token opaque-secret-123' }] }),
        ['opaque-secret-123'],
        byDefault,
      )!.message,
    ).not.toContain('opaque-secret-123');
  });
});

describe('AuthRefreshLink: broken token sources fail classified, nothing is sent', () => {
  test.each<[string, () => never]>([
    [
      'getToken throws',
      () => {
        throw new Error('storage locked');
      },
    ],
  ])('%s', async (_n, getToken) => {
    const s = scripted((sink) => sink.complete());
    const out = execute(ApolloLink.from([new AuthRefreshLink({ getToken, refresh: async () => 'x' }), s.link]));
    await flush();
    await out.done;
    expect(s.requests).toHaveLength(0);
    expect(getClassifications(out.error)[0]).toMatchObject({
      category: 'unauthenticated',
      reason: 'token-unavailable',
    });
  });
  test('getToken rejects', async () => {
    const s = scripted((sink) => sink.complete());
    const out = execute(
      ApolloLink.from([
        new AuthRefreshLink({
          getToken: async () => {
            throw new Error('idb failed');
          },
          refresh: async () => 'x',
        }),
        s.link,
      ]),
    );
    await flush();
    await out.done;
    expect(s.requests).toHaveLength(0);
    expect(getClassifications(out.error)[0]).toMatchObject({ reason: 'token-unavailable' });
  });
  test('applyToken throws', async () => {
    const s = scripted((sink) => sink.complete());
    const out = execute(
      ApolloLink.from([
        new AuthRefreshLink({
          getToken: () => 'secret-token-value',
          refresh: async () => 'x',
          applyToken: () => {
            throw new Error('bad header secret-token-value');
          },
        }),
        s.link,
      ]),
    );
    await flush();
    await out.done;
    expect(s.requests).toHaveLength(0);
    const [c] = getClassifications(out.error);
    expect(c).toMatchObject({ category: 'unknown', reason: 'link-error' });
    expect(c!.message).not.toContain('secret-token-value');
  });
});

describe('every errors[] entry is read, and only auth codes are auth failures', () => {
  test.each([
    [
      'an auth error second, after a forbidden one',
      { errors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }, { message: 'Token is expired' }] },
      'token-expired',
    ],
    [
      'an auth code third',
      {
        errors: [
          { message: 'a' },
          { message: 'b', extensions: { code: 'NOT_FOUND' } },
          { message: 'c', extensions: { code: 'UNAUTHENTICATED' } },
        ],
      },
      'invalid-token',
    ],
  ])('%s', (_name, result, reason) => {
    expect(authFailureInResult(result, undefined, [], byDefault)).toMatchObject({
      category: 'unauthenticated',
      reason,
    });
  });
  test.each(['FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR', 'ACME_ANYTHING'])(
    'code %s is not an auth failure',
    (code) => {
      expect(
        authFailureInResult({ errors: [{ message: 'x', extensions: { code } }] }, undefined, [], byDefault),
      ).toBeUndefined();
    },
  );
});
