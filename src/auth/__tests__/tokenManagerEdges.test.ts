// The token manager's edges an app meets rarely but must be right: which token another tab may hand
// over, how many replaced tokens are remembered, what a throwing callback's report names, and an
// operation unsubscribed while the replay reads the token.
import { ApolloLink } from '@apollo/client/core/index.js';
import { getClassifications } from '../../classify/getClassifications';
import { deferred, unauthorized } from '../../__testUtils__/fixtures';
import { execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { AuthRefreshLink } from '../AuthRefreshLink';
import type { BroadcastChannelLike, LockManagerLike } from '../crossTab';
import { stateOf, TokenManager } from '../TokenManager';

/** One origin: a lock granted at once, and a channel on which the test speaks as another tab. */
function origin() {
  const listeners = new Set<(event: { data: unknown }) => void>();
  const locks: LockManagerLike = { request: async (_name, _options, callback) => callback() };
  const createChannel = (): BroadcastChannelLike => ({
    postMessage: () => undefined,
    addEventListener: (_type, listener) => listeners.add(listener),
    removeEventListener: (_type, listener) => listeners.delete(listener),
    close: () => listeners.clear(),
  });
  const otherTabShares = (token: string, replaces?: string) => {
    for (const listener of [...listeners])
      listener({ data: { type: 'apollo-link-resilience:token', token, ...(replaces ? { replaces } : {}) } });
  };
  return { crossTab: { locks, createChannel, handoffMs: 0 }, otherTabShares };
}

let report: jest.SpyInstance;
beforeEach(() => {
  report = jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => report.mockRestore());
useFakeTimersAndCheckTeardown();

describe('a token another tab shares is adopted only as the successor of the one this manager holds', () => {
  test.each<[string, boolean, (holds: string | undefined) => [string, string | undefined], boolean]>([
    ['the successor of the token held', true, (holds) => ['next-token-000003', holds], true],
    ['the successor of another token (another user)', true, () => ['bob-token-000003', 'bob-token-000002'], false],
    ['a token replacing nothing, while this manager holds one', true, () => ['bob-token-000003', undefined], false],
    ['a token replacing nothing, while this manager holds none', false, () => ['bob-token-000003', undefined], false],
  ])('%s', async (_name, holdsOne, message, adopted) => {
    const o = origin();
    const manager = new TokenManager({
      getToken: () => null, // the app never stores what the manager refreshed
      refresh: async () => 'alice-token-00002',
      refreshWhenMissing: false,
      crossTab: o.crossTab,
    });
    const heard: string[] = [];
    manager.onToken((token) => heard.push(token));
    if (holdsOne) await manager.refresh('missing');
    const before = await manager.getToken();
    expect(before).toBe(holdsOne ? 'alice-token-00002' : undefined);
    const [token, replaces] = message(before);
    o.otherTabShares(token, replaces);
    await expect(manager.getToken()).resolves.toBe(adopted ? token : before);
    expect(heard).toEqual([...(holdsOne ? ['alice-token-00002'] : []), ...(adopted ? [token] : [])]);
    manager.dispose();
  });
});

describe('a manager used alone (user code, another transport)', () => {
  test('refresh() replaces the token getToken() gave: the next getToken() answers the new one', async () => {
    const manager = new TokenManager({ getToken: () => 'old-token-00001', refresh: async () => 'new-token-00002' });
    await expect(manager.getToken()).resolves.toBe('old-token-00001');
    await expect(manager.refresh()).resolves.toBe('new-token-00002');
    await expect(manager.getToken()).resolves.toBe('new-token-00002');
  });
});

describe('numeric options that are not numbers ≥ 0 (NaN from `Number(process.env.X)`): the defaults', () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const jwtExpiringIn = (ms: number) =>
    `${b64({ alg: 'HS256' })}.${b64({ exp: Math.floor((Date.now() + ms) / 1000) })}.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZw`;

  test.each([NaN, -1])(
    'refreshTimeoutMs %s: a getToken that never answers fails after 30 s',
    async (refreshTimeoutMs) => {
      const manager = new TokenManager({
        getToken: () => new Promise<string>(() => undefined),
        refresh: async () => 'x',
        refreshTimeoutMs,
      });
      const waiting = manager.getToken().catch((error: unknown) => error);
      await jest.advanceTimersByTimeAsync(30_000);
      expect(getClassifications(await waiting)[0]).toMatchObject({ reason: 'token-timeout' });
      manager.dispose();
    },
  );

  test.each([NaN, -1])(
    'refreshBeforeExpiryMs %s: a token valid for an hour is sent, not refreshed',
    async (refreshBeforeExpiryMs) => {
      const token = jwtExpiringIn(3_600_000);
      const refresh = jest.fn(async () => 'x');
      const manager = new TokenManager({ getToken: () => token, refresh, refreshBeforeExpiryMs });
      await expect(manager.getToken()).resolves.toBe(token);
      expect(refresh).not.toHaveBeenCalled();
      manager.dispose();
    },
  );
});

describe('operations unsubscribed while an asynchronous getToken is read', () => {
  test('nothing of them is kept: the reads dispose() would end are only those still waited for', async () => {
    const getToken = () => new Promise<string>((resolve) => setTimeout(() => resolve('opaque-token-0001'), 100));
    const link = new AuthRefreshLink({ getToken, refresh: async () => 'opaque-token-0002' });
    const s = scripted((sink) => {
      sink.next({ data: { ok: true } });
      sink.complete();
    });
    const chain = ApolloLink.from([link, s.link]);
    for (let i = 0; i < 20; i++) {
      const out = execute(chain, { variables: { i } });
      await flush();
      out.unsubscribe();
    }
    await jest.advanceTimersByTimeAsync(120_000);
    expect((stateOf(link.tokenManager) as unknown as { reads: Set<unknown> }).reads.size).toBe(0);
    expect(s.requests).toHaveLength(0);
    link.dispose();
  });
});

describe('dispose() while getToken() waits for the app', () => {
  test('the wait ends at once with link-disposed, no timer left; a later getToken() fails the same way', async () => {
    const manager = new TokenManager({
      getToken: () => new Promise<string>(() => undefined),
      refresh: async () => 'x',
    });
    const waiting = manager.getToken().catch((error: unknown) => error);
    await flush();
    manager.dispose();
    expect(getClassifications(await waiting)[0]).toMatchObject({ category: 'unknown', reason: 'link-disposed' });
    expect(jest.getTimerCount()).toBe(0);
    const later = await manager.getToken().catch((error: unknown) => error);
    expect(getClassifications(later)[0]).toMatchObject({ reason: 'link-disposed' });
  });
});

describe('signing out by storing no token', () => {
  test('with crossTab, a missing token after sign-out is refreshed, never answered with the old session token', async () => {
    const o = origin();
    let stored: string | null = null;
    let refreshes = 0;
    const manager = new TokenManager({
      getToken: () => stored,
      refresh: async () => {
        refreshes += 1;
        if (refreshes > 1) throw new Error('signed out: no session to renew');
        return 'session-token-B1';
      },
      crossTab: o.crossTab,
    });
    await expect(manager.getToken()).resolves.toBe('session-token-B1'); // a 'missing' refresh
    stored = 'session-token-B1';
    await expect(manager.getToken()).resolves.toBe('session-token-B1');
    stored = null; // the app signed out
    await expect(manager.getToken()).rejects.toThrow(/refresh failed/i);
    expect(refreshes).toBe(2);
    manager.dispose();
  });
});

describe('the replaced tokens the manager remembers (32, oldest forgotten first)', () => {
  // The app's storage never learns a refreshed token: `getToken` answers the first token forever.
  test.each<[number, string]>([
    [32, 'refreshed-32'],
    [33, 'first-token-000001'],
  ])('after %i refreshes getToken() sends %s', async (refreshes, expected) => {
    let n = 0;
    const manager = new TokenManager({
      getToken: () => 'first-token-000001',
      refresh: async () => `refreshed-${++n}`,
    });
    for (let i = 0; i < refreshes; i++) await manager.refresh('rejected', await manager.getToken());
    // Within the bound the first token is known as replaced and the newest is sent in its place;
    // past it, the oldest replaced token is forgotten and the app's token is sent as it is.
    await expect(manager.getToken()).resolves.toBe(expected);
  });
});

describe('a throwing callback is reported by its name (console.error, once per callback)', () => {
  test('onToken', async () => {
    const manager = new TokenManager({ getToken: () => 'old-token-000001', refresh: async () => 'new-token-000002' });
    manager.onToken(() => {
      throw new Error('listener bug');
    });
    await expect(manager.refresh()).resolves.toBe('new-token-000002');
    expect(report).toHaveBeenCalledTimes(1);
    expect(String(report.mock.calls[0]![0])).toContain('the onToken callback threw');
  });

  test('isAuthError', async () => {
    const s = scripted((sink) => sink.error(unauthorized()));
    const out = execute(
      ApolloLink.from([
        new AuthRefreshLink({
          getToken: () => 'old-token-000001',
          refresh: async () => 'new-token-000002',
          isAuthError: () => {
            throw new Error('predicate bug');
          },
        }),
        s.link,
      ]),
    );
    await flush();
    await out.done;
    expect(report).toHaveBeenCalledTimes(1);
    expect(String(report.mock.calls[0]![0])).toContain('the isAuthError callback threw');
  });

  test('applyToken: the operation fails with an error that names it', async () => {
    const s = scripted((sink) => sink.complete());
    const out = execute(
      ApolloLink.from([
        new AuthRefreshLink({
          getToken: () => 'old-token-000001',
          refresh: async () => 'new-token-000002',
          applyToken: () => {
            throw new Error('header bug');
          },
        }),
        s.link,
      ]),
    );
    await flush();
    await out.done;
    expect(s.requests).toHaveLength(0);
    expect(getClassifications(out.error)[0]).toMatchObject({
      reason: 'link-error',
      message: 'AuthRefreshLink applyToken failed: header bug',
    });
  });
});

describe('unsubscribed while the replay reads the token', () => {
  test('the read is abandoned: no timer left, nothing replayed, nothing reported', async () => {
    const replayRead = deferred<string>();
    const getToken = jest
      .fn<Promise<string>, []>()
      .mockResolvedValueOnce('old-token-000001')
      .mockReturnValueOnce(replayRead.promise);
    const refresh = jest.fn(async () => 'new-token-000002');
    const s = scripted((sink) => sink.error(unauthorized()));
    const out = execute(ApolloLink.from([new AuthRefreshLink({ getToken, refresh }), s.link]));
    await flush();
    expect(s.requests).toHaveLength(1);
    expect(getToken).toHaveBeenCalledTimes(2); // the replay is reading the token (bounded by refreshTimeoutMs)
    out.unsubscribe();
    expect(jest.getTimerCount()).toBe(0);
    replayRead.resolve('new-token-000002');
    await flush();
    expect(s.requests).toHaveLength(1);
    expect(refresh).not.toHaveBeenCalled();
    expect(out.error).toBeUndefined();
  });
});
