// CrossTabCoordinator on its own: when it coordinates, what it asks of the Web Lock and the
// channel, the hand-off, a lock held too long, and closing.
import { useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import {
  CrossTabCoordinator,
  type BroadcastChannelLike,
  type CrossTabOptions,
  type LockManagerLike,
} from '../crossTab';

type Listener = (event: { data: unknown }) => void;

/** A lock manager whose grants the test controls; records every request. */
function controlledLocks() {
  const requests: Array<{ name: string; mode?: string; signal?: AbortSignal; grant: () => Promise<unknown> }> = [];
  const held = { count: 0 };
  const locks: LockManagerLike = {
    request: (name, options, callback) =>
      new Promise((resolve, reject) => {
        let granted = false;
        const grant = async () => {
          granted = true;
          held.count += 1;
          try {
            resolve(await callback());
          } catch (e) {
            reject(e);
          } finally {
            held.count -= 1;
          }
        };
        // As Web Locks: an abort after the grant changes nothing.
        options.signal?.addEventListener('abort', () => {
          if (!granted) reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        });
        requests.push({ name, mode: options.mode, signal: options.signal, grant });
      }),
  };
  return { locks, requests, held };
}

/** A lock manager that grants at once. */
const freeLocks = (): LockManagerLike & { names: string[] } => {
  const names: string[] = [];
  return {
    names,
    request: async (name, _options, callback) => {
      names.push(name);
      return callback();
    },
  };
};

function channel() {
  const posted: unknown[] = [];
  const listeners = new Set<Listener>();
  const state = { closed: false, names: [] as string[] };
  const createChannel = (name: string): BroadcastChannelLike => {
    state.names.push(name);
    return {
      postMessage: (m) => posted.push(m),
      addEventListener: (_t, l) => listeners.add(l),
      removeEventListener: (_t, l) => listeners.delete(l),
      close: () => {
        state.closed = true;
      },
    };
  };
  const deliver = (data: unknown) => {
    for (const l of listeners) l({ data });
  };
  return { createChannel, posted, listeners, state, deliver };
}

const settle = async (promise: Promise<unknown>) => {
  let outcome: { value?: unknown; error?: unknown; settled: boolean } = { settled: false };
  void promise.then(
    (value) => (outcome = { value, settled: true }),
    (error: unknown) => (outcome = { error, settled: true }),
  );
  return () => outcome;
};

useFakeTimersAndCheckTeardown();

const g = globalThis as { document?: unknown; navigator?: unknown; BroadcastChannel?: unknown };
const saved = {
  document: Object.getOwnPropertyDescriptor(globalThis, 'document'),
  navigator: Object.getOwnPropertyDescriptor(globalThis, 'navigator'),
  BroadcastChannel: Object.getOwnPropertyDescriptor(globalThis, 'BroadcastChannel'),
};
afterEach(() => {
  for (const [name, descriptor] of Object.entries(saved)) {
    if (descriptor) Object.defineProperty(globalThis, name, descriptor);
    else delete (g as Record<string, unknown>)[name];
  }
});
const setGlobal = (name: string, value: unknown) =>
  Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });

