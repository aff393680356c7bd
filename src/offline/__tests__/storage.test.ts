import { IDBFactory } from 'fake-indexeddb';
import { getClassifications } from '../../classify/getClassifications';
import type { OutboxEntry } from '../outbox';
import {
  decodeStoredEntry,
  defaultOutboxStorage,
  indexedDbStorage,
  localStorageStorage,
  memoryStorage,
  replayLock,
  type ReplayLockManager,
  type SkippedEntry,
  type StorageEventTarget,
  type StorageLike,
} from '../storage';

// fake-indexeddb schedules its work with setImmediate: that one stays real, every other timer is fake.
beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
afterEach(() => {
  expect(jest.getTimerCount()).toBe(0);
  jest.useRealTimers();
});

const entry = (id: string, extra: Partial<OutboxEntry> = {}): OutboxEntry => ({
  id,
  operationName: 'UpdatePurchaseOrder',
  query: 'mutation UpdatePurchaseOrder($input: POInput!) { updatePurchaseOrder(input: $input) { id _etag } }',
  variables: { input: { id: 'po-1', _etag: 'e1', quantity: 3 } },
  idempotencyKey: `key-${id}`,
  enqueuedAt: 1_700_000_000_000,
  seq: 0,
  attempts: 0,
  ...extra,
});

/** An in-memory Web Storage, shared by the "tabs" of one test. */
function fakeLocalStorage(): StorageLike & { map: Map<string, string>; failWrites?: Error } {
  const map = new Map<string, string>();
  const store = {
    map,
    failWrites: undefined as Error | undefined,
    get length() {
      return map.size;
    },
    key: (i: number) => [...map.keys()][i] ?? null,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => {
      if (store.failWrites) throw store.failWrites;
      map.set(k, v);
    },
    removeItem: (k: string) => void map.delete(k),
  };
  return store;
}

function fakeEvents(): StorageEventTarget & { fire(key: string | null): void; count(): number } {
  const listeners = new Set<(e: { key: string | null }) => void>();
  return {
    addEventListener: (_t, fn) => void listeners.add(fn),
    removeEventListener: (_t, fn) => void listeners.delete(fn),
    fire: (key) => listeners.forEach((fn) => fn({ key })),
    count: () => listeners.size,
  };
}

const byId = (list: OutboxEntry[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));

describe('memoryStorage', () => {
  test('put, load, replace, delete; an absent delete is fine', async () => {
    const s = memoryStorage();
    await s.put(entry('a'));
    await s.put(entry('b'));
    await s.put(entry('a', { attempts: 2 }));
    await s.delete('b');
    await s.delete('nope');
    expect(await s.load()).toEqual([entry('a', { attempts: 2 })]);
    expect(s.size).toBe(1);
  });

  test("stores a copy: changing the caller's variables afterwards changes nothing stored", async () => {
    const s = memoryStorage();
    const e = entry('a');
    await s.put(e);
    (e.variables.input as Record<string, unknown>).quantity = 99;
    expect(((await s.load())[0]!.variables.input as Record<string, unknown>).quantity).toBe(3);
  });
});

