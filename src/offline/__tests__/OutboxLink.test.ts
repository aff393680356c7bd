import { ApolloLink } from '@apollo/client/core/index.js';
import { parse } from 'graphql';
import { execute, scripted } from '../../__testUtils__/harness';
import { answer, networkError, serverError, type Sink } from '../../__testUtils__/fixtures';
import { getClassifications } from '../../classify/getClassifications';
import type { ResilienceEvent } from '../../core/events';
import { manualConnectivity } from '../connectivity';
import { OutboxLink } from '../OutboxLink';
import type { OutboxEntry } from '../outbox';
import { memoryStorage, replayLock, type OutboxStorage } from '../storage';

const SAVE = parse('mutation Save($id: ID!, $note: String) { save(id: $id, note: $note) { id note } }');
const OTHER = parse('mutation Other($id: ID!) { other(id: $id) }');
const QUERY = parse('query Load($id: ID!) { item(id: $id) { id note } }');
const saved = (id: string, note = 'n') => ({ data: { save: { id, note } } });

const links: OutboxLink[] = [];
let lockNames = 0;
beforeEach(() => {
  jest.useFakeTimers();
  jest.setSystemTime(new Date('2026-01-01T08:00:00Z'));
});
afterEach(() => {
  for (const link of links.splice(0)) link.dispose();
  expect(jest.getTimerCount()).toBe(0);
  jest.useRealTimers();
});

/** Lets promise chains (storage steps, the replay loop, AC3's asynchronous delivery) run. */
const settle = async (n = 6) => {
  for (let i = 0; i < n; i++) await jest.advanceTimersByTimeAsync(0);
};

/** A storage that records every JSON text it was asked to keep (to look for tokens in it). */
function recordingStorage(): OutboxStorage & { written: string[]; size: () => Promise<number> } {
  const inner = memoryStorage();
  const written: string[] = [];
  return {
    written,
    size: async () => (await inner.load()).length,
    load: () => inner.load(),
    put: (entry) => {
      written.push(JSON.stringify(entry));
      return inner.put(entry);
    },
    delete: (id) => inner.delete(id),
  };
}

type Handler = (sink: Sink, n: number) => void | (() => void);

function setup(
  handler: Handler,
  options: Partial<OutboxLink.Options> & { online?: boolean; storage?: OutboxStorage } = {},
) {
  const connectivity = manualConnectivity(options.online ?? true);
  const storage = options.storage ?? memoryStorage();
  const events: ResilienceEvent[] = [];
  const sizes: number[] = [];
  const terminal = scripted(handler);
  let ids = 0;
  const outbox = new OutboxLink({
    mutations: ['Save'],
    connectivity,
    lock: replayLock(`outbox-link-${++lockNames}`, { locks: undefined }),
    onEvent: (e) => events.push(e),
    onChange: (entries) => sizes.push(entries.length),
    retryUnreachable: { initialDelayMs: 1000, maxDelayMs: 8000 },
    random: () => 0.5, // no jitter
    generateId: () => `id-${++ids}`,
    ...options,
    storage,
  });
  links.push(outbox);
  const chain = ApolloLink.from([outbox, terminal.link]);
  const types = () => events.map((e) => e.type);
  const keyOf = (i: number) =>
    (terminal.requests[i]?.context.headers as Record<string, string> | undefined)?.['Idempotency-Key'];
  return { outbox, chain, connectivity, storage, events, sizes, types, keyOf, ...terminal };
}

const save = (chain: ApolloLink, id = '1', context: Record<string, unknown> = {}) =>
  execute(chain, { query: SAVE, variables: { id, note: `note ${id}` }, context });