describe('when tabs are coordinated', () => {
  test.each<[string, () => CrossTabOptions, boolean]>([
    ['a lock manager and a channel', () => ({ locks: freeLocks(), createChannel: channel().createChannel }), true],
    ['a channel without a lock manager', () => ({ createChannel: channel().createChannel }), false],
    ['a lock manager without a channel (in Node)', () => ({ locks: freeLocks() }), false],
    [
      'a channel factory that throws',
      () => ({
        locks: freeLocks(),
        createChannel: () => {
          throw new Error('channels disabled');
        },
      }),
      false,
    ],
  ])('%s', (_name, options, coordinated) => {
    const coordinator = new CrossTabCoordinator(options(), () => undefined);
    expect(coordinator.coordinated).toBe(coordinated);
    coordinator.close();
  });

  test('a lock manager alone never opens a channel (half of it is worse than none)', () => {
    const c = channel();
    const coordinator = new CrossTabCoordinator({ createChannel: c.createChannel }, () => undefined);
    expect(c.state.names).toEqual([]);
    coordinator.close();
  });

  test('the channel and the lock are named by `name` (default apollo-link-resilience:auth)', async () => {
    for (const [options, name] of [
      [{}, 'apollo-link-resilience:auth'],
      [{ name: 'my-app' }, 'my-app'],
    ] as const) {
      const c = channel();
      const locks = freeLocks();
      const coordinator = new CrossTabCoordinator(
        { ...options, locks, createChannel: c.createChannel, handoffMs: 0 },
        () => undefined,
      );
      await coordinator.run(
        async () => 'token-0000000001',
        async () => undefined,
        undefined,
      );
      expect(c.state.names).toEqual([name]);
      expect(locks.names).toEqual([name]);
      coordinator.close();
    }
  });

  test('in Node, with the globals present but no injection, nothing is coordinated', () => {
    setGlobal('navigator', { locks: freeLocks() });
    setGlobal('BroadcastChannel', function FakeChannel() {
      return channel().createChannel('x');
    });
    const coordinator = new CrossTabCoordinator({}, () => undefined);
    expect(coordinator.coordinated).toBe(false);
    coordinator.close();
  });

  test.each([
    ['a window', () => setGlobal('document', {})],
    ['a worker', () => setGlobal('WorkerGlobalScope', function WorkerGlobalScope() {})],
  ])('in %s, navigator.locks and BroadcastChannel are used', (_name, browser) => {
    const c = channel();
    browser();
    setGlobal('navigator', { locks: freeLocks() });
    setGlobal('BroadcastChannel', function FakeChannel(name: string) {
      return c.createChannel(name);
    });
    const coordinator = new CrossTabCoordinator({}, () => undefined);
    expect(coordinator.coordinated).toBe(true);
    expect(c.state.names).toEqual(['apollo-link-resilience:auth']);
    coordinator.close();
    delete (g as Record<string, unknown>).WorkerGlobalScope;
  });
});

