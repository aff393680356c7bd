import { ApolloLink, Observable } from '@apollo/client/core/index.js';
import fc from 'fast-check';
import { parse } from 'graphql';
import { execute, flush } from '../../__testUtils__/harness';
import type { Classification } from '../../classify/types';
import { getClassifications } from '../../classify/getClassifications';
import { manualConnectivity, type ManualConnectivity } from '../connectivity';
import {
  defaultRecordKey,
  Outbox,
  outboxInputFromOperation,
  type OutboxEntry,
  type OutboxEvent,
  type OutboxSettlement,
  type ReplayOutcome,
} from '../outbox';
import {
  localStorageStorage,
  memoryStorage,
  replayLock,
  type OutboxStorage,
  type ReplayLockManager,
  type StorageEventTarget,
  type StorageLike,
} from '../storage';

const MUTATION = 'mutation UpdatePurchaseOrder($input: POInput!) { updatePurchaseOrder(input: $input) { id _etag } }';
const network: Classification = {
  category: 'network',
  reason: 'fetch-failed',
  message: 'Failed to fetch',
  retryable: true,
  refreshable: false,
  remediation: 'Check the connection.',
};
const validation: Classification = {
  category: 'validation',
  reason: 'invalid-input',
  message: 'quantity must be positive',
  retryable: false,
  refreshable: false,
  remediation: 'Fix it.',
};

const created: Outbox[] = [];
let lockNames = 0;
beforeEach(() => {
  jest.useFakeTimers();
  jest.setSystemTime(new Date('2026-01-01T08:00:00Z'));
});
afterEach(() => {
  for (const outbox of created.splice(0)) outbox.dispose();
  expect(jest.getTimerCount()).toBe(0); // no expiry timer survives a disposed or empty outbox
  jest.useRealTimers();
});

/** Lets the outbox's promise chains (storage steps, replay loop) run. */
const tick = async (n = 40) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

/** A `deliver` whose answers the test gives one by one; it records calls and concurrency. */
function scriptedDeliver() {
  const calls: OutboxEntry[] = [];
  const pending: Array<{
    entry: OutboxEntry;
    answer: (outcome: ReplayOutcome) => void;
    fail: (error: unknown) => void;
  }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const deliver = jest.fn((entry: OutboxEntry) => {
    calls.push(entry);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise<ReplayOutcome>((resolve, reject) => {
      pending.push({
        entry,
        answer: (o) => ((inFlight -= 1), resolve(o)),
        fail: (e) => ((inFlight -= 1), reject(e)),
      });
    });
  });
  return {
    deliver,
    calls,
    pending,
    /** Answers the request in flight. */
    answer: async (outcome: ReplayOutcome) => {
      const head = pending.shift();
      if (!head) throw new Error('nothing in flight');
      head.answer(outcome);
      await tick();
      return head.entry;
    },
    maxInFlight: () => maxInFlight,
  };
}

function make(options: Partial<ConstructorParameters<typeof Outbox>[0]> & { connectivity?: ManualConnectivity } = {}) {
  const script = scriptedDeliver();
  const connectivity = options.connectivity ?? manualConnectivity(false);
  const storage = options.storage ?? memoryStorage();
  const events: OutboxEvent[] = [];
  const changes: Array<ReadonlyArray<OutboxEntry>> = [];
  const outbox = new Outbox({
    deliver: script.deliver,
    lock: replayLock(`test-${++lockNames}`, { locks: undefined }),
    onEvent: (e) => events.push(e),
    onChange: (entries) => changes.push(entries),
    ...options,
    storage,
    connectivity,
  });
  created.push(outbox);
  return { outbox, script, connectivity, storage, events, changes };
}

const input = (n: number, extra: Record<string, unknown> = {}) => ({
  operationName: 'UpdatePurchaseOrder',
  query: MUTATION,
  variables: { input: { id: `po-${n}`, _etag: `e${n}`, quantity: n } },
  ...extra,
});

describe('enqueue', () => {
  test('the entry is durable before enqueue resolves; it has a key, a time, a record key and no attempt yet', async () => {
    let n = 0;
    const { outbox, storage, events, changes } = make({ generateId: () => `id-${++n}` });
    const { entry } = await outbox.enqueue(input(1));
    expect(entry).toEqual({
      id: 'id-1',
      operationName: 'UpdatePurchaseOrder',
      query: MUTATION,
      variables: { input: { id: 'po-1', _etag: 'e1', quantity: 1 } },
      idempotencyKey: 'id-2',
      enqueuedAt: Date.parse('2026-01-01T08:00:00Z'),
      seq: 0,
      attempts: 0,
      recordKey: 'UpdatePurchaseOrder:po-1',
    });
    expect(await storage.load()).toEqual([entry]);
    expect(outbox.entries).toEqual([entry]);
    expect(changes.at(-1)).toEqual([entry]);
    expect(events.at(-1)).toMatchObject({
      type: 'outbox-enqueue',
      operationName: 'UpdatePurchaseOrder',
      id: 'id-1',
      size: 1,
    });
  });

  test('keeps the idempotency key the first attempt carried', async () => {
    const { outbox } = make();
    const { entry } = await outbox.enqueue(input(1, { idempotencyKey: 'from-first-attempt' }));
    expect(entry.idempotencyKey).toBe('from-first-attempt');
  });

  test.each([
    ['BigInt', { n: BigInt(1) }],
    [
      'a cycle',
      (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      })(),
    ],
  ])(
    'variables that are not JSON data (%s) fail with bad-request/outbox-unserializable; nothing is stored',
    async (_name, variables) => {
      const { outbox, storage } = make();
      const error = await outbox.enqueue({ operationName: 'X', query: MUTATION, variables }).catch((e: unknown) => e);
      expect(getClassifications(error)[0]).toMatchObject({ category: 'bad-request', reason: 'outbox-unserializable' });
      expect(await storage.load()).toEqual([]);
    },
  );

  test('a storage that cannot write fails the mutation with a classified error (never "queued" in memory only)', async () => {
    const broken: OutboxStorage = {
      load: async () => [],
      put: () => Promise.reject(new Error('QuotaExceededError')),
      delete: async () => undefined,
    };
    const { outbox } = make({ storage: broken });
    const error = await outbox.enqueue(input(1)).catch((e: unknown) => e);
    expect(getClassifications(error)[0]).toMatchObject({
      category: 'network',
      reason: 'outbox-storage-failed',
      message: 'Outbox storage: write failed: QuotaExceededError',
    });
    expect(outbox.entries).toEqual([]);
  });

  test('a recordKey function that throws is reported once; the mutation is queued without a record key', async () => {
    const report = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const { outbox } = make({
      recordKey: () => {
        throw new Error('bad mapper');
      },
    });
    const { entry } = await outbox.enqueue(input(1));
    expect(entry.recordKey).toBeUndefined();
    expect(report).toHaveBeenCalledTimes(1);
    report.mockRestore();
  });
});

