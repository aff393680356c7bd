// The token's life as the app sees it: when a refresh runs and with which reason, what a failed
// refresh tells the app, and what the events say. Through TokenManager and AuthRefreshLink.
import { ApolloLink } from '@apollo/client/core/index.js';
import { ResilienceError } from '../../classify/annotations';
import { getClassifications } from '../../classify/getClassifications';
import type { Classification } from '../../classify/types';
import type { ResilienceEvent } from '../../core/events';
import { deferred, unauthorized, type Sink } from '../../__testUtils__/fixtures';
import { execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { AuthRefreshLink } from '../AuthRefreshLink';
import { TokenManager } from '../TokenManager';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
/** A JWT that expires at `expMs` (whole seconds). */
const jwt = (expMs: number, sub = 'desk') =>
  `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, exp: Math.floor(expMs / 1000) })}.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZw`;
const ok = { data: { po: { id: '1' } } };

/** A server that accepts every token but records it. */
function recordingServer() {
  const sent: Array<string | undefined> = [];
  const s = scripted((sink: Sink, _n, operation) => {
    const header = (operation.getContext().headers as Record<string, string> | undefined)?.Authorization;
    sent.push(header?.replace(/^Bearer /, ''));
    sink.next(ok);
    sink.complete();
  });
  return { ...s, sent };
}

async function run(link: ApolloLink) {
  const out = execute(link);
  await flush();
  await out.done;
  return out;
}

const failureOf = async (promise: Promise<unknown>): Promise<{ error: unknown; classification: Classification }> => {
  const error = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  return { error, classification: getClassifications(error)[0]! };
};

useFakeTimersAndCheckTeardown();

beforeEach(() => jest.setSystemTime(new Date('2026-11-25T12:00:00Z')));

describe('refresh before expiry, for a token that was fresh when first sent', () => {
  // The token expires 60 s from now; the default refreshBeforeExpiryMs is 30 s.
  test.each<[string, number, boolean]>([
    ['1 ms before the refresh point: sent as is', 30_000 - 1, false],
    ['at the refresh point (30 s before exp): refreshed first', 30_000, true],
    ['after expiry: refreshed first', 61_000, true],
  ])('%s', async (_name, laterMs, refreshed) => {
    const old = jwt(Date.now() + 60_000);
    const fresh = jwt(Date.now() + 3_600_000, 'fresh');
    const refresh = jest.fn(async () => fresh);
    const s = recordingServer();
    const link = ApolloLink.from([new AuthRefreshLink({ getToken: () => old, refresh }), s.link]);
    await run(link);
    jest.setSystemTime(Date.now() + laterMs);
    await run(link);
    expect(s.sent).toEqual([old, refreshed ? fresh : old]);
    expect(refresh.mock.calls).toEqual(refreshed ? [[{ failedToken: old, reason: 'expiring' }]] : []);
  });

  test.each<[string, number, number, boolean]>([
    // [name, refreshBeforeExpiryMs, token lifetime, refreshed before the first send]
    ['a token outside a 5 s window is sent as is', 5_000, 10_000, false],
    ['a token exactly at the window is refreshed', 5_000, 5_000, true],
    ['a window of 0 refreshes only an expired token', 0, 1_000, false],
  ])('refreshBeforeExpiryMs: %s', async (_name, refreshBeforeExpiryMs, lifetimeMs, refreshed) => {
    const old = jwt(Date.now() + lifetimeMs);
    const fresh = jwt(Date.now() + 3_600_000, 'fresh');
    const refresh = jest.fn(async () => fresh);
    const s = recordingServer();
    await run(ApolloLink.from([new AuthRefreshLink({ getToken: () => old, refresh, refreshBeforeExpiryMs }), s.link]));
    expect(s.sent).toEqual([refreshed ? fresh : old]);
  });

  test('TokenManager.getToken() refreshes an expiring token too (reason expiring)', async () => {
    const old = jwt(Date.now() + 10_000);
    const refresh = jest.fn(async () => 'opaque-fresh-token-1');
    const manager = new TokenManager({ getToken: () => old, refresh });
    await expect(manager.getToken()).resolves.toBe('opaque-fresh-token-1');
    expect(refresh).toHaveBeenCalledWith({ failedToken: old, reason: 'expiring' });
  });
});

describe('a refresh before expiry that fails', () => {
  test('every operation is sent with the still-valid token: the one that started it and those that waited for it', async () => {
    const valid = jwt(Date.now() + 10_000);
    const d = deferred<string>();
    const refresh = jest.fn(() => d.promise);
    const failures: Classification[] = [];
    const s = recordingServer();
    const chain = ApolloLink.from([
      new AuthRefreshLink({ getToken: () => valid, refresh, onAuthFailure: (c) => failures.push(c) }),
      s.link,
    ]);
    const a = execute(chain, { variables: { id: 1 } });
    await flush();
    const b = execute(chain, { variables: { id: 2 } });
    await flush();
    d.reject(new Error('identity provider down'));
    await flush();
    await Promise.all([a.done, b.done]);
    expect([a.error, b.error]).toEqual([undefined, undefined]);
    expect(s.sent).toEqual([valid, valid]);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(failures).toEqual([]);
  });

  test('an operation that waited for it, once the token expired meanwhile, fails with the refresh failure (no second refresh)', async () => {
    const valid = jwt(Date.now() + 10_000);
    const d = deferred<string>();
    const refresh = jest.fn(() => d.promise);
    const s = recordingServer();
    const chain = ApolloLink.from([new AuthRefreshLink({ getToken: () => valid, refresh }), s.link]);
    const a = execute(chain, { variables: { id: 1 } });
    await flush();
    const b = execute(chain, { variables: { id: 2 } });
    await flush();
    jest.setSystemTime(Date.now() + 11_000);
    d.reject(new Error('identity provider down'));
    await flush();
    await Promise.all([a.done, b.done]);
    expect(getClassifications(b.error)[0]).toMatchObject({ category: 'unauthenticated', reason: 'refresh-failed' });
    expect(refresh).toHaveBeenCalledTimes(1);
  });
});

describe('an expired token whose refresh fails', () => {
  test('the operation fails with the refresh failure, unsent, and onAuthFailure hears it once', async () => {
    const expired = jwt(Date.now() - 1_000);
    const failures: Classification[] = [];
    const s = recordingServer();
    const out = await run(
      ApolloLink.from([
        new AuthRefreshLink({
          getToken: () => expired,
          refresh: async () => {
            throw new Error('idp down');
          },
          onAuthFailure: (c) => failures.push(c),
        }),
        s.link,
      ]),
    );
    expect(s.sent).toEqual([]);
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'unauthenticated', reason: 'refresh-failed' });
    expect(failures.map((c) => c.reason)).toEqual(['refresh-failed']);
  });
});