describe('localStorageStorage', () => {
  test('one key per entry under the prefix, JSON with a format version; foreign keys are ignored', async () => {
    const ls = fakeLocalStorage();
    ls.setItem('theme', 'dark');
    ls.setItem('other-app:outbox:x', '{}');
    const s = localStorageStorage('app:outbox', { storage: ls });
    await s.put(entry('a'));
    await s.put(entry('b'));
    expect([...ls.map.keys()].filter((k) => k.startsWith('app:outbox:')).sort()).toEqual([
      'app:outbox:a',
      'app:outbox:b',
    ]);
    expect(JSON.parse(ls.getItem('app:outbox:a')!)).toEqual({ v: 1, entry: entry('a') });
    expect(byId(await s.load())).toEqual([entry('a'), entry('b')]);
    await s.delete('a');
    expect(await s.load()).toEqual([entry('b')]);
    expect(ls.getItem('theme')).toBe('dark');
  });

  test('survives a reload: a new adapter on the same storage sees the entries', async () => {
    const ls = fakeLocalStorage();
    await localStorageStorage(undefined, { storage: ls }).put(
      entry('a', { lastError: { category: 'network', reason: 'fetch-failed', message: 'Failed to fetch' } }),
    );
    expect(await localStorageStorage(undefined, { storage: ls }).load()).toEqual([
      entry('a', { lastError: { category: 'network', reason: 'fetch-failed', message: 'Failed to fetch' } }),
    ]);
  });

  test("two tabs writing at once never overwrite each other's entries (one key per entry)", async () => {
    const ls = fakeLocalStorage();
    const tab1 = localStorageStorage(undefined, { storage: ls });
    const tab2 = localStorageStorage(undefined, { storage: ls });
    await Promise.all([tab1.put(entry('a')), tab2.put(entry('b')), tab1.put(entry('c')), tab2.delete('zzz')]);
    expect(byId(await tab1.load()).map((e) => e.id)).toEqual(['a', 'b', 'c']);
  });

  const good = JSON.stringify({ v: 1, entry: entry('x') });
  const withEntry = (patch: Record<string, unknown>) => JSON.stringify({ v: 1, entry: { ...entry('x'), ...patch } });
  test.each<[string, string, SkippedEntry['problem']]>([
    ['not JSON', '{"v":1,"entry":', 'unparseable'],
    ['JSON null', 'null', 'invalid-entry'],
    ['an array', '[1,2]', 'invalid-entry'],
    ['a newer format version', JSON.stringify({ v: 2, entry: entry('x') }), 'unsupported-version'],
    ['no version (foreign data under our prefix)', JSON.stringify(entry('x')), 'unsupported-version'],
    ['no entry', JSON.stringify({ v: 1 }), 'invalid-entry'],
    ['id missing', withEntry({ id: undefined }), 'invalid-entry'],
    ['query not a string', withEntry({ query: 42 }), 'invalid-entry'],
    ['variables an array', withEntry({ variables: [] }), 'invalid-entry'],
    ['no idempotency key', withEntry({ idempotencyKey: '' }), 'invalid-entry'],
    ['enqueuedAt a string', withEntry({ enqueuedAt: 'yesterday' }), 'invalid-entry'],
    ['attempts negative', withEntry({ attempts: -1 }), 'invalid-entry'],
    ['seq fractional', withEntry({ seq: 0.5 }), 'invalid-entry'],
    ['recordKey a number', withEntry({ recordKey: 7 }), 'invalid-entry'],
    ['lastError without a category', withEntry({ lastError: { message: 'x' } }), 'invalid-entry'],
    ['an id other than the one in its key (x under bad)', good, 'invalid-entry'],
  ])(
    'a corrupt record (%s) is skipped with a classification and left in place; the others load',
    async (_name, text, problem) => {
      const ls = fakeLocalStorage();
      ls.setItem('apollo-link-resilience:outbox:bad', text);
      ls.setItem('apollo-link-resilience:outbox:x', good);
      const skips: SkippedEntry[] = [];
      const s = localStorageStorage(undefined, { storage: ls, onSkip: (skip) => skips.push(skip) });
      expect(await s.load()).toEqual([entry('x')]);
      expect(skips).toHaveLength(1);
      expect(skips[0]).toMatchObject({
        key: 'apollo-link-resilience:outbox:bad',
        problem,
        classification: { category: 'bad-request', reason: 'outbox-entry-unreadable', retryable: false },
      });
      expect(ls.getItem('apollo-link-resilience:outbox:bad')).toBe(text); // never deleted: a newer version of the app may own it
    },
  );

  test("decodeStoredEntry given the key's id: an entry of another id is skipped (it could never be deleted)", () => {
    const record = { v: 1, entry: entry('x') };
    expect(decodeStoredEntry('k', record, 'x')).toEqual(entry('x'));
    expect(decodeStoredEntry('k', record, 'y')).toMatchObject({ key: 'k', problem: 'invalid-entry' });
    expect(decodeStoredEntry('k', record)).toEqual(entry('x')); // no id to check against: not checked
  });

  test('a throwing onSkip never breaks loading', async () => {
    const ls = fakeLocalStorage();
    ls.setItem('apollo-link-resilience:outbox:bad', 'garbage');
    const s = localStorageStorage(undefined, {
      storage: ls,
      onSkip: () => {
        throw new Error('reporter down');
      },
    });
    await expect(s.load()).resolves.toEqual([]);
  });

  test('decoding copies known fields only: a foreign field (headers, a token) never comes back', () => {
    const decoded = decodeStoredEntry('k', {
      v: 1,
      entry: { ...entry('x'), headers: { Authorization: 'Bearer secret-123' }, token: 'eyJa.eyJb.c' },
    });
    expect(decoded).toEqual(entry('x'));
    expect(JSON.stringify(decoded)).not.toMatch(/secret-123|eyJa/);
  });

  test.each([
    ['no localStorage (Node)', () => localStorageStorage(), /not available/],
    [
      'localStorage access throws (a sandboxed iframe)',
      () => {
        Object.defineProperty(globalThis, 'localStorage', {
          configurable: true,
          get: () => {
            throw new DOMException('denied', 'SecurityError');
          },
        });
        return localStorageStorage();
      },
      /not accessible/,
    ],
  ])('%s: every call rejects with a classified network/outbox-storage-failed error', async (_name, make, message) => {
    try {
      const s = make();
      for (const call of [() => s.load(), () => s.put(entry('a')), () => s.delete('a')]) {
        const error = await call().catch((e: unknown) => e);
        expect(getClassifications(error)[0]).toMatchObject({
          category: 'network',
          reason: 'outbox-storage-failed',
          retryable: false,
        });
        expect(String((error as Error).message)).toMatch(message);
      }
    } finally {
      delete (globalThis as { localStorage?: unknown }).localStorage;
    }
  });

  test('a full quota rejects the write with a classified error and keeps the other entries', async () => {
    const ls = fakeLocalStorage();
    const s = localStorageStorage(undefined, { storage: ls });
    await s.put(entry('a'));
    ls.failWrites = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    const error = await s.put(entry('b')).catch((e: unknown) => e);
    expect(getClassifications(error)[0]).toMatchObject({ category: 'network', reason: 'outbox-storage-failed' });
    expect((error as Error).message).toMatch(/quota/);
    expect(await s.load()).toEqual([entry('a')]);
  });

  test("subscribe hears other tabs' changes to its prefix (and a clear), not other keys; unsubscribe detaches", () => {
    const events = fakeEvents();
    const s = localStorageStorage('app:outbox', { storage: fakeLocalStorage(), events });
    const listener = jest.fn();
    const off = s.subscribe!(listener);
    events.fire('app:outbox:a');
    events.fire('theme');
    events.fire('app:outboxes:a');
    events.fire(null);
    expect(listener).toHaveBeenCalledTimes(2);
    off();
    expect(events.count()).toBe(0);
  });

  test('in Node there is no storage event source: no subscribe', () => {
    expect(localStorageStorage(undefined, { storage: fakeLocalStorage() }).subscribe).toBeUndefined();
  });
});