describe('maxEntries: a full outbox fails the new mutation, never drops an older one', () => {
  test('the third of maxEntries 2 fails with network/outbox-full; the two stay; expiry frees room', async () => {
    const { outbox, storage } = make({ maxEntries: 2, maxAgeMs: 60_000 });
    const a = await outbox.enqueue(input(1));
    jest.advanceTimersByTime(1_000);
    const b = await outbox.enqueue(input(2));
    const error = await outbox.enqueue(input(3)).catch((e: unknown) => e);
    expect(getClassifications(error)[0]).toMatchObject({
      category: 'network',
      reason: 'outbox-full',
      retryable: false,
      details: { size: 2, maxEntries: 2 },
    });
    expect((error as Error).message).toMatch(/2 changes are waiting/);
    expect((await storage.load()).map((e) => e.id).sort()).toEqual([a.entry.id, b.entry.id].sort());
    jest.setSystemTime(Date.now() + 59_500); // a is now older than 60 s, b is not
    const c = await outbox.enqueue(input(3));
    expect(outbox.entries.map((e) => e.id)).toEqual([b.entry.id, c.entry.id]);
  });
});

describe('replay', () => {
  test('on reconnect: in enqueue order, one at a time, each with its idempotency key; the callers get their results', async () => {
    const { outbox, script, connectivity, storage, events } = make();
    const settled: OutboxSettlement[] = [];
    const entries: OutboxEntry[] = [];
    for (const n of [1, 2, 3]) entries.push((await outbox.enqueue(input(n), (s) => settled.push(s))).entry);
    expect(script.deliver).not.toHaveBeenCalled();
    connectivity.setOnline(true);
    await tick();
    expect(script.calls.map((e) => e.id)).toEqual([entries[0]!.id]);
    await script.answer({ status: 'delivered', result: { data: { n: 1 } } });
    await script.answer({ status: 'delivered', result: { data: { n: 2 } } });
    await script.answer({ status: 'delivered', result: { data: { n: 3 } } });
    expect(script.calls.map((e) => [e.id, e.idempotencyKey, e.attempts])).toEqual(
      entries.map((e) => [e.id, e.idempotencyKey, 1]),
    );
    expect(script.maxInFlight()).toBe(1);
    expect(settled.map((s) => [s.status, s.status === 'delivered' ? s.result : undefined])).toEqual([
      ['delivered', { data: { n: 1 } }],
      ['delivered', { data: { n: 2 } }],
      ['delivered', { data: { n: 3 } }],
    ]);
    expect(outbox.entries).toEqual([]);
    expect(await storage.load()).toEqual([]);
    expect(events.filter((e) => e.type === 'outbox-delivered')).toHaveLength(3);
  });

  test('an unreachable outcome stops the replay and keeps the entry (head of line) with its redacted last error', async () => {
    const { outbox, script, connectivity, storage, events } = make();
    const a = await outbox.enqueue(input(1));
    await outbox.enqueue(input(2));
    connectivity.setOnline(true);
    await tick();
    const tokenInMessage: Classification = {
      ...network,
      message: 'connect ECONNREFUSED (Authorization: Bearer abc.def-123456)',
    };
    await script.answer({ status: 'unreachable', classification: tokenInMessage });
    expect(script.calls).toHaveLength(1);
    const kept = (await storage.load()).find((e) => e.id === a.entry.id)!;
    expect(kept.attempts).toBe(1);
    expect(kept.lastError).toEqual({
      category: 'network',
      reason: 'fetch-failed',
      message: 'connect ECONNREFUSED (Authorization: Bearer [redacted])',
    });
    expect(events.at(-1)).toMatchObject({ type: 'outbox-unreachable', id: a.entry.id });
    // The next trigger replays from the head, with the same key.
    const flushed = outbox.flush();
    await tick();
    expect(script.calls.map((e) => [e.id, e.idempotencyKey, e.attempts])).toEqual([
      [a.entry.id, a.entry.idempotencyKey, 1],
      [a.entry.id, a.entry.idempotencyKey, 2],
    ]);
    await script.answer({ status: 'delivered' });
    await script.answer({ status: 'delivered' });
    await expect(flushed).resolves.toEqual({ delivered: 2, rejected: 0, remaining: 0 });
  });

  test('online but the server unreachable: replay is tried again on a doubling backoff, reset by a delivery', async () => {
    const { outbox, script, connectivity } = make({
      retryUnreachable: { initialDelayMs: 1_000, maxDelayMs: 3_000 },
      random: () => 0.5,
    });
    await outbox.enqueue(input(1));
    await outbox.enqueue(input(2));
    connectivity.setOnline(true);
    await tick();
    const sendsAfter = async (ms: number) => {
      await jest.advanceTimersByTimeAsync(ms);
      await tick();
      return script.calls.length;
    };
    await script.answer({ status: 'unreachable', classification: network });
    expect(await sendsAfter(999)).toBe(1);
    expect(await sendsAfter(1)).toBe(2); // 1 s
    await script.answer({ status: 'unreachable', classification: network });
    expect(await sendsAfter(1_999)).toBe(2);
    expect(await sendsAfter(1)).toBe(3); // 2 s
    await script.answer({ status: 'unreachable', classification: network });
    expect(await sendsAfter(2_999)).toBe(3);
    expect(await sendsAfter(1)).toBe(4); // capped at 3 s
    await script.answer({ status: 'delivered' });
    await script.answer({ status: 'unreachable', classification: network }); // the second entry
    expect(await sendsAfter(1_000)).toBe(6); // back to 1 s after a delivery
    await script.answer({ status: 'delivered' });
    expect(jest.getTimerCount()).toBe(0);
  });

  test.each([
    ['retryUnreachable false', { retryUnreachable: false as const }, true],
    ['offline (the online event will trigger it)', {}, false],
  ])('no backoff timer when %s', async (_name, options, online) => {
    const { outbox, script, connectivity } = make(options);
    await outbox.enqueue(input(1));
    connectivity.setOnline(true);
    await tick();
    if (!online) connectivity.setOnline(false);
    await script.answer({ status: 'unreachable', classification: network });
    expect(jest.getTimerCount()).toBe(1); // only the expiry timer
    await jest.advanceTimersByTimeAsync(600_000);
    expect(script.calls).toHaveLength(1);
  });

  test('a rejected entry (the server said no) is removed, its caller gets the error, and the replay goes on', async () => {
    const { outbox, script, connectivity } = make();
    const settled: OutboxSettlement[] = [];
    await outbox.enqueue(input(1), (s) => settled.push(s));
    await outbox.enqueue(input(2), (s) => settled.push(s));
    connectivity.setOnline(true);
    await tick();
    await script.answer({ status: 'rejected', classification: validation });
    await script.answer({ status: 'delivered' });
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'delivered']);
    const rejected = settled[0] as Extract<OutboxSettlement, { status: 'rejected' }>;
    expect(getClassifications(rejected.error)[0]).toMatchObject({ category: 'validation' });
    expect(outbox.entries).toEqual([]);
  });

  test('a deliver that throws counts as unreachable: the change is kept, never lost', async () => {
    const { outbox, script, connectivity, events } = make();
    await outbox.enqueue(input(1));
    connectivity.setOnline(true);
    await tick();
    script.pending.shift()!.fail(new Error('chain exploded'));
    await tick();
    expect(outbox.entries).toHaveLength(1);
    expect(outbox.entries[0]!.lastError).toMatchObject({ category: 'unknown', reason: 'link-error' });
    expect(events.at(-1)).toMatchObject({ type: 'outbox-unreachable' });
  });

  test('flush while offline sends nothing; flush is single-flight and takes entries queued meanwhile', async () => {
    const { outbox, script, connectivity } = make();
    await outbox.enqueue(input(1));
    await expect(outbox.flush()).resolves.toEqual({ delivered: 0, rejected: 0, remaining: 1, stopped: 'offline' });
    expect(script.deliver).not.toHaveBeenCalled();
    connectivity.setOnline(true); // starts a replay
    await tick();
    const again = outbox.flush();
    await outbox.enqueue(input(2));
    await script.answer({ status: 'delivered' });
    await script.answer({ status: 'delivered' });
    await expect(again).resolves.toEqual({ delivered: 2, rejected: 0, remaining: 0 });
    expect(script.deliver).toHaveBeenCalledTimes(2);
  });

  test('going offline mid-replay stops before the next entry', async () => {
    const { outbox, script, connectivity } = make();
    await outbox.enqueue(input(1));
    await outbox.enqueue(input(2));
    connectivity.setOnline(true);
    await tick();
    const flushed = outbox.flush();
    connectivity.setOnline(false);
    await script.answer({ status: 'delivered' });
    await expect(flushed).resolves.toEqual({ delivered: 1, rejected: 0, remaining: 1, stopped: 'offline' });
  });

  test('discarding the entry being replayed waits for its verdict: delivered, the caller gets the result and discard is false (never "not saved" for a change the server applied)', async () => {
    const { outbox, script, connectivity, events, storage } = make();
    const settled: OutboxSettlement[] = [];
    const { entry } = await outbox.enqueue(input(1), (s) => settled.push(s));
    connectivity.setOnline(true);
    await tick();
    const discarded = outbox.discard(entry.id);
    await tick();
    expect(settled).toEqual([]);
    await script.answer({ status: 'delivered', result: { data: { ok: true } } });
    await expect(discarded).resolves.toBe(false);
    expect(settled.map((s) => s.status)).toEqual(['delivered']);
    expect(events.map((e) => e.type)).toEqual(['outbox-enqueue', 'outbox-replay', 'outbox-delivered']);
    expect(await storage.load()).toEqual([]);
  });

  test('discarding the entry being replayed when its request gets no answer: then it is discarded, and not sent again', async () => {
    const { outbox, script, connectivity, events, storage } = make({ retryUnreachable: false });
    const settled: OutboxSettlement[] = [];
    const { entry } = await outbox.enqueue(input(1), (s) => settled.push(s));
    connectivity.setOnline(true);
    await tick();
    const discarded = outbox.discard(entry.id);
    await script.answer({ status: 'unreachable', classification: network });
    await expect(discarded).resolves.toBe(true);
    expect(settled.map((s) => s.status)).toEqual(['discarded']);
    expect(events.map((e) => e.type)).toEqual([
      'outbox-enqueue',
      'outbox-replay',
      'outbox-unreachable',
      'outbox-discarded',
    ]);
    expect(await storage.load()).toEqual([]);
    await outbox.flush();
    expect(script.calls).toHaveLength(1);
  });
});