describe('OutboxLink: what it handles', () => {
  test('queries, unlisted mutations and `context: { outbox: false }` pass through untouched: no key, nothing stored', async () => {
    const { chain, requests, outbox, events } = setup((sink) => answer(sink, { data: {} }), { online: false });
    await outbox.ready;
    const runs = [
      execute(chain, { query: QUERY, variables: { id: '1' } }),
      execute(chain, { query: OTHER, variables: { id: '1' } }),
      save(chain, '1', { outbox: false }),
    ];
    await settle();
    expect(runs.map((r) => r.complete)).toEqual([true, true, true]);
    expect(requests).toHaveLength(3);
    for (const request of requests) {
      expect((request.context.headers as Record<string, string> | undefined)?.['Idempotency-Key']).toBeUndefined();
      expect(request.context.retry).toBeUndefined();
    }
    expect(outbox.entries).toEqual([]);
    expect(events).toEqual([]);
  });

  test("online, a listed mutation is sent at once with an Idempotency-Key; the retry policy's key is the same, a re-applied one gets its own", async () => {
    const { chain, requests, outbox, keyOf, storage } = setup((sink) => answer(sink, saved('1')));
    await outbox.ready;
    const run = save(chain);
    await settle();
    expect(run.next).toEqual([saved('1')]);
    expect(run.complete).toBe(true);
    expect(requests).toHaveLength(1);
    expect(keyOf(0)).toBe('id-1');
    const retry = requests[0]!.context.retry as { idempotencyKey: { header: string; generate: () => string } };
    expect(retry.idempotencyKey.header).toBe('Idempotency-Key');
    expect(retry.idempotencyKey.generate()).toBe('id-1');
    expect(retry.idempotencyKey.generate()).not.toBe('id-1');
    expect(await storage.load()).toEqual([]);
  });

  test("the operation's own `context.retry` options are kept beside the key; `retry: false` stays false (the header is still sent)", async () => {
    const { chain, requests, outbox, keyOf } = setup((sink) => answer(sink, saved('1')));
    await outbox.ready;
    save(chain, '1', { retry: { maxAttempts: 2 } });
    save(chain, '2', { retry: false });
    await settle();
    expect(requests[0]!.context.retry).toMatchObject({ maxAttempts: 2, idempotencyKey: { header: 'Idempotency-Key' } });
    expect(requests[1]!.context.retry).toBe(false);
    expect(keyOf(1)).toBe('id-2');
  });

  test('`mutations` is required', () => {
    expect(() => new OutboxLink({} as OutboxLink.Options)).toThrow(/mutations/);
  });
});