describe('indexedDbStorage (fake-indexeddb)', () => {
  test('put, load, replace, delete; a new adapter (a reload) sees the same entries', async () => {
    const indexedDB = new IDBFactory();
    const s = indexedDbStorage('outbox-test', { indexedDB });
    await s.put(entry('a'));
    await s.put(entry('b'));
    await s.put(entry('a', { attempts: 1 }));
    await s.delete('b');
    await s.delete('absent');
    expect(await s.load()).toEqual([entry('a', { attempts: 1 })]);
    s.close!();
    const reloaded = indexedDbStorage('outbox-test', { indexedDB });
    expect(await reloaded.load()).toEqual([entry('a', { attempts: 1 })]);
    reloaded.close!();
  });

  test('after close() the next call reopens the database', async () => {
    const indexedDB = new IDBFactory();
    const s = indexedDbStorage('outbox-test', { indexedDB });
    await s.put(entry('a'));
    s.close!();
    await s.put(entry('b'));
    expect(byId(await s.load()).map((e) => e.id)).toEqual(['a', 'b']);
    s.close!();
  });

  test('unreadable records are skipped with a classification and left in place', async () => {
    const indexedDB = new IDBFactory();
    const s = indexedDbStorage('outbox-test', { indexedDB });
    await s.put(entry('good'));
    s.close!();
    await new Promise<void>((resolve, reject) => {
      const open = indexedDB.open('outbox-test');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const tx = open.result.transaction('entries', 'readwrite');
        tx.objectStore('entries').put({ id: 'v9', v: 9, entry: entry('v9') });
        tx.objectStore('entries').put({ id: 'broken', v: 1, entry: { id: 'broken' } });
        tx.objectStore('entries').put({ id: 'moved', v: 1, entry: entry('good') }); // another id: never deletable
        tx.oncomplete = () => {
          open.result.close();
          resolve();
        };
      };
    });
    const skips: SkippedEntry[] = [];
    const again = indexedDbStorage('outbox-test', { indexedDB, onSkip: (skip) => skips.push(skip) });
    expect(await again.load()).toEqual([entry('good')]);
    expect(skips.map((x) => [x.key, x.problem]).sort()).toEqual([
      ['broken', 'invalid-entry'],
      ['moved', 'invalid-entry'],
      ['v9', 'unsupported-version'],
    ]);
    again.close!();
  });

  test('another tab upgrading the database closes our connection, and we reopen on the next call', async () => {
    const indexedDB = new IDBFactory();
    const s = indexedDbStorage('outbox-test', { indexedDB });
    await s.put(entry('a'));
    await new Promise<void>((resolve, reject) => {
      const open = indexedDB.open('outbox-test', 2); // blocked until our connection closes on versionchange
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        open.result.close();
        resolve();
      };
    });
    await s.put(entry('b'));
    expect(byId(await s.load()).map((e) => e.id)).toEqual(['a', 'b']);
    s.close!();
  });

  test('no IndexedDB (Node without the polyfill): a classified rejection', async () => {
    const error = await indexedDbStorage()
      .load()
      .catch((e: unknown) => e);
    expect(getClassifications(error)[0]).toMatchObject({ category: 'network', reason: 'outbox-storage-failed' });
  });

  test('a database that cannot be opened: a classified rejection, and the next call tries again', async () => {
    const indexedDB = new IDBFactory();
    let fail = true;
    const flaky = {
      open: (name: string) => {
        if (fail) throw new DOMException('disk error', 'UnknownError');
        return indexedDB.open(name);
      },
    } as unknown as IDBFactory;
    const s = indexedDbStorage('outbox-test', { indexedDB: flaky });
    const error = await s.put(entry('a')).catch((e: unknown) => e);
    expect(getClassifications(error)[0]).toMatchObject({ reason: 'outbox-storage-failed' });
    expect((error as Error).message).toMatch(/cannot open database outbox-test: disk error/);
    fail = false;
    await s.put(entry('a'));
    expect(await s.load()).toEqual([entry('a')]);
    s.close!();
  });
});

