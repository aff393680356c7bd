import { ApolloLink } from '@apollo/client/core/index.js';
import { getClassifications } from '../../classify/getClassifications';
import type { Classification } from '../../classify/types';
import type { ResilienceEvent } from '../../events';
import { execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { AuthRefreshLink } from '../AuthRefreshLink';
import type { BroadcastChannelLike, LockManagerLike } from '../crossTab';
import { jwtExpiryMs } from '../jwt';
import { deferred, unauthorized, type Sink } from '../../__testUtils__/fixtures';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (expMs: number, sub = 'desk') =>
  `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, exp: Math.floor(expMs / 1000) })}.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZw`;
const ok = { data: { po: { id: '1' } } };

/** A server that accepts only `valid()` tokens (401 "Token is expired" otherwise). */
function authServer(valid: () => string, reject: (token: string | undefined) => unknown = () => unauthorized()) {
  return scripted((sink: Sink, _n, operation) => {
    const header = (operation.getContext().headers as Record<string, string> | undefined)?.Authorization;
    const token = header?.replace(/^Bearer /, '');
    if (token === valid()) {
      sink.next(ok);
      sink.complete();
    } else {
      const failure = reject(token);
      if (failure instanceof Error) sink.error(failure);
      else {
        sink.next(failure);
        sink.complete();
      }
    }
  });
}

useFakeTimersAndCheckTeardown();

describe('AuthRefreshLink', () => {
  test('attaches the token; context.auth === false skips it', async () => {
    const s = scripted((sink) => {
      sink.next(ok);
      sink.complete();
    });
    const link = new AuthRefreshLink({ getToken: () => 'opaque-token-1', refresh: async () => 'x' });
    const a = execute(ApolloLink.from([link, s.link]));
    await flush();
    await a.done;
    const b = execute(ApolloLink.from([link, s.link]), { context: { auth: false } });
    await flush();
    await b.done;
    expect(s.requests.map((r) => (r.context.headers as Record<string, string> | undefined)?.Authorization)).toEqual([
      'Bearer opaque-token-1',
      undefined,
    ]);
  });

  test('custom header and scheme', async () => {
    const s = scripted((sink) => {
      sink.next(ok);
      sink.complete();
    });
    const out = execute(
      ApolloLink.from([
        new AuthRefreshLink({
          getToken: () => 'k-123456',
          refresh: async () => 'x',
          applyToken: { header: 'X-Api-Key', scheme: '' },
        }),
        s.link,
      ]),
    );
    await flush();
    await out.done;
    expect((s.requests[0]!.context.headers as Record<string, string>)['X-Api-Key']).toBe('k-123456');
  });

  test('100 concurrent operations with a rejected token: exactly 1 refresh, all replayed once with the new token', async () => {
    let token = 'old-opaque-token';
    const refresh = jest.fn(async () => {
      await new Promise((r) => setTimeout(r, 100));
      token = 'new-opaque-token';
      return token;
    });
    const events: ResilienceEvent[] = [];
    const s = authServer(() => 'new-opaque-token');
    const link = new AuthRefreshLink({ getToken: () => token, refresh, onEvent: (e) => events.push(e) });
    const outs = Array.from({ length: 100 }, (_, i) =>
      execute(ApolloLink.from([link, s.link]), { variables: { id: String(i) } }),
    );
    await flush();
    await jest.advanceTimersByTimeAsync(100);
    await Promise.all(outs.map((o) => o.done));
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(refresh).toHaveBeenCalledWith({ failedToken: 'old-opaque-token', reason: 'rejected' });
    expect(outs.every((o) => o.complete && o.next.length === 1)).toBe(true);
    expect(s.requests).toHaveLength(200);
    expect(events.map((e) => e.type)).toEqual(['refresh-start', 'refresh-success']);
    expect(events[1]).toMatchObject({ durationMs: 100 });
  });

  test('a 401 after another operation already refreshed replays with the new token, no second refresh', async () => {
    let token = 't-one-aaaa';
    const refresh = jest.fn(async () => (token = 't-two-bbbb'));
    let hold: Sink | undefined;
    const s = scripted((sink, n, operation) => {
      const auth = (operation.getContext().headers as Record<string, string>).Authorization;
      if (n === 1) {
        hold = sink;
        return;
      }
      if (auth === 'Bearer t-two-bbbb') {
        sink.next(ok);
        sink.complete();
      } else sink.error(unauthorized());
    });
    const link = new AuthRefreshLink({ getToken: () => token, refresh });
    const slow = execute(ApolloLink.from([link, s.link]), { variables: { id: 'slow' } });
    const fast = execute(ApolloLink.from([link, s.link]), { variables: { id: 'fast' } });
    await flush();
    await fast.done;
    expect(refresh).toHaveBeenCalledTimes(1);
    hold!.error(unauthorized()); // the slow one answers late with the old token's 401
    await flush();
    await slow.done;
    expect(slow.next).toEqual([ok]);
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  test('GraphQL errors with UNAUTHENTICATED / UNAUTHORIZED in a 200 trigger refresh and replay', async () => {
    for (const code of ['UNAUTHENTICATED', 'UNAUTHORIZED']) {
      let token = 'before-123';
      const s = authServer(
        () => 'after-456',
        () => ({ data: null, errors: [{ message: 'Not authenticated', extensions: { code } }] }),
      );
      const out = execute(
        ApolloLink.from([
          new AuthRefreshLink({ getToken: () => token, refresh: async () => (token = 'after-456') }),
          s.link,
        ]),
      );
      await flush();
      await out.done;
      expect(out.next).toEqual([ok]);
    }
  });

  test.each([
    ['User alice@acme.test is deactivated'],
    ["Token organization does not match user's organization"],
    ['Unable to find appropriate RSA key'],
    ['Sorry, this organization is blocked from accessing ION'],
    ["Login domain 'x.io' is not valid for this organization"],
  ])('non-refreshable "%s": no refresh, onAuthFailure once', async (message) => {
    const refresh = jest.fn(async () => 'new');
    const failures: Classification[] = [];
    const s = authServer(
      () => 'never',
      () => unauthorized(message),
    );
    const out = execute(
      ApolloLink.from([
        new AuthRefreshLink({ getToken: () => 'tok-12345678', refresh, onAuthFailure: (c) => failures.push(c) }),
        s.link,
      ]),
    );
    await flush();
    await out.done;
    expect(refresh).not.toHaveBeenCalled();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ category: 'unauthenticated', refreshable: false });
    expect(getClassifications(out.error)[0]!.refreshable).toBe(false);
  });

  test('a 401 after a fresh token goes to onAuthFailure, never to a second refresh', async () => {
    let n = 0;
    const refresh = jest.fn(async () => `fresh-${++n}-token`);
    const failures: Classification[] = [];
    const s = authServer(() => 'nothing-is-valid');
    const out = execute(
      ApolloLink.from([
        new AuthRefreshLink({ getToken: () => 'stale-token-1', refresh, onAuthFailure: (c) => failures.push(c) }),
        s.link,
      ]),
    );
    await flush();
    await out.done;
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(s.requests).toHaveLength(2);
    expect(failures).toHaveLength(1);
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'unauthenticated' });
  });

  test('a failed refresh fails every waiting operation as unauthenticated and calls onAuthFailure once', async () => {
    const gate = deferred<string>();
    const refresh = jest.fn(() => gate.promise);
    const failures: Classification[] = [];
    const s = authServer(() => 'never');
    const link = new AuthRefreshLink({
      getToken: () => 'stale-token-1',
      refresh,
      onAuthFailure: (c) => failures.push(c),
    });
    const outs = Array.from({ length: 5 }, (_, i) =>
      execute(ApolloLink.from([link, s.link]), { variables: { id: String(i) } }),
    );
    await flush();
    const late = execute(ApolloLink.from([link, s.link]), { variables: { id: 'late' } });
    await flush();
    gate.reject(Object.assign(new Error('invalid_client'), { name: 'X' }));
    await flush();
    await Promise.all([...outs, late].map((o) => o.done));
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(failures).toHaveLength(1);
    for (const o of [...outs, late])
      expect(getClassifications(o.error)[0]).toMatchObject({
        category: 'unauthenticated',
        reason: 'refresh-failed',
        refreshable: false,
      });
    expect(s.requests).toHaveLength(5); // the late one waited and was never sent
  });

  test('a refresh that never settles fails after refreshTimeoutMs', async () => {
    const s = authServer(() => 'never');
    const out = execute(
      ApolloLink.from([
        new AuthRefreshLink({
          getToken: () => 'stale-token-1',
          refresh: () => new Promise<string>(() => undefined),
          refreshTimeoutMs: 5000,
        }),
        s.link,
      ]),
    );
    await flush();
    await jest.advanceTimersByTimeAsync(5000);
    await out.done;
    expect(getClassifications(out.error)[0]).toMatchObject({ reason: 'refresh-timeout' });
  });

  describe('before expiry', () => {
    test('a JWT within refreshBeforeExpiryMs is refreshed before sending (single flight)', async () => {
      const now = Date.now();
      let token = jwt(now + 10_000);
      const fresh = jwt(now + 3_600_000, 'fresh');
      const refresh = jest.fn(async () => (token = fresh));
      const s = authServer(() => fresh);
      const link = new AuthRefreshLink({ getToken: () => token, refresh });
      const outs = Array.from({ length: 10 }, (_, i) =>
        execute(ApolloLink.from([link, s.link]), { variables: { id: String(i) } }),
      );
      await flush();
      await Promise.all(outs.map((o) => o.done));
      expect(refresh).toHaveBeenCalledTimes(1);
      expect((refresh.mock.calls[0] as unknown[])[0]).toMatchObject({ reason: 'expiring' });
      expect(s.requests).toHaveLength(10);
    });
    test.each([
      ['an opaque token', 'opaque-token-value'],
      ['a malformed JWT', 'eyJ.%%%.x'],
      ['a JWT without exp', `${b64({})}.${b64({ sub: 'x' })}.sig`],
    ])('%s is never refreshed early', async (_n, token) => {
      const refresh = jest.fn(async () => 'x');
      const s = authServer(() => token);
      const out = execute(ApolloLink.from([new AuthRefreshLink({ getToken: () => token, refresh }), s.link]));
      await flush();
      await out.done;
      expect(refresh).not.toHaveBeenCalled();
      expect(out.next).toEqual([ok]);
    });
    test('if the early refresh fails while the token is still valid, the old token is used', async () => {
      const token = jwt(Date.now() + 10_000);
      const failures: Classification[] = [];
      const s = authServer(() => token);
      const out = execute(
        ApolloLink.from([
          new AuthRefreshLink({
            getToken: () => token,
            refresh: async () => {
              throw new Error('idp down');
            },
            onAuthFailure: (c) => failures.push(c),
          }),
          s.link,
        ]),
      );
      await flush();
      await out.done;
      expect(out.next).toEqual([ok]);
      expect(failures).toEqual([]);
    });
    test('jwtExpiryMs', () => {
      expect(jwtExpiryMs(jwt(5_000_000))).toBe(5_000_000);
      expect(jwtExpiryMs('a.b')).toBeUndefined();
      expect(jwtExpiryMs(`${b64({})}.${b64({ exp: 'soon' })}.s`)).toBeUndefined();
      expect(jwtExpiryMs('x'.repeat(20_000))).toBeUndefined();
    });
  });

  test('an operation unsubscribed while it waits for the refresh is never sent', async () => {
    const gate = deferred<string>();
    const s = authServer(() => 'new-token-123');
    const link = new AuthRefreshLink({ getToken: () => 'old-token-123', refresh: () => gate.promise });
    const first = execute(ApolloLink.from([link, s.link]), { variables: { id: 'a' } });
    await flush();
    expect(s.requests).toHaveLength(1);
    const queued = execute(ApolloLink.from([link, s.link]), { variables: { id: 'b' } });
    await flush();
    queued.unsubscribe();
    first.unsubscribe();
    gate.resolve('new-token-123');
    await flush();
    expect(s.requests).toHaveLength(1);
    expect(queued.next).toEqual([]);
  });

  test('tokens never appear in messages, classifications or events', async () => {
    const oldToken = jwt(Date.now() - 1000, 'old-secret-subject');
    const newToken = 'opaque-new-token-0123456789';
    const events: ResilienceEvent[] = [];
    const failures: Classification[] = [];
    const s = authServer(
      () => 'none',
      (t) => unauthorized(`Unable to validate authentication token ${t}`),
    );
    const out = execute(
      ApolloLink.from([
        new AuthRefreshLink({
          getToken: () => oldToken,
          refresh: async () => newToken,
          onEvent: (e) => events.push(e),
          onAuthFailure: (c) => failures.push(c),
        }),
        s.link,
      ]),
    );
    await flush();
    await out.done;
    const everything = JSON.stringify({
      events,
      failures,
      classifications: getClassifications(out.error),
      message: (out.error as Error).message,
    });
    expect(everything).not.toContain(oldToken);
    expect(everything).not.toContain(newToken);
    expect(everything).not.toContain('old-secret-subject');
  });

  describe('without a token (refreshWhenMissing)', () => {
    test('getToken has none: one refresh (reason missing) before sending, every operation sent once with the new token, no 401', async () => {
      let stored: string | null = null;
      const refresh = jest.fn(async () => {
        await new Promise((r) => setTimeout(r, 50));
        return (stored = 'first-token-0001');
      });
      const events: ResilienceEvent[] = [];
      const s = authServer(() => 'first-token-0001');
      const link = new AuthRefreshLink({ getToken: () => stored, refresh, onEvent: (e) => events.push(e) });
      const outs = Array.from({ length: 5 }, (_, i) =>
        execute(ApolloLink.from([link, s.link]), { variables: { id: String(i) } }),
      );
      await flush();
      expect(s.requests).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(50);
      await Promise.all(outs.map((o) => o.done));
      expect(refresh).toHaveBeenCalledTimes(1);
      expect(refresh).toHaveBeenCalledWith({ failedToken: undefined, reason: 'missing' });
      expect(outs.every((o) => o.next.length === 1 && o.complete)).toBe(true);
      expect(s.requests.map((r) => (r.context.headers as Record<string, string>).Authorization)).toEqual(
        Array(5).fill('Bearer first-token-0001'),
      );
      expect(events.map((e) => [e.type, e.reason])).toEqual([
        ['refresh-start', 'missing'],
        ['refresh-success', 'missing'],
      ]);
    });

    test('an async getToken that resolves to nothing is treated the same', async () => {
      const refresh = jest.fn(async () => 'first-token-0001');
      const s = authServer(() => 'first-token-0001');
      const out = execute(ApolloLink.from([new AuthRefreshLink({ getToken: async () => undefined, refresh }), s.link]));
      await flush();
      await out.done;
      expect(out.next).toEqual([ok]);
      expect(refresh).toHaveBeenCalledTimes(1);
      expect(s.requests).toHaveLength(1);
    });

    test('a refreshed token is kept while getToken still has none: no refresh per operation', async () => {
      const refresh = jest.fn(async () => 'first-token-0001');
      const s = authServer(() => 'first-token-0001');
      const link = new AuthRefreshLink({ getToken: () => null, refresh });
      for (const id of ['a', 'b', 'c']) {
        const out = execute(ApolloLink.from([link, s.link]), { variables: { id } });
        await flush();
        await out.done;
        expect(out.next).toEqual([ok]);
      }
      expect(refresh).toHaveBeenCalledTimes(1);
    });

    test('the refresh fails: the operation fails unsent, as unauthenticated, and onAuthFailure is called once', async () => {
      const failures: Classification[] = [];
      const s = authServer(() => 'never');
      const out = execute(
        ApolloLink.from([
          new AuthRefreshLink({
            getToken: () => null,
            refresh: async () => {
              throw new Error('no session');
            },
            onAuthFailure: (c) => failures.push(c),
          }),
          s.link,
        ]),
      );
      await flush();
      await out.done;
      expect(s.requests).toHaveLength(0);
      expect(getClassifications(out.error)[0]).toMatchObject({ category: 'unauthenticated', reason: 'refresh-failed' });
      expect(failures).toHaveLength(1);
    });

    test('refreshWhenMissing: false sends without a token (anonymous access), and refreshes only after a 401', async () => {
      const refresh = jest.fn(async () => 'first-token-0001');
      const s = scripted((sink: Sink) => {
        sink.next(ok);
        sink.complete();
      });
      const out = execute(
        ApolloLink.from([new AuthRefreshLink({ getToken: () => null, refresh, refreshWhenMissing: false }), s.link]),
      );
      await flush();
      await out.done;
      expect(out.next).toEqual([ok]);
      expect(refresh).not.toHaveBeenCalled();
      expect(s.requests.map((r) => (r.context.headers as Record<string, string> | undefined)?.Authorization)).toEqual([
        undefined,
      ]);
    });

    test('an operation unsubscribed while the missing token is obtained is never sent', async () => {
      const gate = deferred<string>();
      const s = authServer(() => 'first-token-0001');
      const out = execute(
        ApolloLink.from([new AuthRefreshLink({ getToken: () => null, refresh: () => gate.promise }), s.link]),
      );
      await flush();
      out.unsubscribe();
      gate.resolve('first-token-0001');
      await flush();
      expect(s.requests).toHaveLength(0);
    });
  });

  describe('across tabs', () => {
    /** A fake origin: one lock queue and one channel bus shared by the "tabs". */
    function fakeOrigin() {
      let tail: Promise<unknown> = Promise.resolve();
      const held = { count: 0 };
      const locks: LockManagerLike = {
        request: (_name, options, callback) => {
          const run = tail.then(async () => {
            if (options.signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
            held.count++;
            try {
              return await callback();
            } finally {
              held.count--;
            }
          });
          tail = run.catch(() => undefined);
          return run;
        },
      };
      const listeners = new Set<(e: { data: unknown }) => void>();
      const createChannel = (): BroadcastChannelLike => {
        const mine = new Set<(e: { data: unknown }) => void>();
        return {
          postMessage: (data) => {
            for (const l of listeners) if (!mine.has(l)) l({ data });
          },
          addEventListener: (_t, l) => {
            mine.add(l);
            listeners.add(l);
          },
          removeEventListener: (_t, l) => {
            mine.delete(l);
            listeners.delete(l);
          },
          close: () => {
            for (const l of mine) listeners.delete(l);
          },
        };
      };
      return { locks, createChannel, held };
    }

    test('three tabs with an expired token: one refresh, the others receive the token', async () => {
      const origin = fakeOrigin();
      let serverToken = 'tok-v2-abcdef';
      const refresh = jest.fn(async () => {
        await new Promise((r) => setTimeout(r, 50));
        return serverToken;
      });
      const s = authServer(() => serverToken);
      const events: ResilienceEvent[] = [];
      const tabs = [0, 1, 2].map(
        () =>
          new AuthRefreshLink({
            getToken: () => 'tok-v1-abcdef',
            refresh,
            crossTab: { locks: origin.locks, createChannel: origin.createChannel },
            onEvent: (e) => events.push(e),
          }),
      );
      const outs = tabs.map((tab, i) => execute(ApolloLink.from([tab, s.link]), { variables: { id: String(i) } }));
      await flush();
      await jest.advanceTimersByTimeAsync(200);
      await Promise.all(outs.map((o) => o.done));
      expect(refresh).toHaveBeenCalledTimes(1);
      expect(outs.every((o) => o.next.length === 1)).toBe(true);
      expect(
        events
          .filter((e) => e.type === 'refresh-success')
          .map((e) => e.source)
          .sort(),
      ).toEqual(['other-tab', 'other-tab', 'this-tab']);
      tabs.forEach((t) => t.dispose());
      serverToken = '';
    });

    test('a tab granted the lock before the broadcast arrives re-reads the stored token instead of refreshing', async () => {
      const origin = fakeOrigin();
      let stored = 'tok-v1-abcdef'; // shared storage (localStorage in a browser)
      const slowChannel = () => {
        const channel = origin.createChannel();
        return { ...channel, postMessage: (data: unknown) => void setTimeout(() => channel.postMessage(data), 500) };
      };
      const refresh = jest.fn(async () => {
        await new Promise((r) => setTimeout(r, 50));
        stored = 'tok-v2-abcdef';
        return stored;
      });
      const s = authServer(() => 'tok-v2-abcdef');
      const tabs = [0, 1].map(
        () =>
          new AuthRefreshLink({
            getToken: () => stored,
            refresh,
            crossTab: { locks: origin.locks, createChannel: slowChannel },
          }),
      );
      const outs = tabs.map((tab, i) => execute(ApolloLink.from([tab, s.link]), { variables: { id: String(i) } }));
      await flush();
      await jest.advanceTimersByTimeAsync(1000);
      await Promise.all(outs.map((o) => o.done));
      expect(refresh).toHaveBeenCalledTimes(1);
      expect(outs.every((o) => o.next.length === 1)).toBe(true);
      tabs.forEach((t) => t.dispose());
    });

    test('a lock held past lockTimeoutMs is abandoned: this tab refreshes on its own', async () => {
      const never: LockManagerLike = {
        request: (_n, options) =>
          new Promise((_, reject) =>
            options.signal?.addEventListener('abort', () =>
              reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
            ),
          ),
      };
      const refresh = jest.fn(async () => 'tok-v2-abcdef');
      const s = authServer(() => 'tok-v2-abcdef');
      const tab = new AuthRefreshLink({
        getToken: () => 'tok-v1-abcdef',
        refresh,
        crossTab: { locks: never, lockTimeoutMs: 2000, createChannel: fakeOrigin().createChannel },
      });
      const out = execute(ApolloLink.from([tab, s.link]));
      await flush();
      await jest.advanceTimersByTimeAsync(2000);
      await out.done;
      expect(refresh).toHaveBeenCalledTimes(1);
      expect(out.next).toEqual([ok]);
      tab.dispose();
    });

    test('a tab adopts a shared token only as the successor of its own: a tab signed in as someone else keeps its token', async () => {
      const origin = fakeOrigin();
      const valid = new Set(['alice-token-0002', 'bob-token-0001']);
      const s = scripted((sink, _n, operation) => {
        const token = ((operation.getContext().headers as Record<string, string>).Authorization ?? '').replace(
          /^Bearer /,
          '',
        );
        if (valid.has(token)) {
          sink.next(ok);
          sink.complete();
        } else sink.error(unauthorized());
      });
      const crossTab = { locks: origin.locks, createChannel: origin.createChannel };
      let aliceToken = 'alice-token-0001';
      let bobToken = 'bob-token-0001';
      const alice = new AuthRefreshLink({
        getToken: () => aliceToken,
        refresh: async () => (aliceToken = 'alice-token-0002'),
        crossTab,
      });
      const bobRefresh = jest.fn(async () => (bobToken = 'bob-token-0002'));
      const bob = new AuthRefreshLink({ getToken: () => bobToken, refresh: bobRefresh, crossTab });
      const run = async (tab: AuthRefreshLink, id: string) => {
        const out = execute(ApolloLink.from([tab, s.link]), { variables: { id } });
        await flush();
        await jest.advanceTimersByTimeAsync(100);
        await out.done;
        return out;
      };
      await run(bob, 'bob-1');
      expect((await run(alice, 'alice')).next).toEqual([ok]);
      valid.delete('bob-token-0001');
      valid.add('bob-token-0002');
      expect((await run(bob, 'bob-2')).next).toEqual([ok]);
      expect(bobRefresh).toHaveBeenCalledTimes(1);
      const bobSent = s.requests
        .filter((r) => String(r.variables.id).startsWith('bob'))
        .map((r) => (r.context.headers as Record<string, string>).Authorization);
      expect(bobSent).toEqual(['Bearer bob-token-0001', 'Bearer bob-token-0001', 'Bearer bob-token-0002']);
      alice.dispose();
      bob.dispose();
    });

    test('without Web Locks it falls back to single flight in the tab', async () => {
      const refresh = jest.fn(async () => 'tok-v2-abcdef');
      const s = authServer(() => 'tok-v2-abcdef');
      const tab = new AuthRefreshLink({
        getToken: () => 'tok-v1-abcdef',
        refresh,
        crossTab: { createChannel: fakeOrigin().createChannel },
      });
      const outs = [1, 2, 3].map((i) => execute(ApolloLink.from([tab, s.link]), { variables: { id: String(i) } }));
      await flush();
      await Promise.all(outs.map((o) => o.done));
      expect(refresh).toHaveBeenCalledTimes(1);
      tab.dispose();
    });
  });
});