describe('OutboxLink: offline', () => {
  test('offline, the mutation is stored instead of sent; the caller stays open; online replays it once with its key and the caller gets the result', async () => {
    const { chain, requests, outbox, connectivity, storage, sizes, types, keyOf } = setup(
      (sink) => answer(sink, saved('1')),
      { online: false },
    );
    await outbox.ready;
    execute(chain, { query: QUERY, variables: { id: '1' } }); // the app's first query: the link knows the chain below
    await settle();
    const run = save(chain);
    await settle();
    expect(requests).toHaveLength(1); // the query only
    expect(run.next).toEqual([]);
    expect(run.complete).toBe(false);
    expect(run.error).toBeUndefined();
    const [entry] = (await storage.load()) as [OutboxEntry];
    expect(entry).toMatchObject({
      operationName: 'Save',
      variables: { id: '1', note: 'note 1' },
      idempotencyKey: 'id-1',
      attempts: 0,
    });
    expect(entry.query).toContain('mutation Save');
    expect(outbox.entries.map((e) => e.id)).toEqual([entry.id]);

    connectivity.setOnline(true);
    await settle();
    expect(requests).toHaveLength(2);
    expect(keyOf(1)).toBe('id-1');
    expect(run.next).toEqual([saved('1')]);
    expect(run.complete).toBe(true);
    expect(await storage.load()).toEqual([]);
    expect(types()).toEqual(['outbox-enqueue', 'outbox-replay', 'outbox-delivered']);
    expect(sizes.slice(-3)).toEqual([1, 1, 0]);
  });

  test('a mutation that fails with no answer (connection refused) is kept and replayed on a backoff while online — not at once; every send carries the same key', async () => {
    const { chain, requests, outbox, keyOf, types } = setup((sink, n) =>
      answer(sink, n <= 2 ? networkError('ECONNREFUSED') : saved('1')),
    );
    await outbox.ready;
    const run = save(chain);
    await settle();
    expect(requests).toHaveLength(1); // the live send only: the server just failed, the replay waits for the backoff
    expect(run.complete).toBe(false);
    expect(outbox.entries).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(999);
    expect(requests).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    await settle();
    expect(requests).toHaveLength(2); // the first replay fails too: the backoff doubles
    expect(outbox.entries[0]!.lastError).toMatchObject({ category: 'network', reason: 'connection-refused' });
    await jest.advanceTimersByTimeAsync(1_999);
    expect(requests).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    await settle();
    expect(requests).toHaveLength(3);
    expect([keyOf(0), keyOf(1), keyOf(2)]).toEqual(['id-1', 'id-1', 'id-1']);
    expect(run.next).toEqual([saved('1')]);
    expect(run.complete).toBe(true);
    expect(types()).toEqual([
      'outbox-enqueue',
      'outbox-replay',
      'outbox-unreachable',
      'outbox-replay',
      'outbox-delivered',
    ]);
  });

  test('while a replay backs off, a new change waits behind the others for the backoff instead of replaying at once', async () => {
    const { chain, requests, outbox } = setup((sink, n) =>
      answer(sink, n === 1 ? networkError('ECONNREFUSED') : saved(String(n))),
    );
    await outbox.ready;
    const first = save(chain, '1');
    await settle();
    const second = save(chain, '2'); // queued behind the first
    await settle();
    expect(requests).toHaveLength(1);
    expect(outbox.entries.map((e) => e.variables.id)).toEqual(['1', '2']);
    await jest.advanceTimersByTimeAsync(1_000);
    await settle();
    expect(requests.map((r) => r.variables.id)).toEqual(['1', '1', '2']);
    expect(first.complete && second.complete).toBe(true);
  });

  test('a live answer of the server (a 500, a 409) fails to the caller as before: nothing is stored', async () => {
    const { chain, outbox } = setup((sink, n) => answer(sink, serverError(n === 1 ? 500 : 409)));
    await outbox.ready;
    const first = save(chain, '1');
    const second = save(chain, '2');
    await settle();
    expect((first.error as { statusCode?: number }).statusCode).toBe(500);
    expect((second.error as { statusCode?: number }).statusCode).toBe(409);
    expect(outbox.entries).toEqual([]);
  });

  test('going offline while the mutation is on its way cancels the request and keeps the change (same key)', async () => {
    const { chain, requests, teardowns, outbox, connectivity, keyOf } = setup((sink, n) =>
      n === 1 ? undefined : answer(sink, saved('1')),
    );
    await outbox.ready;
    const run = save(chain);
    await settle();
    connectivity.setOnline(false);
    await settle();
    expect(teardowns.count).toBe(1);
    expect(outbox.entries).toHaveLength(1);
    expect(outbox.entries[0]!.idempotencyKey).toBe('id-1');
    connectivity.setOnline(true);
    await settle();
    expect(requests).toHaveLength(2);
    expect(keyOf(1)).toBe('id-1');
    expect(run.complete).toBe(true);
  });

  test('changes are replayed in the order they were made, one at a time; a mutation made while older ones wait goes after them', async () => {
    const pending: Sink[] = [];
    const { chain, requests, outbox, connectivity } = setup((sink) => void pending.push(sink), { online: false });
    await outbox.ready;
    execute(chain, { query: QUERY, variables: { id: '0' } });
    await settle();
    pending.shift()!.complete();
    const a = save(chain, 'a');
    await settle();
    const b = save(chain, 'b');
    await settle();
    connectivity.setOnline(true);
    await settle();
    const c = save(chain, 'c'); // online, but older changes wait: it is queued behind them
    await settle();
    expect(requests.map((r) => r.variables.id)).toEqual(['0', 'a']);
    answer(pending.shift()!, saved('a'));
    await settle();
    expect(requests.map((r) => r.variables.id)).toEqual(['0', 'a', 'b']);
    answer(pending.shift()!, saved('b'));
    await settle();
    answer(pending.shift()!, saved('c'));
    await settle();
    expect(requests.map((r) => r.variables.id)).toEqual(['0', 'a', 'b', 'c']);
    expect([a, b, c].map((r) => r.next)).toEqual([[saved('a')], [saved('b')], [saved('c')]]);
    expect(outbox.entries).toEqual([]);
  });
});

