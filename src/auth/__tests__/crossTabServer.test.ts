// Issue #14 point 3: no token crosses users in one process. Server rendering makes one client per
// request; with `crossTab: true` (as a shared config would have it) they must not share tokens over
// Node's process-wide BroadcastChannel, with or without Node 24's `navigator.locks`.
import { ApolloLink } from '@apollo/client/core/index.js';
import { execute, scripted } from '../../__testUtils__/harness';
import { AuthRefreshLink } from '../AuthRefreshLink';
import type { LockManagerLike } from '../crossTab';

type Sink = { next(v: unknown): void; error(e: unknown): void; complete(): void };
const ok = { data: { po: { id: '1' } } };
const unauthorized = () =>
  Object.assign(new Error('Response not successful: Received status code 401'), {
    name: 'ServerError',
    statusCode: 401,
    bodyText: JSON.stringify({ errors: [{ message: 'Token is expired' }] }),
    response: { status: 401, headers: new Headers() },
  });

/** Web Locks as Node 24 has them: one process-wide queue per name. */
function processLocks(): LockManagerLike {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    request: (_name, _options, callback) => {
      const run = tail.then(callback);
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

/** Lets Node deliver BroadcastChannel messages (a MessagePort turn), and fake timers run. */
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await jest.advanceTimersByTimeAsync(100);
  }
}

const g = globalThis as { navigator?: unknown; document?: unknown };
const ownNavigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
function setGlobal(name: 'navigator' | 'document', value: unknown): void {
  Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
}

beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
afterEach(() => {
  expect(jest.getTimerCount()).toBe(0);
  jest.useRealTimers();
  if (ownNavigator) Object.defineProperty(globalThis, 'navigator', ownNavigator);
  else delete g.navigator;
  delete g.document;
});

/** A server that accepts only the tokens in `valid`; records the Authorization header of every request. */
function server(valid: Set<string>) {
  return scripted((sink: Sink, _n, operation) => {
    const token = ((operation.getContext().headers as Record<string, string> | undefined)?.Authorization ?? '').replace(
      /^Bearer /,
      '',
    );
    if (valid.has(token)) {
      sink.next(ok);
      sink.complete();
    } else sink.error(unauthorized());
  });
}
const sent = (s: ReturnType<typeof server>) =>
  s.requests.map((r) => (r.context.headers as Record<string, string> | undefined)?.Authorization);

describe.each([
  ['Node 20/22 globals (BroadcastChannel only)', () => undefined],
  ['Node 24 globals (BroadcastChannel and navigator.locks)', () => setGlobal('navigator', { locks: processLocks() })],
])('two server clients in one process with crossTab: true, %s', (_name, simulate) => {
  test("one user's refresh never reaches a visitor without a token", async () => {
    simulate();
    const s = server(new Set(['user-a-token-0002']));
    let aliceToken = 'user-a-token-0001'; // expired: the server answers 401
    const alice = new AuthRefreshLink({
      getToken: () => aliceToken,
      refresh: async () => (aliceToken = 'user-a-token-0002'),
      crossTab: true,
    });
    // A public page: the visitor's operations go out without a token.
    const visitor = new AuthRefreshLink({
      getToken: () => null,
      refresh: async (): Promise<string> => {
        throw new Error('not signed in');
      },
      refreshWhenMissing: false,
      crossTab: true,
    });
    const visitorChain = ApolloLink.from([visitor, s.link]);

    const before = execute(visitorChain, { variables: { id: 'visitor-1' } });
    await turns();
    await before.done;
    const a = execute(ApolloLink.from([alice, s.link]), { variables: { id: 'alice' } });
    await turns();
    await a.done;
    expect(a.next).toEqual([ok]);
    const after = execute(visitorChain, { variables: { id: 'visitor-2' } });
    await turns();
    await after.done;
    expect(sent(s).filter((h) => h === 'Bearer user-a-token-0002')).toHaveLength(1); // Alice's replay only
    expect(
      s.requests
        .filter((r) => String(r.variables.id).startsWith('visitor'))
        .map((r) => (r.context.headers as Record<string, string> | undefined)?.Authorization),
    ).toEqual([undefined, undefined]);
    alice.dispose();
    visitor.dispose();
  });

  test("another signed-in user whose token expires refreshes their own, never takes Alice's", async () => {
    simulate();
    const valid = new Set(['user-a-token-0002', 'user-b-token-0001']);
    const s = server(valid);
    let aliceToken = 'user-a-token-0001';
    let bobToken = 'user-b-token-0001';
    const alice = new AuthRefreshLink({
      getToken: () => aliceToken,
      refresh: async () => (aliceToken = 'user-a-token-0002'),
      crossTab: true,
    });
    const bobRefresh = jest.fn(async () => (bobToken = 'user-b-token-0002'));
    const bob = new AuthRefreshLink({ getToken: () => bobToken, refresh: bobRefresh, crossTab: true });

    const first = execute(ApolloLink.from([bob, s.link]), { variables: { id: 'bob-1' } });
    await turns();
    await first.done;
    const a = execute(ApolloLink.from([alice, s.link]), { variables: { id: 'alice' } });
    await turns();
    await a.done;
    expect(a.next).toEqual([ok]);
    // Bob's token expires; his 401 must be fixed with his own refresh.
    valid.delete('user-b-token-0001');
    valid.add('user-b-token-0002');
    const second = execute(ApolloLink.from([bob, s.link]), { variables: { id: 'bob-2' } });
    await turns();
    await second.done;
    expect(second.next).toEqual([ok]);
    expect(bobRefresh).toHaveBeenCalledTimes(1);
    const bobHeaders = s.requests
      .filter((r) => String(r.variables.id).startsWith('bob'))
      .map((r) => (r.context.headers as Record<string, string>).Authorization);
    expect(bobHeaders).toEqual(['Bearer user-b-token-0001', 'Bearer user-b-token-0001', 'Bearer user-b-token-0002']);
    alice.dispose();
    bob.dispose();
  });
});

describe('in a browser window (simulated), cross-tab sharing stays on', () => {
  test('two tabs of one user: one refresh, the other tab takes the shared token', async () => {
    setGlobal('document', {});
    setGlobal('navigator', { locks: processLocks() });
    const valid = new Set(['tab-token-0002']);
    const s = server(valid);
    let stored = 'tab-token-0001';
    const refresh = jest.fn(async () => (stored = 'tab-token-0002'));
    // Each tab reads its own copy of the token (as a tab holds it in memory).
    const tabs = [0, 1].map(() => {
      let mine = 'tab-token-0001';
      return new AuthRefreshLink({
        getToken: () => mine,
        refresh: async () => (mine = await refresh()),
        crossTab: true,
      });
    });
    const outs = tabs.map((tab, i) => execute(ApolloLink.from([tab, s.link]), { variables: { id: String(i) } }));
    await turns(10);
    await Promise.all(outs.map((o) => o.done));
    expect(outs.every((o) => o.next.length === 1)).toBe(true);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(stored).toBe('tab-token-0002');
    tabs.forEach((t) => t.dispose());
  });
});