describe('discard and expiry racing the start of a replay step', () => {
  test('a change discarded just before its replay starts is never sent, and never written back to storage', async () => {
    let clock = 0;
    const inner = memoryStorage();
    let onDelete: (id: string) => void = () => undefined;
    const storage: OutboxStorage = {
      load: () => inner.load(),
      put: (e) => inner.put(e),
      delete: (id) => (onDelete(id), inner.delete(id)),
    };
    const made = make({ storage, maxAgeMs: 100, now: () => clock });
    const outbox = made.outbox;
    const { script, connectivity } = made;
    const settled: Array<[number, string]> = [];
    const entries: OutboxEntry[] = [];
    for (const n of [1, 2, 3]) {
      clock = n * 10;
      entries.push((await outbox.enqueue(input(n), (s) => settled.push([n, s.status]))).entry);
    }
    const [, second, third] = entries as [OutboxEntry, OutboxEntry, OutboxEntry];
    connectivity.setOnline(true);
    await tick();
    expect(script.calls.map((e) => e.variables)).toEqual([input(1).variables]);
    // While the first is on its way the second expires; as its expiry deletes it, the user discards the third.
    clock = 125;
    let discarded: Promise<boolean> | undefined;
    onDelete = (id) => {
      if (id === second.id) discarded = outbox.discard(third.id);
    };
    await script.answer({ status: 'delivered' });
    await tick();
    await expect(discarded).resolves.toBe(true);
    expect(script.calls.map((e) => e.variables)).toEqual([input(1).variables]); // the third is never sent
    expect(settled).toEqual([
      [1, 'delivered'],
      [2, 'expired'],
      [3, 'discarded'],
    ]);
    expect(await inner.load()).toEqual([]); // not written back
    expect(outbox.entries).toEqual([]);
  });
});