describe('what a failed refresh tells the app', () => {
  const failing = (reason: unknown, options: Partial<TokenManager.Options> = {}) =>
    new TokenManager({
      getToken: () => null,
      refresh: () => Promise.reject(reason),
      ...options,
    });

  test('a token source’s own unauthenticated classification is kept (invalid_client), never refreshable', async () => {
    const cause = new ResilienceError({
      category: 'unauthenticated',
      reason: 'invalid-client',
      message: 'The client is not known',
      retryable: true,
      refreshable: true,
      remediation: 'Check the client id.',
    });
    const { classification } = await failureOf(failing(cause).getToken());
    expect(classification).toMatchObject({
      category: 'unauthenticated',
      reason: 'invalid-client',
      message: 'The client is not known',
      retryable: false,
      refreshable: false,
    });
  });

  test('a token source whose getToken fails with an auth verdict (clientCredentials: invalid_client) is an auth failure, reported once for every operation that shared it', async () => {
    const verdict = new ResilienceError({
      category: 'unauthenticated',
      reason: 'invalid-client',
      message: 'The client is not known',
      retryable: false,
      refreshable: false,
      remediation: 'Check the client id.',
    });
    const failures: Classification[] = [];
    const link = new AuthRefreshLink({
      getToken: () => Promise.reject(verdict),
      refresh: () => Promise.reject(verdict),
      onAuthFailure: (c) => failures.push(c),
    });
    const s = recordingServer();
    const chain = ApolloLink.from([link, s.link]);
    const outs = [execute(chain), execute(chain)];
    await flush();
    await Promise.all(outs.map((o) => o.done));
    expect(outs.map((o) => getClassifications(o.error)[0]?.reason)).toEqual(['invalid-client', 'invalid-client']);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ reason: 'invalid-client' });
    expect(s.sent).toEqual([]);
  });

  test('a getToken slower than refreshTimeoutMs is no auth failure (onAuthFailure would sign the user out)', async () => {
    const failures: Classification[] = [];
    const manager = new TokenManager({
      getToken: () => new Promise<string>(() => undefined),
      refresh: async () => 'x',
      onAuthFailure: (c) => failures.push(c),
    });
    const waiting = manager.getToken().catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(30_000);
    expect(getClassifications(await waiting)[0]).toMatchObject({ reason: 'token-timeout' });
    expect(failures).toEqual([]);
  });

  test('another classified cause: refresh-failed, with its message and category in the details', async () => {
    const cause = new ResilienceError({
      category: 'network',
      reason: 'connection-refused',
      message: 'connect ECONNREFUSED',
      retryable: true,
      refreshable: false,
      remediation: 'Check the network.',
    });
    const { classification } = await failureOf(failing(cause).getToken());
    expect(classification).toMatchObject({
      category: 'unauthenticated',
      reason: 'refresh-failed',
      message: 'Token refresh failed: connect ECONNREFUSED',
      retryable: false,
      refreshable: false,
      details: { causeCategory: 'network', causeReason: 'connection-refused' },
    });
  });

  test.each<[string, unknown, string]>([
    ['an Error', new Error('session gone'), 'Token refresh failed: session gone'],
    ['a string', 'no session', 'Token refresh failed: no session'],
    ['an Error without a message', new Error(''), 'Token refresh failed: unknown error'],
  ])('a plain cause (%s): its message, no details', async (_name, cause, message) => {
    const { classification } = await failureOf(failing(cause).getToken());
    expect(classification).toMatchObject({ category: 'unauthenticated', reason: 'refresh-failed', message });
    expect(classification.details).toBeUndefined();
  });

  test('the rejected token is redacted from the message', async () => {
    const manager = new TokenManager({
      getToken: () => null,
      refresh: async ({ failedToken }) => {
        throw new Error(`token ${failedToken} revoked`);
      },
    });
    const { classification } = await failureOf(manager.refresh('rejected', 'opaque-rejected-token-1'));
    expect(classification.message).not.toContain('opaque-rejected-token-1');
    expect(classification.message).toMatch(/^Token refresh failed: token .+ revoked$/);
  });

  test.each<[string, unknown]>([
    ['an empty string', ''],
    ['undefined', undefined],
    ['a number', 42],
  ])('refresh() resolving to %s is a failed refresh', async (_name, value) => {
    const manager = new TokenManager({ getToken: () => null, refresh: async () => value as string });
    const { classification } = await failureOf(manager.getToken());
    expect(classification).toMatchObject({
      reason: 'refresh-failed',
      message: 'Token refresh failed: AuthRefreshLink: refresh() resolved without a token',
    });
  });

  test('a refresh slower than refreshTimeoutMs fails with refresh-timeout, not a moment before', async () => {
    const gate = deferred<string>();
    const manager = new TokenManager({ getToken: () => null, refresh: () => gate.promise, refreshTimeoutMs: 2_000 });
    let settled: unknown;
    const pending = manager.getToken().then(
      (t) => (settled = t),
      (e: unknown) => (settled = e),
    );
    await jest.advanceTimersByTimeAsync(1_999);
    expect(settled).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    await pending;
    expect(getClassifications(settled)[0]).toMatchObject({
      category: 'unauthenticated',
      reason: 'refresh-timeout',
      message: 'Token refresh took longer than 2000 ms',
    });
    gate.resolve('too-late-token-01');
  });

  test('an asynchronous getToken slower than refreshTimeoutMs fails with token-timeout', async () => {
    const gate = deferred<string>();
    const manager = new TokenManager({
      getToken: () => gate.promise,
      refresh: async () => 'never-used-token-1',
      refreshTimeoutMs: 1_000,
    });
    const outcome = failureOf(manager.getToken());
    await jest.advanceTimersByTimeAsync(1_000);
    expect((await outcome).classification).toMatchObject({
      reason: 'token-timeout',
      message: 'getToken took longer than 1000 ms',
    });
    gate.resolve('too-late-token-01');
  });

  test('the default timeout is 30 s', async () => {
    const gate = deferred<string>();
    const manager = new TokenManager({ getToken: () => null, refresh: () => gate.promise });
    let settled = false;
    const outcome = failureOf(manager.getToken().finally(() => (settled = true)));
    await jest.advanceTimersByTimeAsync(29_999);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect((await outcome).classification).toMatchObject({ reason: 'refresh-timeout' });
    gate.resolve('too-late-token-01');
  });
});