describe('OutboxLink: how a waiting change ends', () => {
  async function waitingChange(handler: Handler, options: Partial<OutboxLink.Options> = {}) {
    const s = setup(handler, { online: false, ...options });
    await s.outbox.ready;
    execute(s.chain, { query: QUERY, variables: { id: '0' } });
    await settle();
    const run = save(s.chain);
    await settle();
    return { ...s, run };
  }

  test('the server refuses it on replay (a validation error): removed, the caller gets the error', async () => {
    const refusal = serverError(422);
    const { run, connectivity, outbox, types } = await waitingChange((sink, n) =>
      answer(sink, n === 1 ? { data: {} } : refusal),
    );
    connectivity.setOnline(true);
    await settle();
    expect(run.error).toBe(refusal);
    expect(outbox.entries).toEqual([]);
    expect(types()).toEqual(['outbox-enqueue', 'outbox-replay', 'outbox-rejected']);
  });

  test('GraphQL errors without data on replay: removed, the caller gets the result as the server gave it', async () => {
    const result = { data: null, errors: [{ message: 'note too long', extensions: { code: 'BAD_USER_INPUT' } }] };
    const { run, connectivity, outbox, types } = await waitingChange((sink, n) =>
      answer(sink, n === 1 ? { data: {} } : result),
    );
    connectivity.setOnline(true);
    await settle();
    expect(run.next).toEqual([result]);
    expect(run.complete).toBe(true);
    expect(outbox.entries).toEqual([]);
    expect(types()).toContain('outbox-rejected');
  });

  test('discard(id): removed, the caller fails with outbox-discarded (Apollo rolls the optimistic change back)', async () => {
    const { run, outbox, storage, types } = await waitingChange((sink) => answer(sink, { data: {} }));
    expect(await outbox.discard(outbox.entries[0]!.id)).toBe(true);
    await settle();
    expect(getClassifications(run.error)[0]).toMatchObject({ category: 'network', reason: 'outbox-discarded' });
    expect(await storage.load()).toEqual([]);
    expect(types()).toEqual(['outbox-enqueue', 'outbox-discarded']);
    expect(await outbox.discard('nope')).toBe(false);
  });

  test('maxAgeMs: an expired change is dropped by its timer; the caller fails with outbox-expired', async () => {
    const { run, outbox } = await waitingChange((sink) => answer(sink, { data: {} }), { maxAgeMs: 60_000 });
    await jest.advanceTimersByTimeAsync(59_999);
    expect(run.error).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    await settle();
    expect(getClassifications(run.error)[0]).toMatchObject({ reason: 'outbox-expired' });
    expect(outbox.entries).toEqual([]);
  });

  test('maxEntries: one more change fails at once with outbox-full; the older ones are kept', async () => {
    const { chain, outbox } = await waitingChange((sink) => answer(sink, { data: {} }), { maxEntries: 1 });
    const second = save(chain, '2');
    await settle();
    expect(getClassifications(second.error)[0]).toMatchObject({ category: 'network', reason: 'outbox-full' });
    expect(outbox.entries.map((e) => e.variables.id)).toEqual(['1']);
  });

  test('a 401 on replay keeps the change (the user signs in again); flush() sends it again', async () => {
    const { run, connectivity, outbox } = await waitingChange(
      (sink, n) => answer(sink, n === 1 ? { data: {} } : n === 2 ? serverError(401) : saved('1')),
      { retryUnreachable: false },
    );
    connectivity.setOnline(true);
    await settle();
    expect(outbox.entries).toHaveLength(1);
    expect(outbox.entries[0]!.lastError).toMatchObject({ category: 'unauthenticated' });
    const report = await outbox.flush();
    await settle();
    expect(report).toMatchObject({ delivered: 1, remaining: 0 });
    expect(run.next).toEqual([saved('1')]);
  });
});

describe('OutboxLink: a reload', () => {
  test('a change stored by one link is replayed by a new link over the same storage once the client runs its first operation, with its key; the result goes to onEvent', async () => {
    const storage = memoryStorage();
    const first = setup((sink) => answer(sink, { data: {} }), { online: false, storage });
    await first.outbox.ready;
    const run = save(first.chain);
    await settle();
    first.outbox.dispose(); // the page goes away
    await settle();
    expect(getClassifications(run.error)[0]).toMatchObject({ reason: 'link-disposed' });
    expect(await storage.load()).toHaveLength(1);

    const second = setup((sink, n) => answer(sink, n === 1 ? { data: { item: null } } : saved('1')), { storage });
    await second.outbox.ready;
    expect(second.outbox.entries).toHaveLength(1);
    expect(await second.outbox.flush()).toMatchObject({ delivered: 0, stopped: 'offline' }); // the chain below is not known yet
    expect(second.requests).toHaveLength(0);
    execute(second.chain, { query: QUERY, variables: { id: '1' } });
    await settle();
    expect(second.requests.map((r) => r.variables)).toEqual([{ id: '1' }, { id: '1', note: 'note 1' }]);
    expect(second.keyOf(1)).toBe('id-1'); // the key of the first page load
    expect(second.requests[1]!.context.retry).toMatchObject({ idempotencyKey: { header: 'Idempotency-Key' } });
    expect(await storage.load()).toEqual([]);
    const delivered = second.events.find((e) => e.type === 'outbox-delivered');
    expect(delivered).toMatchObject({ operationName: 'Save', result: saved('1') });
  });
});

