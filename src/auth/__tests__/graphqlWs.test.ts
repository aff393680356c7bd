import type { Classification } from '../../classify/types';
import type { ResilienceEvent } from '../../core/events';
import { deferred } from '../../__testUtils__/fixtures';
import { flush, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { wsAuth } from '../graphqlWs';
import { TokenManager } from '../TokenManager';

useFakeTimersAndCheckTeardown();

const T1 = 'token-one-secret-0001';
const T2 = 'token-two-secret-0002';
const T3 = 'token-three-secret-0003';

/** A close event as graphql-ws hands it to `on.closed` and then to `shouldRetry`. */
const closeEvent = (code: number, reason = 'Unauthorized') => ({ code, reason, wasClean: true });

function setup(tokens: string[] = [T2, T3], options: Parameters<typeof wsAuth>[1] = {}) {
  let stored: string | undefined = T1;
  const refresh = jest.fn(async () => {
    stored = tokens.shift() ?? 'token-none-left-9999';
    return stored;
  });
  const events: ResilienceEvent[] = [];
  const failures: Classification[] = [];
  const managerFailures: Classification[] = [];
  const manager = new TokenManager({
    getToken: () => stored,
    refresh,
    onEvent: (e) => events.push(e),
    onAuthFailure: (c) => managerFailures.push(c),
  });
  const auth = wsAuth(manager, { onAuthFailure: (c) => failures.push(c), ...options });
  const setStored = (t: string | undefined) => (stored = t);
  return { auth, manager, refresh, events, failures, managerFailures, setStored };
}

/** graphql-ws' order on an auth close: `on.closed`, then `shouldRetry`, then `retryWait`, then `connectionParams`. */
async function authClose(auth: ReturnType<typeof wsAuth>, code = 4401) {
  const event = closeEvent(code);
  auth.on.closed(event);
  const retry = auth.shouldRetry(event);
  if (retry) {
    const waited = auth.retryWait(0);
    await flush();
    await waited;
  }
  return { event, retry };
}

describe('wsAuth', () => {
  test('connectionParams carries the manager token as a bearer authorization', async () => {
    const { auth, refresh } = setup();
    await expect(auth.connectionParams()).resolves.toEqual({ authorization: `Bearer ${T1}` });
    expect(refresh).not.toHaveBeenCalled();
    expect(auth.retryAttempts).toBe(5);
  });

  test('close 4401: one refresh, graphql-ws may retry (the event reads 4403), and the reconnect sends the new token', async () => {
    const { auth, refresh, failures } = setup();
    await auth.connectionParams();
    auth.on.connected({}, undefined, false);
    const { event, retry } = await authClose(auth, 4401);
    expect(retry).toBe(true);
    expect(auth.shouldRetry(event)).toBe(true); // each subscription on the socket asks: one verdict
    expect(event.code).toBe(4403); // graphql-ws never retries 4401
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(refresh).toHaveBeenCalledWith({ failedToken: T1, reason: 'rejected' });
    await expect(auth.connectionParams()).resolves.toEqual({ authorization: `Bearer ${T2}` });
    expect(failures).toEqual([]);
  });

  test('the refreshed token rejected too: no second refresh, onAuthFailure once, no retry; tokens never reported', async () => {
    const { auth, refresh, failures, managerFailures, events } = setup();
    await auth.connectionParams();
    await authClose(auth, 4401);
    await auth.connectionParams(); // T2
    const second = await authClose(auth, 4401);
    expect(second.retry).toBe(false);
    expect(second.event.code).toBe(4401); // stays fatal for graphql-ws: the subscription fails with it
    const third = await authClose(auth, 4403);
    expect(third.retry).toBe(false);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ category: 'unauthenticated', reason: 'invalid-token', refreshable: false });
    expect(managerFailures).toHaveLength(1);
    expect(events.filter((e) => e.type === 'auth-failure')).toHaveLength(1);
    const reported = JSON.stringify([failures, managerFailures, events]);
    for (const token of [T1, T2, T3]) expect(reported).not.toContain(token);
  });

  test('a socket accepted with the new token for a minute starts over: a later expiry refreshes again', async () => {
    const { auth, refresh, failures } = setup();
    await auth.connectionParams();
    await authClose(auth, 4403);
    await auth.connectionParams();
    auth.on.opened({});
    auth.on.connected({}, {}, true);
    await jest.advanceTimersByTimeAsync(60_000);
    const later = await authClose(auth, 4401);
    expect(later.retry).toBe(true);
    expect(refresh).toHaveBeenCalledTimes(2);
    await expect(auth.connectionParams()).resolves.toEqual({ authorization: `Bearer ${T3}` });
    expect(failures).toEqual([]);
  });

  test('a server that acknowledges and then closes 4401 (lazy auth): one refresh, then onAuthFailure, no loop', async () => {
    const { auth, refresh, failures } = setup([
      'token-two-secret-0002',
      'token-three-secret-0003',
      'token-four-secret-0004',
    ]);
    let cycles = 0;
    for (; cycles < 20; cycles++) {
      await auth.connectionParams();
      auth.on.opened({});
      auth.on.connected({}, {}, cycles > 0); // graphql-ws resets its retry count on every ack
      const { retry } = await authClose(auth, 4401);
      if (!retry) break;
    }
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(cycles).toBe(1);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ reason: 'invalid-token' });
  });

  test('a socket over which a result came proved its token: its rejection refreshes again, at once', async () => {
    const { auth, refresh, failures } = setup();
    await auth.connectionParams();
    await authClose(auth, 4401);
    await auth.connectionParams();
    auth.on.opened({});
    auth.on.connected({}, {}, true);
    auth.on.message({ type: 'next', id: '1', payload: { data: { po: null } } });
    const later = await authClose(auth, 4401);
    expect(later.retry).toBe(true);
    expect(refresh).toHaveBeenCalledTimes(2);
    expect(failures).toEqual([]);
  });

  test('what an earlier socket proved does not carry over: the refreshed token rejected before its ack is a failure', async () => {
    const { auth, refresh, failures } = setup();
    await auth.connectionParams();
    auth.on.opened({});
    auth.on.connected({}, {}, false);
    auth.on.message({ type: 'next', id: '1', payload: { data: { po: null } } });
    await authClose(auth, 4401); // T1 expired after it worked: refreshed
    await auth.connectionParams();
    auth.on.opened({}); // T2's socket, closed before any ack
    const second = await authClose(auth, 4401);
    expect(second.retry).toBe(false);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(failures).toHaveLength(1);
  });

  test('a token that proved itself stays proven across an ordinary reconnect: its later rejection refreshes again', async () => {
    const { auth, refresh, failures } = setup();
    await auth.connectionParams();
    auth.on.opened({});
    await authClose(auth, 4401); // T1 rejected: T2
    await auth.connectionParams();
    auth.on.opened({});
    auth.on.connected({}, {}, true);
    auth.on.message({ type: 'next', id: '1', payload: { data: { po: null } } }); // T2 works
    await jest.advanceTimersByTimeAsync(3_600_000);
    auth.on.closed({ code: 1006, reason: '', wasClean: false }); // the network dropped
    await auth.connectionParams(); // reconnect with T2, which expired meanwhile
    auth.on.opened({});
    const later = await authClose(auth, 4401);
    expect(failures).toEqual([]);
    expect(later.retry).toBe(true);
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  test('the HTTP side refreshed first: the socket takes that token, no second refresh', async () => {
    const { auth, manager, refresh } = setup();
    await auth.connectionParams();
    await manager.refresh('rejected', T1); // the HTTP link's refresh
    expect(refresh).toHaveBeenCalledTimes(1);
    const { retry } = await authClose(auth, 4401);
    expect(retry).toBe(true);
    expect(refresh).toHaveBeenCalledTimes(1);
    await expect(auth.connectionParams()).resolves.toEqual({ authorization: `Bearer ${T2}` });
  });

  test('HTTP and socket rejected at once share one refresh', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const refresh = jest.fn(async () => {
      await gate;
      return T2;
    });
    const manager = new TokenManager({ getToken: () => T1, refresh });
    const auth = wsAuth(manager);
    await auth.connectionParams();
    const http = manager.refresh('rejected', T1);
    const event = closeEvent(4401);
    auth.on.closed(event);
    expect(auth.shouldRetry(event)).toBe(true);
    const waited = auth.retryWait(0);
    await flush();
    release();
    await expect(http).resolves.toBe(T2);
    await waited;
    await expect(auth.connectionParams()).resolves.toEqual({ authorization: `Bearer ${T2}` });
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  test('an UNAUTHENTICATED error in the connection_ack payload closes the socket and counts as a rejection', async () => {
    const { auth, refresh } = setup();
    await auth.connectionParams();
    const socket = { close: jest.fn() };
    auth.on.opened(socket);
    auth.on.connected(socket, { errors: [{ message: 'no', extensions: { code: 'UNAUTHENTICATED' } }] }, false);
    expect(socket.close).toHaveBeenCalledWith(4401, 'Unauthenticated');
    const event = closeEvent(1005, '');
    auth.on.closed(event);
    expect(auth.shouldRetry(event)).toBe(true);
    await flush();
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  test('a connection_error message: graphql-ws reports an error, which is retried once after a refresh', async () => {
    const { auth, refresh } = setup();
    await auth.connectionParams();
    auth.on.opened({});
    auth.on.message({ type: 'connection_error', payload: { message: 'Unauthenticated' } });
    const error = new Error('First message cannot be of type connection_error');
    expect(auth.shouldRetry(error)).toBe(true);
    expect(auth.shouldRetry(error)).toBe(true); // each subscription on the socket asks
    auth.on.closed(closeEvent(4004, 'First message cannot be of type connection_error'));
    await flush();
    expect(refresh).toHaveBeenCalledTimes(1);
    // On the next socket, any other error goes to graphql-ws' default (not retried).
    auth.on.opened({});
    expect(auth.shouldRetry(new Error('other'))).toBe(false);
  });

  test('a failed refresh: onAuthFailure once (redacted), connectionParams rejects, no retry', async () => {
    const manager = new TokenManager({
      getToken: () => T1,
      refresh: () => Promise.reject(new Error(`token endpoint said no to ${T1}`)),
    });
    const failures: Classification[] = [];
    const auth = wsAuth(manager, { onAuthFailure: (c) => failures.push(c) });
    await auth.connectionParams();
    const event = closeEvent(4401);
    auth.on.closed(event);
    expect(auth.shouldRetry(event)).toBe(true);
    await flush();
    await expect(auth.connectionParams()).rejects.toThrow();
    expect(auth.shouldRetry(new Error('Internal client error'))).toBe(false);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ reason: 'refresh-failed' });
    expect(JSON.stringify(failures)).not.toContain(T1);
  });

  test('other closes go to the user shouldRetry / retryWait; user listeners run after the helper', async () => {
    const closed = jest.fn();
    const retryWait = jest.fn(() => Promise.resolve());
    const { auth, refresh } = setup(undefined, {
      shouldRetry: (e) => (e as { code: number }).code === 1006,
      retryWait,
      on: { closed },
      connectionParams: (token) => ({ token }),
    });
    await expect(auth.connectionParams()).resolves.toEqual({ token: T1 });
    const event = closeEvent(1006, 'abnormal');
    auth.on.closed(event);
    expect(auth.shouldRetry(event)).toBe(true);
    expect(auth.shouldRetry(closeEvent(1001, 'away'))).toBe(false);
    await auth.retryWait(2);
    expect(retryWait).toHaveBeenCalledWith(2);
    expect(closed).toHaveBeenCalledWith(event);
    expect(refresh).not.toHaveBeenCalled();
  });

  test('the default retryWait backs off like graphql-ws (2^retries s plus 0.3-3 s)', async () => {
    const { auth } = setup();
    let done = false;
    const waited = auth.retryWait(1).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(2_299);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(2_701);
    await waited;
    expect(done).toBe(true);
  });
});

describe('wsAuth: auth after it failed, and the socket life around it', () => {
  test('the user signs in again after auth failed: the new token is sent and a rejection of it refreshes again', async () => {
    const { auth, refresh, failures, setStored } = setup([T2, 'token-four-secret-0004']);
    await auth.connectionParams();
    await authClose(auth, 4401); // refresh: T2
    await auth.connectionParams();
    expect((await authClose(auth, 4401)).retry).toBe(false); // T2 rejected too: auth failed
    expect(failures).toHaveLength(1);
    // Still the failed token: auth stays failed.
    await expect(auth.connectionParams()).resolves.toEqual({ authorization: `Bearer ${T2}` });
    expect((await authClose(auth, 4401)).retry).toBe(false);
    setStored(T3); // signed in again
    await expect(auth.connectionParams()).resolves.toEqual({ authorization: `Bearer ${T3}` });
    expect((await authClose(auth, 4401)).retry).toBe(true);
    expect(refresh).toHaveBeenCalledTimes(2);
    await expect(auth.connectionParams()).resolves.toEqual({ authorization: 'Bearer token-four-secret-0004' });
    expect(failures).toHaveLength(1);
  });

  test('the app has no token any more when its socket is rejected: a refresh, not a reconnect without one', async () => {
    let stored: string | undefined = T1;
    const refresh = jest.fn(async () => T2);
    const manager = new TokenManager({ getToken: () => stored, refresh, refreshWhenMissing: false });
    const auth = wsAuth(manager);
    await auth.connectionParams();
    stored = undefined;
    await expect(manager.getToken()).resolves.toBeUndefined();
    const { retry } = await authClose(auth, 4401);
    expect(retry).toBe(true);
    expect(refresh).toHaveBeenCalledWith({ failedToken: T1, reason: 'rejected' });
    await expect(auth.connectionParams()).resolves.toEqual({ authorization: `Bearer ${T2}` });
  });

  test('no token (refreshWhenMissing off): connection_init carries no authorization', async () => {
    const manager = new TokenManager({ getToken: () => null, refresh: async () => T2, refreshWhenMissing: false });
    await expect(wsAuth(manager).connectionParams()).resolves.toEqual({});
  });

  test('after an auth reconnect, the next ordinary close waits with the user retryWait again', async () => {
    const retryWait = jest.fn(() => Promise.resolve());
    const { auth } = setup(undefined, { retryWait });
    await auth.connectionParams();
    await authClose(auth, 4401);
    expect(retryWait).not.toHaveBeenCalled(); // the auth reconnect waits only for the refresh
    await auth.connectionParams();
    auth.on.opened({});
    auth.on.connected({}, undefined, true);
    const event = closeEvent(1006, 'abnormal');
    auth.on.closed(event);
    expect(auth.shouldRetry(event)).toBe(true);
    await auth.retryWait(1);
    expect(retryWait).toHaveBeenCalledWith(1);
  });

  test('a socket that opened and then closed abnormally is no auth rejection', async () => {
    const shouldRetry = jest.fn(() => false);
    const { auth, refresh } = setup(undefined, { shouldRetry });
    await auth.connectionParams();
    auth.on.opened({});
    auth.on.connected({}, undefined, false);
    const event = closeEvent(1006, 'abnormal');
    auth.on.closed(event);
    expect(auth.shouldRetry(event)).toBe(false);
    expect(shouldRetry).toHaveBeenCalledWith(event);
    await flush();
    expect(refresh).not.toHaveBeenCalled();
  });

  test('after a connection_error, the close of that socket is the user shouldRetry’s to decide', async () => {
    const shouldRetry = jest.fn(() => false);
    const { auth } = setup(undefined, { shouldRetry });
    await auth.connectionParams();
    auth.on.opened({});
    auth.on.message({ type: 'connection_error', payload: { message: 'Unauthenticated' } });
    expect(auth.shouldRetry(new Error('First message cannot be of type connection_error'))).toBe(true);
    const close = closeEvent(4004, 'First message cannot be of type connection_error');
    auth.on.closed(close);
    expect(auth.shouldRetry(close)).toBe(false);
    expect(shouldRetry).toHaveBeenCalledWith(close);
    await flush();
  });

  test('a user shouldRetry that throws means no retry', async () => {
    const { auth } = setup(undefined, {
      shouldRetry: () => {
        throw new Error('bug');
      },
    });
    expect(auth.shouldRetry(closeEvent(1006, 'abnormal'))).toBe(false);
  });

  test('retryAttempts is passed through', () => {
    expect(setup(undefined, { retryAttempts: 2 }).auth.retryAttempts).toBe(2);
  });
});

describe('wsAuth: after auth failed, and before any socket opened', () => {
  test('a first socket that never opened (server down) goes to the user shouldRetry', () => {
    const { auth, refresh } = setup();
    const event = closeEvent(1006, '');
    auth.on.closed(event);
    expect(auth.shouldRetry(event)).toBe(true); // graphql-ws' default: retry close events
    expect(refresh).not.toHaveBeenCalled();
  });

  test('after auth failed nothing is retried, and a later 4401 stays fatal', async () => {
    const { auth, failures } = setup();
    await auth.connectionParams();
    await authClose(auth, 4401);
    await auth.connectionParams();
    await authClose(auth, 4401); // auth failed
    const abnormal = closeEvent(1006, 'abnormal');
    auth.on.closed(abnormal);
    expect(auth.shouldRetry(abnormal)).toBe(false);
    const again = closeEvent(4401);
    auth.on.closed(again);
    expect(again.code).toBe(4401);
    expect(auth.shouldRetry(again)).toBe(false);
    expect(failures).toHaveLength(1);
  });

  test('a refresh that fails after auth already failed reports nothing more', async () => {
    const gate = deferred<string>();
    const manager = new TokenManager({ getToken: () => T1, refresh: () => gate.promise });
    const failures: Classification[] = [];
    const auth = wsAuth(manager, { onAuthFailure: (c) => failures.push(c) });
    await auth.connectionParams();
    auth.on.closed(closeEvent(4401)); // refresh running
    const second = closeEvent(4401); // rejected again before the refresh is done
    auth.on.closed(second);
    expect(auth.shouldRetry(second)).toBe(false);
    gate.reject(new Error('idp down'));
    await flush();
    expect(failures.map((f) => f.reason)).toEqual(['invalid-token']);
  });

  test('a connection_error for the refreshed token: the failure names it', async () => {
    const { auth, failures } = setup();
    await auth.connectionParams();
    await authClose(auth, 4401);
    await auth.connectionParams();
    auth.on.opened({});
    auth.on.message({ type: 'connection_error', payload: { message: 'Unauthenticated' } });
    expect(auth.shouldRetry(new Error('First message cannot be of type connection_error'))).toBe(false);
    expect(failures.map((f) => f.message)).toEqual([
      'The WebSocket rejected a freshly refreshed token (connection_error)',
    ]);
  });

  test('ordinary messages are no rejection', async () => {
    const { auth, refresh } = setup();
    await auth.connectionParams();
    auth.on.opened({});
    auth.on.connected({}, undefined, false);
    for (const message of [{ type: 'next', id: '1', payload: {} }, { type: 'ping' }, null]) auth.on.message(message);
    await flush();
    expect(refresh).not.toHaveBeenCalled();
    expect(auth.shouldRetry(new Error('other'))).toBe(false);
  });
});

describe('wsAuth: what counts as an auth error in the connection_ack payload', () => {
  test.each<[string, unknown, boolean]>([
    ['errors[] with extensions.code UNAUTHENTICATED', { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] }, true],
    ['errors[] with a code UNAUTHORIZED', { errors: [{ message: 'no', code: 'UNAUTHORIZED' }] }, true],
    [
      'an auth error after another one',
      { errors: [{ extensions: { code: 'FORBIDDEN' } }, { extensions: { code: 'UNAUTHENTICATED' } }] },
      true,
    ],
    ['one error', { error: { extensions: { code: 'UNAUTHENTICATED' } } }, true],
    ['the payload itself', { code: 'UNAUTHORIZED' }, true],
    ['the payload with extensions', { extensions: { code: 'UNAUTHENTICATED' } }, true],
    ['another code', { errors: [{ extensions: { code: 'FORBIDDEN' } }] }, false],
    ['an empty errors[]', { errors: [] }, false],
    ['a null error', { errors: [null] }, false],
    ['an ordinary payload', { session: 'abc' }, false],
    ['a string', 'UNAUTHENTICATED', false],
    ['null', null, false],
  ])('%s', async (_name, payload, rejected) => {
    const { auth, refresh } = setup();
    await auth.connectionParams();
    const socket = { close: jest.fn() };
    auth.on.opened(socket);
    auth.on.connected(socket, payload, false);
    expect(socket.close).toHaveBeenCalledTimes(rejected ? 1 : 0);
    const event = closeEvent(1000, 'Normal Closure');
    auth.on.closed(event);
    expect(event.code).toBe(1000); // only 4401 is made retryable (it is fatal to graphql-ws)
    await flush();
    expect(refresh).toHaveBeenCalledTimes(rejected ? 1 : 0);
  });
});