describe('refresh(): its defaults and its events', () => {
  test('without arguments: reason rejected, for the token the link last sent', async () => {
    const refresh = jest.fn(async () => 'second-token-0002');
    const s = recordingServer();
    const link = new AuthRefreshLink({ getToken: () => 'first-token-00001', refresh });
    await run(ApolloLink.from([link, s.link]));
    await expect(link.tokenManager.refresh()).resolves.toBe('second-token-0002');
    expect(refresh).toHaveBeenCalledWith({ failedToken: 'first-token-00001', reason: 'rejected' });
    // The app still answers the replaced token: the next operation carries the new one.
    await run(ApolloLink.from([link, s.link]));
    expect(s.sent).toEqual(['first-token-00001', 'second-token-0002']);
  });

  test('the events of a refresh: start (reason, waiting), success (duration, source); failure (classification)', async () => {
    const events: ResilienceEvent[] = [];
    let answer: () => Promise<string> = () => new Promise((r) => setTimeout(() => r('new-token-000001'), 1_500));
    const tokens = new TokenManager({
      getToken: () => null,
      refresh: () => answer(),
      refreshWhenMissing: true,
      onEvent: (e) => events.push(e),
    });
    const waiting = [tokens.getToken(), tokens.getToken()];
    await jest.advanceTimersByTimeAsync(1_500);
    await Promise.all(waiting);
    expect(events.map(({ at: _at, ...e }) => e)).toEqual([
      { type: 'refresh-start', operationName: undefined, reason: 'missing', waiting: 0 },
      {
        type: 'refresh-success',
        operationName: undefined,
        reason: 'missing',
        durationMs: 1_500,
        waiting: 2,
        source: 'this-tab',
      },
    ]);
    expect(events[0]!.at).toBe(Date.now() - 1_500);
    events.length = 0;
    answer = () => Promise.reject(new Error('idp down'));
    await failureOf(tokens.refresh('rejected', 'new-token-000001'));
    expect(events.map((e) => e.type)).toEqual(['refresh-start', 'refresh-failure']);
    expect(events[1]).toMatchObject({
      reason: 'rejected',
      durationMs: 0,
      classification: { category: 'unauthenticated', reason: 'refresh-failed' },
    });
  });
});