describe('OutboxLink: attach(client)', () => {
  test('replays what an earlier page load stored without waiting for an operation, through the client’s chain, with the stored key', async () => {
    const storage = memoryStorage();
    const first = setup((sink) => answer(sink, { data: {} }), { online: false, storage });
    await first.outbox.ready;
    save(first.chain).unsubscribe();
    await settle();
    first.outbox.dispose();
    const second = setup((sink) => answer(sink, saved('1')), { online: false, storage });
    second.outbox.attach({ link: second.chain });
    await settle();
    expect(second.requests).toHaveLength(0); // offline
    second.connectivity.setOnline(true);
    await settle();
    expect(second.requests).toHaveLength(1);
    expect(second.keyOf(0)).toBe('id-1');
    expect(await storage.load()).toEqual([]);
    expect(second.types()).toEqual(['outbox-replay', 'outbox-delivered']);
  });

  test('online at attach: the replay starts at once', async () => {
    const storage = memoryStorage();
    const first = setup((sink) => answer(sink, { data: {} }), { online: false, storage });
    await first.outbox.ready;
    save(first.chain).unsubscribe();
    await settle();
    first.outbox.dispose();
    const second = setup((sink) => answer(sink, saved('1')), { storage });
    second.outbox.attach({ link: second.chain });
    await settle();
    expect(second.requests.map((r) => r.variables)).toEqual([{ id: '1', note: 'note 1' }]);
    expect(second.outbox.entries).toEqual([]);
  });
});

describe('OutboxLink: two tabs', () => {
  test("another tab replays this tab's waiting change first: sent once; this tab's caller fails with outbox-removed-elsewhere and sends nothing", async () => {
    const storage = memoryStorage();
    const lock = replayLock(`two-tabs-${++lockNames}`, { locks: undefined });
    const a = setup((sink) => answer(sink, { data: {} }), { online: false, storage, lock });
    await a.outbox.ready;
    execute(a.chain, { query: QUERY, variables: { id: '0' } });
    await settle();
    const run = save(a.chain);
    await settle();
    const b = setup((sink, n) => answer(sink, n === 1 ? { data: {} } : saved('1')), { storage, lock });
    await b.outbox.ready;
    execute(b.chain, { query: QUERY, variables: { id: '0' } }); // tab B's first operation: it replays
    await settle();
    expect(b.requests).toHaveLength(2);
    expect(b.keyOf(1)).toBe('id-1');
    a.connectivity.setOnline(true); // tab A's replay re-reads the storage first: the change is gone
    await settle();
    expect(a.requests).toHaveLength(1); // its first query only
    expect(getClassifications(run.error)[0]).toMatchObject({ category: 'network', reason: 'outbox-removed-elsewhere' });
    expect(a.outbox.entries).toEqual([]);
  });
});