describe('run(): one refresh under the lock', () => {
  test('not coordinated: refreshes at once, shares nothing', async () => {
    const coordinator = new CrossTabCoordinator({}, () => undefined);
    const alreadyRefreshed = jest.fn(async () => 'other-token-00001');
    await expect(coordinator.run(async () => 'own-token-000001', alreadyRefreshed, 'old')).resolves.toEqual({
      token: 'own-token-000001',
      source: 'this-tab',
    });
    expect(alreadyRefreshed).not.toHaveBeenCalled();
    coordinator.close();
  });

  test('under an exclusive lock: refreshes, shares the token with what it replaces, holds the lock handoffMs longer', async () => {
    const c = channel();
    const l = controlledLocks();
    const coordinator = new CrossTabCoordinator({ locks: l.locks, createChannel: c.createChannel }, () => undefined);
    const outcome = await settle(
      coordinator.run(
        async () => 'new-token-000001',
        async () => undefined,
        'old-token',
      ),
    );
    expect(l.requests.map((r) => [r.name, r.mode])).toEqual([['apollo-link-resilience:auth', 'exclusive']]);
    void l.requests[0]!.grant();
    await jest.advanceTimersByTimeAsync(0);
    expect(c.posted).toEqual([
      { type: 'apollo-link-resilience:token', token: 'new-token-000001', replaces: 'old-token' },
    ]);
    expect(l.held.count).toBe(1);
    await jest.advanceTimersByTimeAsync(49);
    expect(l.held.count).toBe(1);
    expect(outcome().settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(l.held.count).toBe(0);
    expect(outcome().value).toEqual({ token: 'new-token-000001', source: 'this-tab' });
    coordinator.close();
  });

  test('handoffMs: 0 releases the lock as soon as the token is shared', async () => {
    const c = channel();
    const l = controlledLocks();
    const coordinator = new CrossTabCoordinator(
      { locks: l.locks, createChannel: c.createChannel, handoffMs: 0 },
      () => undefined,
    );
    const outcome = await settle(
      coordinator.run(
        async () => 'new-token-000001',
        async () => undefined,
        undefined,
      ),
    );
    void l.requests[0]!.grant();
    await jest.advanceTimersByTimeAsync(0);
    expect(l.held.count).toBe(0);
    expect(outcome().value).toEqual({ token: 'new-token-000001', source: 'this-tab' });
    coordinator.close();
  });

  test('granted after another tab refreshed: its token, no refresh, nothing shared', async () => {
    const c = channel();
    const l = controlledLocks();
    const refresh = jest.fn(async () => 'own-token-000001');
    const coordinator = new CrossTabCoordinator({ locks: l.locks, createChannel: c.createChannel }, () => undefined);
    const outcome = await settle(coordinator.run(refresh, async () => 'other-token-00001', 'old'));
    void l.requests[0]!.grant();
    await jest.advanceTimersByTimeAsync(0);
    expect(outcome().value).toEqual({ token: 'other-token-00001', source: 'other-tab' });
    expect(refresh).not.toHaveBeenCalled();
    expect(c.posted).toEqual([]);
    coordinator.close();
  });

  test('a channel that fails to post costs the other tabs a refresh, not this one its token', async () => {
    const c = channel();
    const coordinator = new CrossTabCoordinator(
      {
        locks: freeLocks(),
        handoffMs: 0,
        createChannel: (name) => ({
          ...c.createChannel(name),
          postMessage: () => {
            throw new Error('channel closed');
          },
        }),
      },
      () => undefined,
    );
    await expect(
      coordinator.run(
        async () => 'new-token-000001',
        async () => undefined,
        'old',
      ),
    ).resolves.toEqual({
      token: 'new-token-000001',
      source: 'this-tab',
    });
    coordinator.close();
  });

  test.each<[string, number | undefined, number]>([
    ['the default lockTimeoutMs (10 s)', undefined, 10_000],
    ['lockTimeoutMs 2 s', 2_000, 2_000],
    // over setTimeout's 2^31 − 1 ms, which would fire after 1 ms: capped to 24.8 days
    ['lockTimeoutMs 30 days', 2_592_000_000, 2_147_483_647],
  ])(
    'a lock not granted within %s is abandoned: this tab refreshes on its own',
    async (_name, lockTimeoutMs, waitMs) => {
      const c = channel();
      const l = controlledLocks();
      const refresh = jest.fn(async () => 'own-token-000001');
      const coordinator = new CrossTabCoordinator(
        { locks: l.locks, createChannel: c.createChannel, ...(lockTimeoutMs ? { lockTimeoutMs } : {}) },
        () => undefined,
      );
      const outcome = await settle(coordinator.run(refresh, async () => undefined, 'old'));
      await jest.advanceTimersByTimeAsync(waitMs - 1);
      expect(l.requests[0]!.signal!.aborted).toBe(false);
      expect(refresh).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(1);
      expect(l.requests[0]!.signal!.aborted).toBe(true);
      expect(outcome().value).toEqual({ token: 'own-token-000001', source: 'this-tab' });
      expect(c.posted).toHaveLength(1);
      coordinator.close();
    },
  );

  test('a lock manager that ignores the abort signal (a polyfill) is abandoned all the same; its late grant refreshes nothing', async () => {
    const c = channel();
    let grant: (() => Promise<unknown>) | undefined;
    const locks: LockManagerLike = {
      request: (_name, _options, callback) =>
        new Promise((resolve) => {
          grant = async () => resolve(await callback());
        }),
    };
    const refresh = jest.fn(async () => 'own-token-000001');
    const coordinator = new CrossTabCoordinator({ locks, createChannel: c.createChannel }, () => undefined);
    const outcome = await settle(coordinator.run(refresh, async () => undefined, 'old'));
    await jest.advanceTimersByTimeAsync(10_000);
    expect(outcome().value).toEqual({ token: 'own-token-000001', source: 'this-tab' });
    expect(refresh).toHaveBeenCalledTimes(1);
    await grant!(); // the turn comes after all: handed back at once
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(c.posted).toHaveLength(1);
    coordinator.close();
  });

  test('abandoned after another tab refreshed meanwhile: that token, no refresh', async () => {
    const l = controlledLocks();
    const refresh = jest.fn(async () => 'own-token-000001');
    const coordinator = new CrossTabCoordinator(
      { locks: l.locks, createChannel: channel().createChannel, lockTimeoutMs: 1_000 },
      () => undefined,
    );
    const outcome = await settle(coordinator.run(refresh, async () => 'other-token-00001', 'old'));
    await jest.advanceTimersByTimeAsync(1_000);
    expect(outcome().value).toEqual({ token: 'other-token-00001', source: 'other-tab' });
    expect(refresh).not.toHaveBeenCalled();
    coordinator.close();
  });

  test('a lock granted in time is not abandoned later', async () => {
    const l = controlledLocks();
    const coordinator = new CrossTabCoordinator(
      { locks: l.locks, createChannel: channel().createChannel, lockTimeoutMs: 1_000, handoffMs: 0 },
      () => undefined,
    );
    let release!: (token: string) => void;
    const outcome = await settle(
      coordinator.run(
        () => new Promise<string>((r) => (release = r)),
        async () => undefined,
        'old',
      ),
    );
    await jest.advanceTimersByTimeAsync(500);
    void l.requests[0]!.grant();
    await jest.advanceTimersByTimeAsync(5_000); // the refresh takes longer than lockTimeoutMs
    expect(l.requests[0]!.signal!.aborted).toBe(false);
    release('slow-token-000001');
    await jest.advanceTimersByTimeAsync(0);
    expect(outcome().value).toEqual({ token: 'slow-token-000001', source: 'this-tab' });
    coordinator.close();
  });

  test('without AbortController (an old engine with a Web Locks polyfill), the refresh still runs under the lock', async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'AbortController')!;
    delete (globalThis as { AbortController?: unknown }).AbortController;
    try {
      const locks = freeLocks();
      const coordinator = new CrossTabCoordinator(
        { locks, createChannel: channel().createChannel, handoffMs: 0 },
        () => undefined,
      );
      await expect(
        coordinator.run(
          async () => 'new-token-000001',
          async () => undefined,
          'old',
        ),
      ).resolves.toEqual({ token: 'new-token-000001', source: 'this-tab' });
      expect(locks.names).toEqual(['apollo-link-resilience:auth']);
      coordinator.close();
    } finally {
      Object.defineProperty(globalThis, 'AbortController', saved);
    }
  });

  test('a refresh that fails under the lock fails the run', async () => {
    const coordinator = new CrossTabCoordinator(
      { locks: freeLocks(), createChannel: channel().createChannel },
      () => undefined,
    );
    await expect(
      coordinator.run(
        () => Promise.reject(new Error('idp down')),
        async () => undefined,
        'old',
      ),
    ).rejects.toThrow('idp down');
    coordinator.close();
  });
});