describe('onToken and the token a refresh returned', () => {
  test('every listener hears each new token; one that throws does not keep it from the others', async () => {
    const tokens = new TokenManager({ getToken: () => null, refresh: async () => 'heard-token-00001' });
    const heard: string[] = [];
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    tokens.onToken(() => {
      throw new Error('listener broke');
    });
    const stop = tokens.onToken((t) => heard.push(`b:${t}`));
    await tokens.refresh('rejected');
    stop();
    await tokens.refresh('rejected');
    expect(heard).toEqual(['b:heard-token-00001']);
    error.mockRestore();
  });

  test('an empty string from getToken is no token (a missing refresh runs)', async () => {
    const refresh = jest.fn(async () => 'fresh-token-00001');
    const tokens = new TokenManager({ getToken: () => '', refresh });
    await expect(tokens.getToken()).resolves.toBe('fresh-token-00001');
    expect(refresh).toHaveBeenCalledWith({ failedToken: undefined, reason: 'missing' });
  });

  test('the refreshed token replaces the one it replaced, however many refreshes ago', async () => {
    let n = 0;
    const tokens = new TokenManager({
      getToken: () => 'app-token-000000',
      refresh: async () => `refreshed-${++n}-0000`,
    });
    await tokens.refresh('rejected', 'app-token-000000');
    await tokens.refresh('rejected', 'refreshed-1-0000');
    // The app still answers its first token: both it and the first refreshed token are stale.
    await expect(tokens.getToken()).resolves.toBe('refreshed-2-0000');
  });

  test('the constructor names what is missing', () => {
    expect(() => new TokenManager({ getToken: () => null } as never)).toThrow(
      new TypeError('AuthRefreshLink / TokenManager: `getToken` and `refresh` functions are required'),
    );
    expect(() => new TokenManager(undefined as never)).toThrow(TypeError);
    expect(() => new TokenManager({ refresh: async () => 'x' } as never)).toThrow(TypeError);
  });
});