describe('defaultOutboxStorage', () => {
  afterEach(() => void delete (globalThis as { localStorage?: unknown }).localStorage);

  test('Node (no localStorage): memory', async () => {
    const s = defaultOutboxStorage();
    await s.put(entry('a'));
    expect(await s.load()).toEqual([entry('a')]);
  });

  test('a browser: localStorage under the default prefix', async () => {
    const ls = fakeLocalStorage();
    (globalThis as { localStorage?: unknown }).localStorage = ls;
    await defaultOutboxStorage().put(entry('a'));
    expect([...ls.map.keys()]).toEqual(['apollo-link-resilience:outbox:a']);
  });

  test('a private mode whose localStorage refuses writes: memory', async () => {
    const ls = fakeLocalStorage();
    ls.failWrites = new DOMException('denied', 'SecurityError');
    (globalThis as { localStorage?: unknown }).localStorage = ls;
    const s = defaultOutboxStorage();
    await s.put(entry('a'));
    expect(await s.load()).toEqual([entry('a')]);
    expect(ls.map.size).toBe(0);
  });
});

describe('replayLock', () => {
  /** Web Locks (exclusive, queued): one holder per name, the others wait their turn in order. */
  function fakeLocks(): ReplayLockManager & { requests: number } {
    const turns = new Map<string, Promise<unknown>>();
    const manager = {
      requests: 0,
      request<T>(name: string, _options: { mode: 'exclusive' }, callback: () => Promise<T>): Promise<T> {
        manager.requests += 1;
        const mine = (turns.get(name) ?? Promise.resolve()).then(callback, callback);
        turns.set(
          name,
          mine.catch(() => undefined),
        );
        return mine;
      },
    };
    return manager;
  }

  /** Two replays on one lock: the second starts only after the first ended. */
  async function takesTurns(tab1: ReturnType<typeof replayLock>, tab2: ReturnType<typeof replayLock>) {
    const log: string[] = [];
    let release!: () => void;
    const first = tab1.run(async () => {
      log.push('tab1 start');
      await new Promise<void>((r) => (release = r));
      log.push('tab1 end');
      return 'replayed';
    });
    const second = tab2.run(async () => (log.push('tab2 start'), 'after'));
    await Promise.resolve();
    await Promise.resolve();
    expect(log).toEqual(['tab1 start']);
    release();
    await expect(first).resolves.toBe('replayed');
    await expect(second).resolves.toBe('after');
    expect(log).toEqual(['tab1 start', 'tab1 end', 'tab2 start']);
  }

  test('with Web Locks: tabs take turns (the second waits, it does not skip)', async () => {
    const locks = fakeLocks();
    await takesTurns(replayLock('outbox', { locks }), replayLock('outbox', { locks }));
    expect(locks.requests).toBe(2);
  });

  test('without Web Locks: outboxes of one realm on the same name take turns; other names do not wait', async () => {
    await takesTurns(replayLock('realm-a'), replayLock('realm-a'));
    let release!: () => void;
    const blocking = replayLock('realm-b').run(() => new Promise<void>((r) => (release = r)));
    await expect(replayLock('realm-c').run(async () => 'free')).resolves.toBe('free');
    release();
    await blocking;
  });

  test('a failing replay releases the lock for the next one', async () => {
    const lock = replayLock('realm-d');
    await expect(lock.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run(async () => 2)).resolves.toBe(2);
  });
});