describe('OutboxLink: no token is ever stored', () => {
  test('a token in the headers, the context and an auth link below never reaches storage', async () => {
    const storage = recordingStorage();
    const { chain, outbox, requests, connectivity } = setup((sink) => answer(sink, saved('1')), {
      online: false,
      storage,
    });
    await outbox.ready;
    execute(chain, { query: QUERY, variables: { id: '0' } });
    await settle();
    save(chain, '1', {
      headers: { Authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig-TOKEN-1' },
      token: 'TOKEN-2',
      credentials: 'include',
    });
    await settle();
    connectivity.setOnline(true);
    await settle();
    expect(requests).toHaveLength(2);
    expect(storage.written.length).toBeGreaterThanOrEqual(2); // enqueued, then its attempt counted
    const text = storage.written.join('\n');
    expect(text).not.toMatch(/TOKEN|Bearer|eyJ|Authorization|credentials/);
    expect(Object.keys(JSON.parse(storage.written[0]!) as object).sort()).toEqual([
      'attempts',
      'enqueuedAt',
      'id',
      'idempotencyKey',
      'operationName',
      'query',
      'seq',
      'variables',
    ]);
  });
});

describe('OutboxLink: teardown', () => {
  test('unsubscribing a waiting caller does not discard its change: it is replayed, its result goes to onEvent', async () => {
    const { chain, outbox, connectivity, requests, types } = setup((sink) => answer(sink, saved('1')), {
      online: false,
    });
    await outbox.ready;
    execute(chain, { query: QUERY, variables: { id: '0' } });
    await settle();
    const run = save(chain);
    await settle();
    run.unsubscribe();
    await settle();
    expect(outbox.entries).toHaveLength(1);
    connectivity.setOnline(true);
    await settle();
    expect(requests).toHaveLength(2);
    expect(run.next).toEqual([]);
    expect(types()).toEqual(['outbox-enqueue', 'outbox-replay', 'outbox-delivered']);
  });

  test('unsubscribing while the change is being stored keeps it stored', async () => {
    const { chain, outbox } = setup((sink) => answer(sink, saved('1')), { online: false });
    const run = save(chain); // before the outbox loaded: it is stored
    run.unsubscribe();
    await settle();
    expect(outbox.entries).toHaveLength(1);
  });

  test('unsubscribing a live mutation cancels its request and stores nothing', async () => {
    const { chain, outbox, teardowns } = setup(() => undefined);
    await outbox.ready;
    const run = save(chain);
    await settle();
    run.unsubscribe();
    await settle();
    expect(teardowns.count).toBe(1);
    expect(outbox.entries).toEqual([]);
  });

  test('dispose() fails the waiting caller with link-disposed, stops the backoff timer and the online listener; the change stays stored', async () => {
    const { chain, outbox, connectivity, requests, storage } = setup((sink) =>
      answer(sink, networkError('ECONNREFUSED')),
    );
    await outbox.ready;
    const run = save(chain);
    await settle();
    expect(requests).toHaveLength(1);
    expect(jest.getTimerCount()).toBeGreaterThan(0); // the replay backoff and the expiry timer
    outbox.dispose();
    await settle();
    expect(getClassifications(run.error)[0]).toMatchObject({ reason: 'link-disposed' });
    expect(jest.getTimerCount()).toBe(0);
    connectivity.setOnline(false);
    connectivity.setOnline(true);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(requests).toHaveLength(1);
    expect(await storage.load()).toHaveLength(1);
    const later = save(chain, '2');
    await settle();
    expect(getClassifications(later.error)[0]).toMatchObject({ reason: 'link-disposed' });
  });

  test('dispose() during a replay cancels its request', async () => {
    const { chain, outbox, connectivity, teardowns, requests } = setup(
      (sink, n) => (n === 1 ? answer(sink, { data: {} }) : undefined),
      { online: false },
    );
    await outbox.ready;
    execute(chain, { query: QUERY, variables: { id: '0' } });
    await settle();
    save(chain).unsubscribe(); // nobody waits: the replay runs on a new operation
    await settle();
    connectivity.setOnline(true);
    await settle();
    expect(requests).toHaveLength(2);
    outbox.dispose();
    await settle();
    expect(teardowns.count).toBe(2);
  });
});

describe('OutboxLink: user callbacks', () => {
  test('onChange and onEvent that throw never stop a change', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const { chain, outbox, connectivity } = setup((sink) => answer(sink, saved('1')), {
      online: false,
      onChange: () => {
        throw new Error('ui broke');
      },
      onEvent: () => {
        throw new Error('log broke');
      },
    });
    await outbox.ready;
    execute(chain, { query: QUERY, variables: { id: '0' } });
    await settle();
    const run = save(chain);
    await settle();
    connectivity.setOnline(true);
    await settle();
    expect(run.next).toEqual([saved('1')]);
    expect(run.complete).toBe(true);
    error.mockRestore();
  });

  test('a connectivity source whose isOnline throws counts as online (reported once): the mutation is sent', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const { chain, outbox, requests } = setup((sink) => answer(sink, saved('1')), {
      connectivity: {
        isOnline: () => {
          throw new Error('NetInfo not ready');
        },
        subscribe: () => () => undefined,
      },
    });
    await outbox.ready;
    const runs = [save(chain, '1'), save(chain, '2')];
    await settle();
    expect(runs.map((r) => r.complete)).toEqual([true, true]);
    expect(requests).toHaveLength(2);
    expect(error).toHaveBeenCalledTimes(1);
    error.mockRestore();
  });

  test('generateId that throws fails the mutation with a classified error', async () => {
    const { chain, outbox, requests } = setup((sink) => answer(sink, saved('1')), {
      generateId: () => {
        throw new Error('no entropy');
      },
    });
    await outbox.ready;
    const run = save(chain);
    await settle();
    expect(getClassifications(run.error)).toHaveLength(1);
    expect(requests).toHaveLength(0);
  });
});