describe('a 401 for a token another operation refreshed meanwhile', () => {
  test('the rejected operation is replayed with the token getToken has now, without a refresh', async () => {
    let stored = 'first-token-00001';
    const refresh = jest.fn(async () => 'never-needed-0001');
    const s = scripted((sink: Sink, n, operation) => {
      const header = (operation.getContext().headers as Record<string, string>).Authorization;
      if (n === 1) {
        stored = 'second-token-0002'; // another tab stored a new token while this request ran
        sink.error(unauthorized());
      } else {
        expect(header).toBe('Bearer second-token-0002');
        sink.next(ok);
        sink.complete();
      }
    });
    const out = await run(ApolloLink.from([new AuthRefreshLink({ getToken: () => stored, refresh }), s.link]));
    expect(out.next).toEqual([ok]);
    expect(refresh).not.toHaveBeenCalled();
    expect(s.requests).toHaveLength(2);
  });
});

describe('what the app is told, word for word', () => {
  test('getToken never answering: token-timeout, not retryable, not refreshable, with its remediation', async () => {
    const gate = deferred<string>();
    const manager = new TokenManager({ getToken: () => gate.promise, refresh: async () => 'x', refreshTimeoutMs: 500 });
    const outcome = failureOf(manager.getToken());
    await jest.advanceTimersByTimeAsync(500);
    expect((await outcome).classification).toEqual({
      category: 'unauthenticated',
      reason: 'token-timeout',
      message: 'getToken took longer than 500 ms',
      retryable: false,
      refreshable: false,
      remediation: 'The token source did not answer; sign in again or check the identity provider.',
    });
    gate.resolve('too-late-token-01');
  });

  test('a failed refresh: its remediation', async () => {
    const manager = new TokenManager({ getToken: () => null, refresh: () => Promise.reject(new Error('no')) });
    expect((await failureOf(manager.getToken())).classification.remediation).toBe(
      'The session could not be renewed; sign in again (and check the token endpoint if it keeps failing).',
    );
  });

  test('getToken throwing, through the link: token-unavailable with its remediation', async () => {
    const s = recordingServer();
    const out = await run(
      ApolloLink.from([
        new AuthRefreshLink({
          getToken: () => {
            throw new Error('storage locked');
          },
          refresh: async () => 'x',
        }),
        s.link,
      ]),
    );
    expect(getClassifications(out.error)[0]!.remediation).toBe(
      "Sign in again; if it persists, check the app's token storage (getToken threw).",
    );
  });

  test('disposed during a refresh: the waiters fail with an error that names the TokenManager', async () => {
    const gate = deferred<string>();
    const manager = new TokenManager({ getToken: () => null, refresh: () => gate.promise });
    const outcome = failureOf(manager.getToken());
    await flush();
    manager.dispose();
    const { error, classification } = await outcome;
    expect(classification).toMatchObject({ reason: 'link-disposed' });
    expect((error as Error).message).toBe('TokenManager was disposed; operations can no longer run through it.');
    gate.resolve('too-late-token-01');
  });
});

describe('early refreshes that nobody depends on', () => {
  test('two operations waiting for one failing early refresh: both send the still-valid token, nothing is reported', async () => {
    const token = jwt(Date.now() + 10_000);
    const gate = deferred<string>();
    const failures: Classification[] = [];
    const s = recordingServer();
    const link = ApolloLink.from([
      new AuthRefreshLink({
        getToken: () => token,
        refresh: () => gate.promise,
        onAuthFailure: (c) => failures.push(c),
      }),
      s.link,
    ]);
    const outs = [execute(link), execute(link)];
    await flush();
    gate.reject(new Error('idp down'));
    await flush();
    await Promise.all(outs.map((o) => o.done));
    expect(s.sent).toEqual([token, token]);
    expect(failures).toEqual([]);
  });

  test("a refresh's events count only the waiters of that refresh", async () => {
    const events: ResilienceEvent[] = [];
    const tokens = new TokenManager({
      getToken: () => null,
      refresh: async () => 'new-token-000001',
      onEvent: (e) => events.push(e),
    });
    await Promise.all([tokens.getToken(), tokens.getToken()]);
    events.length = 0;
    tokens.clear();
    await tokens.getToken();
    expect(events.map((e) => [e.type, e.waiting])).toEqual([
      ['refresh-start', 0],
      ['refresh-success', 1],
    ]);
  });
});