describe('messages from other tabs', () => {
  test.each<[string, unknown, Array<[string, string | undefined]>]>([
    [
      'a token message',
      { type: 'apollo-link-resilience:token', token: 'shared-token-0001', replaces: 'old' },
      [['shared-token-0001', 'old']],
    ],
    [
      'a token message without replaces',
      { type: 'apollo-link-resilience:token', token: 'shared-token-0001' },
      [['shared-token-0001', undefined]],
    ],
    ['another type', { type: 'other', token: 'shared-token-0001' }, []],
    ['a token that is not a string', { type: 'apollo-link-resilience:token', token: 42 }, []],
    ['null', null, []],
    ['a string', 'apollo-link-resilience:token', []],
  ])('%s', (_name, data, heard) => {
    const c = channel();
    const onToken = jest.fn();
    const coordinator = new CrossTabCoordinator({ locks: freeLocks(), createChannel: c.createChannel }, onToken);
    c.deliver(data);
    expect(onToken.mock.calls).toEqual(heard);
    coordinator.close();
  });
});

describe('close()', () => {
  test('stops listening and closes the channel', () => {
    const c = channel();
    const onToken = jest.fn();
    const coordinator = new CrossTabCoordinator({ locks: freeLocks(), createChannel: c.createChannel }, onToken);
    expect(c.listeners.size).toBe(1);
    coordinator.close();
    expect(c.listeners.size).toBe(0);
    expect(c.state.closed).toBe(true);
  });

  test('abandons a lock request not yet granted: the run fails, no refresh, no timer left', async () => {
    const l = controlledLocks();
    const refresh = jest.fn(async () => 'own-token-000001');
    const coordinator = new CrossTabCoordinator(
      { locks: l.locks, createChannel: channel().createChannel },
      () => undefined,
    );
    const outcome = await settle(coordinator.run(refresh, async () => undefined, 'old'));
    coordinator.close();
    await jest.advanceTimersByTimeAsync(0);
    expect(l.requests[0]!.signal!.aborted).toBe(true);
    expect(outcome().error).toMatchObject({ name: 'AbortError' });
    expect(refresh).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });

  test('closed while refreshing under the lock: no hand-off, the lock is released when the refresh ends', async () => {
    const l = controlledLocks();
    const coordinator = new CrossTabCoordinator(
      { locks: l.locks, createChannel: channel().createChannel, handoffMs: 10_000 },
      () => undefined,
    );
    let release!: (token: string) => void;
    const outcome = await settle(
      coordinator.run(
        () => new Promise<string>((r) => (release = r)),
        async () => undefined,
        'old',
      ),
    );
    void l.requests[0]!.grant();
    await jest.advanceTimersByTimeAsync(0);
    coordinator.close();
    release('new-token-000001');
    await jest.advanceTimersByTimeAsync(0);
    expect(l.held.count).toBe(0);
    expect(outcome().value).toEqual({ token: 'new-token-000001', source: 'this-tab' });
    expect(jest.getTimerCount()).toBe(0);
  });

  /** A refresh granted the lock at once (this tab refreshes and shares), holding it for the hand-off. */
  async function refreshedUnderLock(options: { handoffMs: number; lockTimeoutMs?: number }) {
    const l = controlledLocks();
    const coordinator = new CrossTabCoordinator(
      { locks: l.locks, createChannel: channel().createChannel, ...options },
      () => undefined,
    );
    const outcome = await settle(
      coordinator.run(
        async () => 'new-token-000001',
        async () => undefined,
        'old',
      ),
    );
    void l.requests[0]!.grant();
    return { l, coordinator, outcome };
  }

  test.each([
    ['Infinity', Infinity],
    ['30 days', 2_592_000_000],
  ])(
    'a handoffMs of %s holds the lock at most lockTimeoutMs (the queued tabs stop waiting then)',
    async (_, handoffMs) => {
      const { l, coordinator, outcome } = await refreshedUnderLock({ handoffMs, lockTimeoutMs: 2_000 });
      await jest.advanceTimersByTimeAsync(1_999);
      expect(l.held.count).toBe(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(l.held.count).toBe(0);
      expect(outcome().value).toEqual({ token: 'new-token-000001', source: 'this-tab' });
      coordinator.close();
    },
  );

  test('releases a hand-off at once', async () => {
    const { l, coordinator, outcome } = await refreshedUnderLock({ handoffMs: 10_000 });
    await jest.advanceTimersByTimeAsync(0);
    expect(l.held.count).toBe(1);
    coordinator.close();
    await jest.advanceTimersByTimeAsync(0);
    expect(l.held.count).toBe(0);
    expect(outcome().value).toEqual({ token: 'new-token-000001', source: 'this-tab' });
  });
});