describe('OutboxLink: a storage adapter that never settles', () => {
  const never = () => new Promise<never>(() => undefined);

  test('load and put that never settle: the caller fails after storageTimeoutMs (default 10 s) with network/outbox-storage-failed; no timer is left', async () => {
    const { chain, outbox, events } = setup((sink) => answer(sink, saved('1')), {
      online: false,
      storage: { load: never, put: never, delete: never },
    });
    const run = save(chain);
    await jest.advanceTimersByTimeAsync(9_999);
    expect(run.error).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1); // the load gives up: the outbox starts empty
    await settle();
    expect(events.map((e) => e.type)).toEqual(['outbox-storage-error']);
    await jest.advanceTimersByTimeAsync(10_000); // the write gives up
    await settle();
    expect(getClassifications(run.error)[0]).toMatchObject({
      category: 'network',
      reason: 'outbox-storage-failed',
      message: expect.stringContaining('10000 ms'),
    });
    expect(outbox.entries).toEqual([]);
    await expect(outbox.discard('nope')).resolves.toBe(false);
  });

  test('a write that lands after its timeout is undone: the caller was told the change was not kept, so it is never replayed', async () => {
    const inner = memoryStorage();
    let land!: () => void;
    const storage: OutboxStorage = {
      load: () => inner.load(),
      put: (entry) => new Promise<void>((resolve) => (land = () => void inner.put(entry).then(resolve))),
      delete: (id) => inner.delete(id),
    };
    const { chain, outbox } = setup((sink) => answer(sink, saved('1')), {
      online: false,
      storage,
      storageTimeoutMs: 500,
    });
    await outbox.ready;
    const run = save(chain);
    await jest.advanceTimersByTimeAsync(500);
    await settle();
    expect(getClassifications(run.error)[0]).toMatchObject({ reason: 'outbox-storage-failed' });
    land();
    await settle();
    expect(await inner.load()).toEqual([]);
  });

  test('a delete that never settles after a delivery: the replay stops with an event, the change is kept and sent again on the backoff with its key; the caller gets the result', async () => {
    const inner = memoryStorage();
    let deletes = 0;
    const storage: OutboxStorage = {
      load: () => inner.load(),
      put: (entry) => inner.put(entry),
      delete: (id) => (++deletes === 1 ? never() : inner.delete(id)),
    };
    const { chain, outbox, connectivity, requests, keyOf, types } = setup((sink) => answer(sink, saved('1')), {
      online: false,
      storage,
      storageTimeoutMs: 500,
    });
    await outbox.ready;
    execute(chain, { query: QUERY, variables: { id: '0' } });
    await settle();
    const run = save(chain);
    await settle();
    connectivity.setOnline(true);
    await settle();
    expect(requests).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(500);
    await settle();
    expect(types()).toContain('outbox-storage-error');
    expect(run.complete).toBe(false);
    expect(outbox.entries).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1_000); // the backoff
    await settle();
    expect(requests).toHaveLength(3);
    expect([keyOf(1), keyOf(2)]).toEqual(['id-1', 'id-1']);
    expect(run.next).toEqual([saved('1')]);
    expect(run.complete).toBe(true);
    expect(await inner.load()).toEqual([]);
  });

  test('dispose while a storage call hangs: nothing waits for it, no timer is left', async () => {
    const { chain, outbox } = setup((sink) => answer(sink, saved('1')), {
      online: false,
      storage: { load: never, put: never, delete: never },
    });
    const run = save(chain);
    const discarded = outbox.discard('x');
    await settle();
    outbox.dispose();
    await settle();
    expect(getClassifications(run.error)[0]).toMatchObject({ reason: 'link-disposed' });
    await expect(discarded).resolves.toBe(false);
  });
});