describe('wsAuth: reports', () => {
  test('the auth failures tell the app what happened and that it must sign in again', async () => {
    const { auth, failures } = setup();
    await auth.connectionParams();
    await authClose(auth, 4401);
    await auth.connectionParams();
    await authClose(auth, 4403);
    expect(failures).toEqual([
      {
        category: 'unauthenticated',
        reason: 'invalid-token',
        message: 'The WebSocket rejected a freshly refreshed token (close 4403)',
        retryable: false,
        refreshable: false,
        remediation: 'The session could not be renewed for the live connection; sign in again.',
      },
    ]);
  });

  test('a failed refresh names the WebSocket and the refresh failure, the token redacted', async () => {
    const manager = new TokenManager({
      getToken: () => T1,
      refresh: () => Promise.reject(new Error(`token endpoint said no to ${T1}`)),
    });
    const failures: Classification[] = [];
    const auth = wsAuth(manager, { onAuthFailure: (c) => failures.push(c) });
    await auth.connectionParams();
    auth.on.closed(closeEvent(4401));
    await flush();
    await expect(auth.connectionParams()).rejects.toThrow();
    expect(failures).toEqual([
      expect.objectContaining({
        reason: 'refresh-failed',
        retryable: false,
        refreshable: false,
        message: 'Token refresh for the WebSocket failed: Token refresh failed: token endpoint said no to [redacted]',
      }),
    ]);
  });

  describe('user listeners run after the helper, with what graphql-ws gave; a throwing one is reported by name', () => {
    let report: jest.SpyInstance;
    beforeEach(() => {
      report = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    });
    afterEach(() => report.mockRestore());

    test.each<[string, (auth: ReturnType<typeof wsAuth>) => void, unknown[]]>([
      ['opened', (auth) => auth.on.opened('socket'), ['socket']],
      ['connected', (auth) => auth.on.connected('socket', { ok: 1 }, true), ['socket', { ok: 1 }, true]],
      ['message', (auth) => auth.on.message({ type: 'next' }), [{ type: 'next' }]],
      ['closed', (auth) => auth.on.closed(closeEvent(1000, 'bye')), [closeEvent(1000, 'bye')]],
    ])('on.%s', (name, fire, args) => {
      const listener = jest.fn(() => {
        throw new Error('listener bug');
      });
      const { auth } = setup(undefined, { on: { [name]: listener } });
      fire(auth);
      expect(listener).toHaveBeenCalledWith(...args);
      expect(report).toHaveBeenCalledTimes(1);
      expect(String(report.mock.calls[0]![0])).toContain(`the on.${name} callback threw`);
    });

    test('onAuthFailure', async () => {
      const { auth } = setup(undefined, {
        onAuthFailure: () => {
          throw new Error('listener bug');
        },
      });
      await auth.connectionParams();
      await authClose(auth, 4401);
      await auth.connectionParams();
      await authClose(auth, 4401);
      expect(report).toHaveBeenCalledTimes(1);
      expect(String(report.mock.calls[0]![0])).toContain('the onAuthFailure callback threw');
    });

    test('listeners the helper does not use are passed as they are', () => {
      const connecting = jest.fn();
      const { auth } = setup(undefined, { on: { connecting } });
      expect(auth.on.connecting).toBe(connecting);
    });
  });
});

describe('wsAuth: the default retryWait (graphql-ws’: 2^retries s plus 300–3000 ms of jitter)', () => {
  afterEach(() => jest.restoreAllMocks());
  test.each<[number, number, number]>([
    [0, 0, 1_300],
    [1, 0, 2_300],
    [3, 0, 8_300],
    [3, 0.9999, 10_999],
  ])('retries %i, random %d: %i ms', async (retries, random, ms) => {
    jest.spyOn(Math, 'random').mockReturnValue(random);
    const { auth } = setup();
    let done = false;
    const waited = auth.retryWait(retries).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(ms - 1);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await waited;
    expect(done).toBe(true);
  });
});