describe('a clock that goes back', () => {
  test('a change made after the device clock was set back still replays after the older ones (enqueue order, not wall-clock order)', async () => {
    let clock = 1_000_000;
    const { outbox, script, connectivity } = make({ now: () => clock });
    await outbox.enqueue(input(1));
    clock -= 60_000; // NTP corrects a fast clock when the device is back online
    await outbox.enqueue(input(2));
    connectivity.setOnline(true);
    await tick();
    await script.answer({ status: 'delivered' });
    await script.answer({ status: 'delivered' });
    expect(script.calls.map((e) => e.variables)).toEqual([input(1).variables, input(2).variables]);
  });
});

describe('discard, expiry, dispose', () => {
  test('discard(id) removes the entry and fails its caller with network/outbox-discarded; unknown ids are false', async () => {
    const { outbox, storage, changes } = make();
    const settled: OutboxSettlement[] = [];
    const { entry } = await outbox.enqueue(input(1), (s) => settled.push(s));
    await expect(outbox.discard(entry.id)).resolves.toBe(true);
    await expect(outbox.discard(entry.id)).resolves.toBe(false);
    expect(await storage.load()).toEqual([]);
    expect(changes.at(-1)).toEqual([]);
    expect(settled).toHaveLength(1);
    expect(getClassifications((settled[0] as { error: unknown }).error)[0]).toMatchObject({
      category: 'network',
      reason: 'outbox-discarded',
    });
  });

  test('maxAgeMs: an entry expires on its own timer, with an event, onChange and a failed caller; no timer is left', async () => {
    const { outbox, storage, events, changes } = make({ maxAgeMs: 10_000 });
    const settled: OutboxSettlement[] = [];
    const { entry } = await outbox.enqueue(input(1), (s) => settled.push(s));
    jest.advanceTimersByTime(5_000);
    await outbox.enqueue(input(2));
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(5_000);
    await tick();
    expect(events.find((e) => e.type === 'outbox-expired')).toMatchObject({ id: entry.id, ageMs: 10_000 });
    expect(settled.map((s) => s.status)).toEqual(['expired']);
    expect(getClassifications((settled[0] as { error: unknown }).error)[0]).toMatchObject({
      category: 'network',
      reason: 'outbox-expired',
    });
    expect(changes.at(-1)!.map((e) => e.variables)).toEqual([input(2).variables]);
    await jest.advanceTimersByTimeAsync(5_000);
    await tick();
    expect(outbox.entries).toEqual([]);
    expect(await storage.load()).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('entries already too old in storage are dropped on load, never replayed', async () => {
    const storage = memoryStorage();
    const first = make({ storage, maxAgeMs: 1_000 });
    await first.outbox.enqueue(input(1));
    first.outbox.dispose();
    jest.setSystemTime(Date.now() + 5_000);
    const second = make({ storage, maxAgeMs: 1_000, connectivity: manualConnectivity(true) });
    await second.outbox.ready;
    await tick();
    expect(second.events.map((e) => e.type)).toEqual(['outbox-expired']);
    expect(second.script.deliver).not.toHaveBeenCalled();
  });

  test('dispose: waiting callers fail with link-disposed, entries stay stored, later calls are refused', async () => {
    const { outbox, storage } = make();
    const settled: OutboxSettlement[] = [];
    await outbox.enqueue(input(1), (s) => settled.push(s));
    outbox.dispose();
    outbox.dispose();
    expect(settled.map((s) => s.status)).toEqual(['disposed']);
    expect(await storage.load()).toHaveLength(1);
    await expect(outbox.flush()).resolves.toMatchObject({ stopped: 'disposed' });
    await expect(outbox.enqueue(input(2))).rejects.toMatchObject({ name: 'ResilienceError' });
  });

  test('detach: the caller stops listening, the entry stays queued', async () => {
    const { outbox, connectivity, script } = make();
    const listener = jest.fn();
    const { detach } = await outbox.enqueue(input(1), listener);
    detach();
    detach();
    connectivity.setOnline(true);
    await tick();
    await script.answer({ status: 'delivered' });
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('the next page load, and a crash', () => {
  test('a new outbox over the same storage replays what the last one left, when online', async () => {
    const ls = fakeLocalStorage();
    const before = make({ storage: localStorageStorage(undefined, { storage: ls }) });
    const { entry } = await before.outbox.enqueue(input(1));
    before.outbox.dispose(); // the page is closed
    const after = make({
      storage: localStorageStorage(undefined, { storage: ls }),
      connectivity: manualConnectivity(true),
    });
    await after.outbox.ready;
    await tick();
    expect(after.script.calls.map((e) => [e.id, e.idempotencyKey])).toEqual([[entry.id, entry.idempotencyKey]]);
    await after.script.answer({ status: 'delivered' });
    expect(ls.map.size).toBe(0);
  });

  // A record's id must be the one its key names: `delete(entry.id)` removes that key only, so a record
  // under another key would come back on every load and be replayed forever.
  test.each<[string, Array<[string, string]>, string[], string[]]>([
    // name, [key suffix, stored entry id], ids delivered, key suffixes left
    ['a record whose id is not the one in its key: never replayed, left in place', [['A', 'B']], [], ['A']],
    [
      'two keys holding the same id: the one its key names is replayed once',
      [
        ['B', 'B'],
        ['C', 'B'],
      ],
      ['B'],
      ['C'],
    ],
  ])('%s (three flushes)', async (_n, records, delivered, left) => {
    const ls = fakeLocalStorage();
    const prefix = 'apollo-link-resilience:outbox:';
    for (const [suffix, id] of records) {
      const entry: OutboxEntry = {
        id,
        ...input(1),
        idempotencyKey: `key-${id}`,
        enqueuedAt: Date.now(),
        seq: 0,
        attempts: 0,
      };
      ls.setItem(prefix + suffix, JSON.stringify({ v: 1, entry }));
    }
    const skipped: string[] = [];
    const sent: string[] = [];
    const { outbox } = make({
      storage: localStorageStorage(undefined, { storage: ls, onSkip: (skip) => skipped.push(skip.key) }),
      connectivity: manualConnectivity(true),
      deliver: async (entry) => (sent.push(entry.id), { status: 'delivered' }),
    });
    await outbox.ready;
    for (let i = 0; i < 3; i++) {
      await outbox.flush();
      await tick();
    }
    expect(sent).toEqual(delivered);
    expect([...ls.map.keys()].map((k) => k.slice(prefix.length))).toEqual(left);
    expect(new Set(skipped)).toEqual(new Set(left.map((suffix) => prefix + suffix)));
  });

  test('replayOnLoad false waits for the next trigger', async () => {
    const storage = memoryStorage();
    const before = make({ storage });
    await before.outbox.enqueue(input(1));
    before.outbox.dispose();
    const after = make({ storage, connectivity: manualConnectivity(true), replayOnLoad: false });
    await after.outbox.ready;
    await tick();
    expect(after.script.deliver).not.toHaveBeenCalled();
  });

  test('a crash after the request left: the next load sends it again with the same key, and the server applies it once', async () => {
    const seen = new Set<string>(); // the server's idempotency table
    let applications = 0;
    const server = (entry: OutboxEntry): ReplayOutcome => {
      if (!seen.has(entry.idempotencyKey)) {
        seen.add(entry.idempotencyKey);
        applications += 1;
      }
      return { status: 'delivered' };
    };
    const storage = memoryStorage();
    const before = make({ storage, connectivity: manualConnectivity(true) });
    const { entry } = await before.outbox.enqueue(input(1));
    void before.outbox.flush();
    await tick();
    expect(before.script.calls).toHaveLength(1);
    server(before.script.calls[0]!); // the server applied it; the answer never arrived (the tab crashed)
    before.outbox.dispose();
    const after = make({ storage, connectivity: manualConnectivity(true) });
    await after.outbox.ready;
    await tick();
    const replayed = after.script.calls[0]!;
    expect([replayed.id, replayed.idempotencyKey, replayed.attempts]).toEqual([entry.id, entry.idempotencyKey, 2]);
    await after.script.answer(server(replayed));
    expect(applications).toBe(1);
    expect(await storage.load()).toEqual([]);
  });
});

describe('no token ever reaches storage', () => {
  test('enqueue keeps only the known fields of its input: context, headers and extra props are dropped', async () => {
    const ls = fakeLocalStorage();
    const { outbox } = make({ storage: localStorageStorage(undefined, { storage: ls }) });
    const sneaky = {
      ...input(1),
      context: { headers: { Authorization: 'Bearer eyJhbGciOi.eyJzdWIiOi.sig-123' }, token: 'secret-token-42' },
      headers: { authorization: 'Bearer opaque-token-1234' },
      token: 'secret-token-42',
    };
    await outbox.enqueue(sneaky);
    const stored = [...ls.map.values()].join('\n');
    expect(stored).not.toMatch(/eyJhbGciOi|secret-token-42|opaque-token-1234|Authorization|headers|context/i);
    expect(stored).toContain('po-1');
  });

  test('outboxInputFromOperation reads operationName, query and variables — never the context', async () => {
    const ls = fakeLocalStorage();
    const { outbox } = make({ storage: localStorageStorage(undefined, { storage: ls }) });
    let captured: Parameters<typeof outboxInputFromOperation>[0] | undefined;
    const capture = new ApolloLink((operation) => {
      captured = operation as never;
      return new Observable((sink: { complete(): void }) => sink.complete()) as never;
    });
    execute(capture, {
      query: parse(MUTATION),
      variables: input(1).variables,
      context: { headers: { Authorization: 'Bearer eyJhbGciOi.eyJzdWIiOi.sig-123' } },
    });
    await flush();
    const read = new Set<PropertyKey>();
    const watched = new Proxy(captured!, {
      get: (target, key, receiver) => (read.add(key), Reflect.get(target, key, receiver)),
    });
    const inputFromOperation = outboxInputFromOperation(watched, 'key-1');
    expect([...read].sort()).toEqual(['operationName', 'query', 'variables']);
    expect(inputFromOperation).toEqual({
      operationName: 'UpdatePurchaseOrder',
      query: expect.stringContaining('mutation UpdatePurchaseOrder'),
      variables: input(1).variables,
      idempotencyKey: 'key-1',
    });
    await outbox.enqueue(inputFromOperation);
    expect([...ls.map.values()].join('\n')).not.toMatch(/eyJhbGciOi|Authorization/);
  });
});

describe('two tabs sharing one localStorage', () => {
  /** Web Locks shared by the tabs (ifAvailable), and storage events delivered to the other tab. */
  function origin() {
    const ls = fakeLocalStorage();
    const turns = new Map<string, Promise<unknown>>();
    const locks: ReplayLockManager = {
      request(name, _o, callback) {
        const mine = (turns.get(name) ?? Promise.resolve()).then(callback, callback);
        turns.set(
          name,
          mine.catch(() => undefined),
        );
        return mine;
      },
    };
    const tabs: Array<Set<(e: { key: string | null }) => void>> = [];
    const tab = () => {
      const mine = new Set<(e: { key: string | null }) => void>();
      tabs.push(mine);
      const events: StorageEventTarget = {
        addEventListener: (_t, fn) => void mine.add(fn),
        removeEventListener: (_t, fn) => void mine.delete(fn),
      };
      // A write in one tab fires `storage` in the others, as browsers do.
      const shared: StorageLike = {
        get length() {
          return ls.length;
        },
        key: (i) => ls.key(i),
        getItem: (k) => ls.getItem(k),
        setItem: (k, v) => (
          ls.setItem(k, v),
          tabs.filter((t) => t !== mine).forEach((t) => t.forEach((fn) => fn({ key: k })))
        ),
        removeItem: (k) => (
          ls.removeItem(k),
          tabs.filter((t) => t !== mine).forEach((t) => t.forEach((fn) => fn({ key: k })))
        ),
      };
      return {
        storage: localStorageStorage(undefined, { storage: shared, events }),
        lock: replayLock(undefined, { locks }),
      };
    };
    return { ls, tab };
  }

  test("each entry is sent once across both tabs; the enqueuing tab's waiting caller learns it was replayed elsewhere", async () => {
    const { ls, tab } = origin();
    const net1 = manualConnectivity(false);
    const net2 = manualConnectivity(false);
    const t1 = make({ ...tab(), connectivity: net1 });
    const t2 = make({ ...tab(), connectivity: net2 });
    await Promise.all([t1.outbox.ready, t2.outbox.ready]);
    const settled: OutboxSettlement[] = [];
    const a = await t1.outbox.enqueue(input(1), (s) => settled.push(s));
    const b = await t2.outbox.enqueue(input(2));
    await tick();
    expect(t1.outbox.entries.map((e) => e.id)).toEqual([a.entry.id, b.entry.id]); // each tab sees both
    net2.setOnline(true); // tab 2 comes online first and takes the lock
    await tick();
    net1.setOnline(true); // tab 1's replay waits for its turn
    const t1Flush = t1.outbox.flush();
    await tick();
    expect(t1.script.deliver).not.toHaveBeenCalled();
    await t2.script.answer({ status: 'delivered' });
    await t2.script.answer({ status: 'delivered' });
    await expect(t1Flush).resolves.toEqual({ delivered: 0, rejected: 0, remaining: 0 });
    expect(t2.script.calls.map((e) => e.id)).toEqual([a.entry.id, b.entry.id]);
    expect(t1.script.deliver).not.toHaveBeenCalled();
    expect(ls.map.size).toBe(0);
    expect(settled.map((s) => s.status)).toEqual(['removed-elsewhere']);
  });
});

describe('two tabs without storage events (IndexedDB)', () => {
  test('an entry tab 1 queued while tab 2 replayed is sent by tab 1 on its turn, not left behind', async () => {
    const shared = memoryStorage(); // no subscribe: like IndexedDB, tabs learn only by re-loading
    const lock = replayLock('shared-idb-like');
    const net1 = manualConnectivity(false);
    const net2 = manualConnectivity(false);
    const t1 = make({ storage: shared, lock, connectivity: net1 });
    const t2 = make({ storage: shared, lock, connectivity: net2 });
    await Promise.all([t1.outbox.ready, t2.outbox.ready]);
    const a = await t2.outbox.enqueue(input(1));
    net2.setOnline(true); // tab 2 replays a
    await tick();
    const b = await t1.outbox.enqueue(input(2)); // queued meanwhile, unseen by tab 2
    net1.setOnline(true); // tab 1 waits for the lock
    await tick();
    await t2.script.answer({ status: 'delivered' });
    expect(t2.script.calls.map((e) => e.id)).toEqual([a.entry.id]);
    expect(t1.script.calls.map((e) => e.id)).toEqual([b.entry.id]); // tab 1's turn: re-loaded, a is gone, b goes
    await t1.script.answer({ status: 'delivered' });
    expect(await shared.load()).toEqual([]);
  });
});

describe('dispose and failing storage during a replay', () => {
  test('dispose mid-request releases the lock; the entry stays stored with its attempt for the next load', async () => {
    const storage = memoryStorage();
    const lock = replayLock('dispose-mid-request');
    const first = make({ storage, lock, connectivity: manualConnectivity(true) });
    await first.outbox.enqueue(input(1));
    const flushed = first.outbox.flush();
    await tick();
    expect(first.script.calls).toHaveLength(1); // the request never answers
    first.outbox.dispose();
    await expect(flushed).resolves.toMatchObject({ stopped: 'disposed', remaining: 1 });
    const next = make({ storage, lock, connectivity: manualConnectivity(true) });
    await next.outbox.ready;
    await tick();
    expect(next.script.calls.map((e) => e.attempts)).toEqual([2]);
    await next.script.answer({ status: 'delivered' });
  });

  test('a storage step that fails during a replay stops it with an event; the entry is kept (sent again later, same key)', async () => {
    const inner = memoryStorage();
    const storage: OutboxStorage = {
      load: () => inner.load(),
      put: (e) => inner.put(e),
      delete: () => Promise.reject(new Error('disk full')),
    };
    const { outbox, script, events } = make({ storage, connectivity: manualConnectivity(true) });
    const { entry } = await outbox.enqueue(input(1));
    const flushed = outbox.flush();
    await tick();
    await script.answer({ status: 'delivered' });
    await expect(flushed).resolves.toEqual({ delivered: 0, rejected: 0, remaining: 1, stopped: 'storage-failed' });
    expect(events.at(-1)).toMatchObject({
      type: 'outbox-storage-error',
      classification: { reason: 'outbox-storage-failed', message: 'Outbox storage: replay step failed: disk full' },
    });
    expect(outbox.entries.map((e) => e.idempotencyKey)).toEqual([entry.idempotencyKey]);
  });

  test.each<[string, () => Promise<never>]>([
    ['rejects (a Web Lock refused)', () => Promise.reject(new Error('SecurityError: locks are not allowed here'))],
    [
      'throws synchronously (a custom lock)',
      () => {
        throw new Error('lock bug');
      },
    ],
  ])(
    'a replay lock that %s ends the flush with one event, never a rejection; nothing is sent, no timer is left',
    async (_, run) => {
      const { outbox, script, events } = make({
        lock: { run },
        connectivity: manualConnectivity(true),
        lockTimeoutMs: 300,
      });
      await outbox.enqueue(input(1));
      await expect(outbox.flush()).resolves.toEqual({
        delivered: 0,
        rejected: 0,
        remaining: 1,
        stopped: 'storage-failed',
      });
      expect(script.calls).toEqual([]);
      const storageErrors = () => events.filter((e) => e.type === 'outbox-storage-error');
      expect(storageErrors()).toEqual([
        expect.objectContaining({
          classification: expect.objectContaining({
            reason: 'outbox-storage-failed',
            message: expect.stringContaining('replay lock failed'),
          }),
        }),
      ]);
      await jest.advanceTimersByTimeAsync(300); // the lock's wait bound is not left armed
      expect(storageErrors()).toHaveLength(1);
      outbox.dispose();
    },
  );

  /** A lock whose turns the test grants by hand (a tab that holds the Web Lock, or a custom lock that never runs its task). */
  const heldLock = () => {
    const turns: Array<() => Promise<unknown>> = [];
    return {
      turns,
      lock: {
        run: <T>(task: () => Promise<T>) =>
          new Promise<T>((resolve, reject) => void turns.push(() => task().then(resolve, reject))),
      },
    };
  };

  test.each([
    ['the default 60 s', undefined, 60_000],
    ['lockTimeoutMs: 250', 250, 250],
    ['an invalid lockTimeoutMs (-1) falls back to 60 s', -1, 60_000],
  ])(
    'a lock that never grants its turn does not hold flush() forever (%s): the flush stops with an event, nothing is sent, the change stays; the backoff tries again',
    async (_, lockTimeoutMs, waitMs) => {
      const { turns, lock } = heldLock();
      const { outbox, script, events } = make({
        lock,
        connectivity: manualConnectivity(true),
        random: () => 0.5,
        ...(lockTimeoutMs === undefined ? {} : { lockTimeoutMs }),
      });
      const { entry } = await outbox.enqueue(input(1));
      let report: unknown;
      void outbox.flush().then((r) => (report = r));
      await jest.advanceTimersByTimeAsync(waitMs - 1);
      expect(report).toBeUndefined();
      expect(outbox.flush()).toBe(outbox.flush()); // still one flight while it waits
      await jest.advanceTimersByTimeAsync(1);
      expect(report).toEqual({ delivered: 0, rejected: 0, remaining: 1, stopped: 'storage-failed' });
      expect(events.at(-1)).toMatchObject({
        type: 'outbox-storage-error',
        classification: {
          category: 'network',
          reason: 'outbox-storage-failed',
          message: `Outbox storage: replay lock not granted within ${waitMs} ms`,
          retryable: false,
        },
      });
      expect(script.calls).toEqual([]);
      expect(outbox.entries.map((e) => e.id)).toEqual([entry.id]);
      expect(outbox.backingOff).toBe(true); // tried again on the retryUnreachable backoff (5 s first)
      expect(turns).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(5_000);
      expect(turns).toHaveLength(2); // a new flush asked for the lock again
    },
  );

  test('a turn granted after the flush gave up is handed back at once: nothing is sent by it, and the next flush replays', async () => {
    const { turns, lock } = heldLock();
    const { outbox, script } = make({
      lock,
      connectivity: manualConnectivity(true),
      lockTimeoutMs: 100,
      retryUnreachable: false,
    });
    await outbox.enqueue(input(1));
    const first = outbox.flush();
    await jest.advanceTimersByTimeAsync(100);
    await expect(first).resolves.toMatchObject({ stopped: 'storage-failed' });
    await expect(turns[0]!()).resolves.toBeUndefined(); // the late turn: returned without a replay
    expect(script.calls).toEqual([]);
    const second = outbox.flush();
    await tick();
    void turns[1]!();
    await tick();
    expect(script.calls.map((e) => e.variables)).toEqual([input(1).variables]);
    await script.answer({ status: 'delivered' });
    await expect(second).resolves.toEqual({ delivered: 1, rejected: 0, remaining: 0 });
  });

  test('a lock granted in time: the wait bound does not cut a replay that runs longer than lockTimeoutMs', async () => {
    const { turns, lock } = heldLock();
    const { outbox, script, events } = make({ lock, connectivity: manualConnectivity(true), lockTimeoutMs: 100 });
    await outbox.enqueue(input(1));
    const flushed = outbox.flush();
    await jest.advanceTimersByTimeAsync(50);
    void turns[0]!();
    await tick();
    await jest.advanceTimersByTimeAsync(1_000); // the request is slow; the lock's wait bound is over
    await script.answer({ status: 'delivered' });
    await expect(flushed).resolves.toEqual({ delivered: 1, rejected: 0, remaining: 0 });
    expect(events.some((e) => e.type === 'outbox-storage-error')).toBe(false);
  });

  test('a lock that fails after the flush gave up: no second event, no rejection', async () => {
    let fail: (error: Error) => void = () => undefined;
    const lock = { run: () => new Promise<never>((_, reject) => (fail = reject)) };
    const { outbox, events } = make({
      lock,
      connectivity: manualConnectivity(true),
      lockTimeoutMs: 100,
      retryUnreachable: false,
    });
    await outbox.enqueue(input(1));
    const flushed = outbox.flush();
    await jest.advanceTimersByTimeAsync(100);
    await expect(flushed).resolves.toMatchObject({ stopped: 'storage-failed' });
    fail(new Error('aborted'));
    await tick();
    expect(events.filter((e) => e.type === 'outbox-storage-error')).toHaveLength(1);
  });

  test('dispose() while a flush waits for the lock: the flush ends as disposed and no timer is left', async () => {
    const { lock } = heldLock();
    const { outbox } = make({ lock, connectivity: manualConnectivity(true) });
    await outbox.enqueue(input(1));
    const flushed = outbox.flush();
    await tick();
    outbox.dispose();
    await expect(flushed).resolves.toEqual({ delivered: 0, rejected: 0, remaining: 1, stopped: 'disposed' });
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('storage that cannot be read', () => {
  test('load fails: an outbox-storage-error event, ready still resolves, the outbox starts empty', async () => {
    const broken: OutboxStorage = {
      load: () => Promise.reject(new Error('IndexedDB blocked')),
      put: async () => undefined,
      delete: async () => undefined,
    };
    const { outbox, events } = make({ storage: broken });
    await outbox.ready;
    expect(events).toEqual([
      expect.objectContaining({
        type: 'outbox-storage-error',
        classification: expect.objectContaining({
          reason: 'outbox-storage-failed',
          message: 'Outbox storage: load failed: IndexedDB blocked',
        }),
      }),
    ]);
    expect(outbox.entries).toEqual([]);
  });

  test('a custom adapter returning invalid entries: they are skipped with an event', async () => {
    const weird = {
      load: async () => [{ id: 'x' }, null] as unknown as OutboxEntry[],
      put: async () => undefined,
      delete: async () => undefined,
    };
    const { outbox, events } = make({ storage: weird });
    await outbox.ready;
    expect(events.map((e) => e.type)).toEqual(['outbox-skipped', 'outbox-skipped']);
    expect(outbox.entries).toEqual([]);
  });

  test('a custom adapter returning hostile values (a throwing getter, primitives, far too many entries): never a crash — each bad one is skipped with an event, the good ones load', async () => {
    const good = (await (async () => {
      const scratch = memoryStorage();
      const probe = make({ storage: scratch });
      return (await probe.outbox.enqueue(input(1))).entry;
    })()) as OutboxEntry;
    const hostile = {
      get id(): string {
        throw new Error('getter says no');
      },
    };
    const many = Array.from({ length: 200_000 }, (_, i) => ({ ...good, id: `m${i}`, seq: i }));
    for (const loaded of [[hostile, 5, null, 'x', good], many]) {
      const storage: OutboxStorage = {
        load: async () => loaded as OutboxEntry[],
        put: async () => undefined,
        delete: async () => undefined,
      };
      const { outbox, events } = make({ storage, maxEntries: 1_000_000 });
      await expect(outbox.ready).resolves.toBeUndefined();
      expect(outbox.entries.length).toBe(loaded === many ? 200_000 : 1);
      if (loaded !== many) expect(events.filter((e) => e.type === 'outbox-skipped')).toHaveLength(4);
      outbox.dispose();
    }
  }, 20_000);

  test('a storage whose subscribe throws: reported once, ready still resolves, changes are still kept and replayed', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const inner = memoryStorage();
    const storage: OutboxStorage = {
      ...inner,
      load: () => inner.load(),
      subscribe: () => {
        throw new Error('no storage events here');
      },
    };
    const { outbox, script, connectivity } = make({ storage });
    await expect(outbox.ready).resolves.toBeUndefined();
    await outbox.enqueue(input(1));
    connectivity.setOnline(true);
    await tick();
    expect(script.calls).toHaveLength(1);
    await script.answer({ status: 'delivered' });
    expect(error).toHaveBeenCalledTimes(1);
    error.mockRestore();
  });

  test('deliver is required', () => {
    expect(() => new Outbox({} as never)).toThrow(/deliver/);
  });
});

describe('defaultRecordKey', () => {
  test.each<[string, Record<string, unknown>, string | undefined]>([
    ['id beside _etag in input', { input: { id: 'po-1', _etag: 'e1', qty: 2 } }, 'Op:po-1'],
    ['id beside etag at the top', { id: 7, etag: 'e1' }, 'Op:7'],
    ['nested deeper', { patch: { order: { id: 'o-9', _etag: 'x' } } }, 'Op:o-9'],
    ['no etag: not serialized', { input: { id: 'po-1' } }, undefined],
    ['etag without an id beside it', { id: 'outer', input: { _etag: 'e1' } }, undefined],
    ['an object id is no key', { input: { id: { nested: true }, _etag: 'e' } }, undefined],
  ])('%s', (_name, variables, expected) => {
    expect(defaultRecordKey('Op', variables)).toBe(expected);
  });

  test('a custom record key maps several mutations to one record', async () => {
    const { outbox } = make({ recordKey: (_op, v) => `PurchaseOrder:${String((v.input as { id: string }).id)}` });
    expect((await outbox.enqueue(input(4))).entry.recordKey).toBe('PurchaseOrder:po-4');
  });
});

describe('property: replay order and exactly-once per verdict', () => {
  type Step =
    | { op: 'enqueue' }
    | { op: 'online'; value: boolean }
    | { op: 'answer'; verdict: 'delivered' | 'rejected' | 'unreachable' }
    | { op: 'discard'; pick: number }
    | { op: 'flush' };
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 3, arbitrary: fc.constant({ op: 'enqueue' as const }) },
    { weight: 2, arbitrary: fc.boolean().map((value) => ({ op: 'online' as const, value })) },
    {
      weight: 4,
      arbitrary: fc
        .constantFrom('delivered', 'rejected', 'unreachable')
        .map((verdict) => ({ op: 'answer' as const, verdict: verdict as 'delivered' | 'rejected' | 'unreachable' })),
    },
    { weight: 1, arbitrary: fc.nat().map((pick) => ({ op: 'discard' as const, pick })) },
    { weight: 1, arbitrary: fc.constant({ op: 'flush' as const }) },
  );

  test('sends follow enqueue order (an entry is resent only while it heads the queue), one at a time; a delivered or rejected entry is never sent again; storage matches memory', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const { outbox, script, connectivity, storage } = make({ maxEntries: 1_000 });
        const order: string[] = [];
        const finishedAt = new Map<string, number>(); // id → number of sends when its verdict came
        const discards: Array<Promise<boolean>> = [];
        for (const s of steps) {
          if (s.op === 'enqueue') order.push((await outbox.enqueue(input(order.length))).entry.id);
          else if (s.op === 'online') connectivity.setOnline(s.value);
          else if (s.op === 'flush') void outbox.flush();
          else if (s.op === 'discard') {
            const live = outbox.entries;
            // Not awaited: discarding the entry in flight waits for its verdict.
            if (live.length) discards.push(outbox.discard(live[s.pick % live.length]!.id));
          } else if (script.pending.length) {
            const entry = script.pending[0]!.entry;
            const verdict: ReplayOutcome =
              s.verdict === 'delivered'
                ? { status: 'delivered' }
                : { status: s.verdict, classification: s.verdict === 'rejected' ? validation : network };
            await script.answer(verdict);
            if (s.verdict !== 'unreachable') finishedAt.set(entry.id, script.calls.length);
          }
          await tick();
        }
        // Sends never go backwards in enqueue order, and nothing finished is sent again.
        const positions = script.calls.map((e) => order.indexOf(e.id));
        for (let i = 1; i < positions.length; i++) expect(positions[i]!).toBeGreaterThanOrEqual(positions[i - 1]!);
        for (const [id, sends] of finishedAt) expect(script.calls.slice(sends).filter((e) => e.id === id)).toEqual([]);
        expect(script.maxInFlight()).toBeLessThanOrEqual(1);
        // Drain what is in flight, then memory and storage agree.
        connectivity.setOnline(false);
        while (script.pending.length) await script.answer({ status: 'unreachable', classification: network });
        await Promise.all(discards);
        const stored = (await storage.load()).map((e) => e.id).sort();
        expect(outbox.entries.map((e) => e.id).sort()).toEqual(stored);
        for (const id of finishedAt.keys()) expect(stored).not.toContain(id);
        outbox.dispose();
      }),
      { numRuns: 200 },
    );
  });
});

function fakeLocalStorage(): StorageLike & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    get length() {
      return map.size;
    },
    key: (i: number) => [...map.keys()][i] ?? null,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
}