describe('OutboxLink: a replay request that never answers', () => {
  test.each([
    ['its caller waits', false],
    ['nobody waits (a reload)', true],
  ])(
    'without a retry link below, it is cancelled after replayTimeoutMs (default 10 min: above the retry attempts and a conflict decision), kept as unreachable, and sent again on the backoff with its key (%s)',
    async (_, unsubscribed) => {
      const { chain, outbox, connectivity, requests, teardowns, keyOf, events } = setup(
        (sink, n) => (n === 1 ? answer(sink, { data: {} }) : n === 2 ? undefined : answer(sink, saved('1'))),
        { online: false },
      );
      await outbox.ready;
      execute(chain, { query: QUERY, variables: { id: '0' } });
      await settle();
      const run = save(chain);
      await settle();
      if (unsubscribed) run.unsubscribe();
      connectivity.setOnline(true);
      await settle();
      expect(requests).toHaveLength(2);
      const before = teardowns.count; // the first query's
      await jest.advanceTimersByTimeAsync(599_999);
      expect(teardowns.count).toBe(before);
      await jest.advanceTimersByTimeAsync(1);
      await settle();
      expect(teardowns.count).toBe(before + 1);
      expect(events.find((e) => e.type === 'outbox-unreachable')).toMatchObject({
        classification: { category: 'network', reason: 'timeout' },
      });
      expect(outbox.entries).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1_000); // the backoff
      await settle();
      expect(requests).toHaveLength(3);
      expect(keyOf(2)).toBe('id-1');
      expect(outbox.entries).toEqual([]);
      if (!unsubscribed) expect(run.next).toEqual([saved('1')]);
    },
  );

  test('replayTimeoutMs is an option; dispose before it cancels the request and leaves no timer', async () => {
    const { chain, outbox, connectivity, teardowns, requests } = setup(
      (sink, n) => (n === 1 ? answer(sink, { data: {} }) : undefined),
      { online: false, replayTimeoutMs: 5_000 },
    );
    await outbox.ready;
    execute(chain, { query: QUERY, variables: { id: '0' } });
    await settle();
    save(chain);
    await settle();
    connectivity.setOnline(true);
    await settle();
    const before = teardowns.count; // the first query's
    await jest.advanceTimersByTimeAsync(5_000);
    await settle();
    expect(teardowns.count).toBe(before + 1);
    expect(requests).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1_000); // the backoff: sent again
    await settle();
    expect(requests).toHaveLength(3);
    outbox.dispose();
    await settle();
    expect(teardowns.count).toBe(before + 2);
  });
});

describe('OutboxLink: a lock that never grants its turn', () => {
  test('lockTimeoutMs is an option: the replay stops with an event after it, the change stays, and the next turn sends it', async () => {
    let grants = 0;
    const lock = {
      run: <T>(task: () => Promise<T>): Promise<T> => (++grants === 1 ? new Promise<T>(() => undefined) : task()),
    };
    const { chain, outbox, connectivity, requests, events, keyOf } = setup(
      (sink, n) => answer(sink, n === 1 ? { data: {} } : saved('1')),
      { online: false, lock, lockTimeoutMs: 2_000 },
    );
    await outbox.ready;
    execute(chain, { query: QUERY, variables: { id: '0' } });
    await settle();
    const run = save(chain);
    await settle();
    connectivity.setOnline(true);
    await jest.advanceTimersByTimeAsync(1_999);
    expect(events.some((e) => e.type === 'outbox-storage-error')).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(events.at(-1)).toMatchObject({
      type: 'outbox-storage-error',
      classification: {
        reason: 'outbox-storage-failed',
        message: 'Outbox storage: replay lock not granted within 2000 ms',
      },
    });
    expect(requests).toHaveLength(1);
    expect(outbox.entries).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1_000); // the backoff: a new turn, granted
    await settle();
    expect(requests).toHaveLength(2);
    expect(keyOf(1)).toBe('id-1');
    expect(run.next).toEqual([saved('1')]);
    expect(outbox.entries).toEqual([]);
  });
});

describe('OutboxLink: hostile stored entries', () => {
  test.each([
    ['no operation', 'fragment F on Item { id }'],
    ['a query', 'query Steal { secrets }'],
    ['a subscription', 'subscription Watch { changed }'],
    ['two operations', 'mutation A { a } mutation B { b }'],
    ['not GraphQL', '{{{'],
  ])(
    'a stored document with %s is dropped as unreadable (never sent), and the changes after it are replayed',
    async (_, query) => {
      const storage = memoryStorage();
      const base = { variables: { id: '1', note: 'note 1' }, enqueuedAt: Date.now(), attempts: 0 };
      await storage.put({ ...base, id: 'bad', operationName: 'Save', query, idempotencyKey: 'k-bad', seq: 0 });
      await storage.put({
        ...base,
        id: 'good',
        operationName: 'Save',
        query: 'mutation Save($id: ID!, $note: String) { save(id: $id, note: $note) { id note } }',
        idempotencyKey: 'k-good',
        seq: 1,
      });
      const { outbox, chain, requests, events } = setup((sink) => answer(sink, saved('1')), { storage });
      outbox.attach({ link: chain });
      await settle();
      expect(requests.map((r) => r.variables)).toEqual([{ id: '1', note: 'note 1' }]);
      expect(events.find((e) => e.type === 'outbox-rejected')).toMatchObject({
        id: 'bad',
        classification: { reason: 'outbox-entry-unreadable' },
      });
      expect(events.filter((e) => e.type === 'outbox-delivered')).toHaveLength(1);
      expect(await storage.load()).toEqual([]);
    },
  );
});
