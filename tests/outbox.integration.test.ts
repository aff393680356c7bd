// The mutation outbox against the real ION-like server, through a real ApolloClient + HttpLink, on
// whichever Apollo Client major this jest project runs (ac4, ac3).
import { createResilienceLink, getClassifications, type ResilienceEvent } from '../src';
import { manualConnectivity } from '../src/offline/connectivity';
import { OutboxLink } from '../src/offline/OutboxLink';
import { memoryStorage, type OutboxStorage } from '../src/offline/storage';
import {
  APOLLO_MAJOR,
  ApolloLink,
  PO_QUERY,
  UPDATE_PO,
  bearer,
  httpLink,
  makeClient,
  run,
  startServer,
  type IonServer,
  reread,
} from './helpers';

let server: IonServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

type Po = { id: string; notes: string; quantity: number; _etag: string };

const disposables: Array<{ dispose(): void }> = [];
afterEach(() => {
  for (const d of disposables.splice(0)) d.dispose();
});

/** One page load: an outbox over `storage`, the resilience link, a token (below the outbox), HTTP. */

function page(
  storage: OutboxStorage,
  online: boolean,
  retry: { maxAttempts?: number } = {},
  withEtag = false,
  retryUnreachable?: { initialDelayMs: number },
) {
  const connectivity = manualConnectivity(online);
  const events: ResilienceEvent[] = [];
  const token = server.issueToken();
  const outbox = new OutboxLink({
    mutations: ['UpdatePurchaseOrder'],
    storage,
    connectivity,
    onEvent: (e) => events.push(e),
    ...(retryUnreachable ? { retryUnreachable } : {}),
  });
  const resilience = createResilienceLink({
    retry: { initialDelayMs: 20, ...retry },
    ...(withEtag ? { etag: { mutations: { UpdatePurchaseOrder: { reread } } } } : {}),
    onEvent: (e) => events.push(e),
  });
  disposables.push(outbox, resilience);
  const client = makeClient(ApolloLink.from([outbox, resilience, bearer(token), httpLink(server)]));
  return { outbox, client, connectivity, events, token };
}

async function load(client: ReturnType<typeof makeClient>, id: string): Promise<Po> {
  const { data, error } = await run<{ purchaseOrder: Po }>(client, 'query', { query: PO_QUERY, variables: { id } });
  expect(error).toBeUndefined();
  return data!.purchaseOrder;
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe(`OutboxLink against the ION-like server on Apollo Client ${APOLLO_MAJOR}`, () => {
  test('a change made offline is stored (no token in storage); after a reload the new link replays it when online; the server applies it once', async () => {
    const storage = memoryStorage();
    const first = page(storage, true);
    const po = await load(first.client, '3');
    first.connectivity.setOnline(false);
    const pending = run<{ updatePurchaseOrder: Po }>(first.client, 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '3', _etag: po._etag, notes: 'counted offline' } },
      optimisticResponse: { updatePurchaseOrder: { ...po, __typename: 'PurchaseOrder', notes: 'counted offline' } },
    } as Parameters<typeof run>[2]);
    await until(() => first.outbox.entries.length === 1);
    // The caller waits; the optimistic change stays in the cache meanwhile.
    const optimistic = (
      first.client as unknown as { readQuery(o: object, optimistic: boolean): { purchaseOrder: Po } | null }
    ).readQuery({ query: PO_QUERY, variables: { id: '3' } }, true);
    expect(optimistic?.purchaseOrder.notes).toBe('counted offline');
    const stored = await storage.load();
    expect(stored).toHaveLength(1);
    const key = stored[0]!.idempotencyKey;
    expect(JSON.stringify(stored)).not.toContain(first.token);
    expect(JSON.stringify(stored)).not.toMatch(/authorization|bearer/i);
    expect(server.stats.appliedMutations).toBe(0);
    expect(server.stats.requestsByKey[key]).toBeUndefined();

    // The page goes away while offline: its caller ends; the change stays stored.
    first.outbox.dispose();
    const gone = await pending;
    expect(getClassifications(gone.error)[0]).toMatchObject({ reason: 'link-disposed' });
    expect(await storage.load()).toHaveLength(1);

    // The next page load, still offline: its first query teaches the link the chain; online replays.
    const second = page(storage, false);
    await second.outbox.ready;
    expect(second.outbox.entries.map((e) => e.idempotencyKey)).toEqual([key]);
    await load(second.client, '3');
    expect(server.stats.appliedMutations).toBe(0);
    second.connectivity.setOnline(true);
    await until(() => second.events.some((e) => e.type === 'outbox-delivered'));
    expect(await storage.load()).toEqual([]);
    expect(server.purchaseOrders.get('3')!.notes).toBe('counted offline');
    expect(server.stats.appliedByKey[key]).toBe(1);
    expect(server.history.filter((h) => h.key === key)).toHaveLength(1);
    const delivered = second.events.find((e) => e.type === 'outbox-delivered');
    expect(delivered).toMatchObject({ operationName: 'UpdatePurchaseOrder' });
    expect((await load(second.client, '3')).notes).toBe('counted offline');
  });

  test('someone else edited the record while the change waited: the replay meets a 409, the etag link re-reads and re-applies (its own key); both changes survive, the caller gets the merged result', async () => {
    const storage = memoryStorage();
    const { client, outbox, connectivity, events } = page(storage, true, {}, true);
    const po = await load(client, '6');
    connectivity.setOnline(false);
    const pending = run<{ updatePurchaseOrder: Po }>(client, 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '6', _etag: po._etag, notes: 'offline note' } },
    });
    await until(() => outbox.entries.length === 1);
    const key = outbox.entries[0]!.idempotencyKey;
    server.inject({ kind: 'edit', id: '6', changes: { quantity: 99 }, by: 'alice@acme.test' });
    connectivity.setOnline(true);
    const { data, error } = await pending;
    expect(error).toBeUndefined();
    expect(data?.updatePurchaseOrder).toMatchObject({ notes: 'offline note', quantity: 99 });
    expect(server.purchaseOrders.get('6')).toMatchObject({ notes: 'offline note', quantity: 99 });
    expect(server.stats.requestsByKey[key]).toBe(1); // the 409, stored under the original key
    expect(server.stats.appliedByKey[key]).toBeUndefined();
    expect(Object.values(server.stats.appliedByKey)).toEqual([1]); // the re-applied write, under its own key
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['outbox-replay', 'conflict', 'reread', 'reapply', 'outbox-delivered']),
    );
  });

  test('two offline edits of one record (both from the same etag) replay in order: the second meets a 409 the etag link resolves; both edits survive, each applied once', async () => {
    const storage = memoryStorage();
    const { client, outbox, connectivity, events } = page(storage, true, {}, true);
    const po = await load(client, '7');
    connectivity.setOnline(false);
    const first = run<{ updatePurchaseOrder: Po }>(client, 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '7', _etag: po._etag, notes: 'first edit' } },
    });
    await until(() => outbox.entries.length === 1);
    const second = run<{ updatePurchaseOrder: Po }>(client, 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '7', _etag: po._etag, quantity: 31 } },
    });
    await until(() => outbox.entries.length === 2);
    connectivity.setOnline(true);
    const [a, b] = await Promise.all([first, second]);
    expect([a.error, b.error]).toEqual([undefined, undefined]);
    expect(server.purchaseOrders.get('7')).toMatchObject({ notes: 'first edit', quantity: 31 });
    expect(server.history.filter((h) => h.id === '7')).toHaveLength(2);
    expect(Object.values(server.stats.appliedByKey).every((n) => n === 1)).toBe(true);
    expect(events.map((e) => e.type).filter((t) => t === 'outbox-delivered')).toHaveLength(2);
  });

  test('the server is unreachable while the device is online: the change is kept, replayed on a backoff, and applied once when the server is back', async () => {
    const storage = memoryStorage();
    const { client, outbox, events } = page(storage, true, { maxAttempts: 2 }, false, { initialDelayMs: 100 });
    const po = await load(client, '8');
    server.inject({ kind: 'drop', phase: 'before', operationName: 'UpdatePurchaseOrder', count: -1 });
    const pending = run<{ updatePurchaseOrder: Po }>(client, 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '8', _etag: po._etag, notes: 'after the outage' } },
    });
    await until(() => events.filter((e) => e.type === 'outbox-unreachable').length >= 2);
    expect(outbox.entries).toHaveLength(1);
    expect(server.stats.appliedMutations).toBe(0);
    server.clearFaults();
    const { data, error } = await pending;
    expect(error).toBeUndefined();
    expect(data?.updatePurchaseOrder.notes).toBe('after the outage');
    expect(Object.values(server.stats.appliedByKey)).toEqual([1]);
    expect(await storage.load()).toEqual([]);
  });

  test('attach(client): the next page load replays before its first operation (a first screen from a persisted cache)', async () => {
    const storage = memoryStorage();
    const first = page(storage, true);
    const po = await load(first.client, '5');
    first.connectivity.setOnline(false);
    const pending = run(first.client, 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '5', _etag: po._etag, quantity: 12 } },
    });
    await until(() => first.outbox.entries.length === 1);
    const key = first.outbox.entries[0]!.idempotencyKey;
    first.outbox.dispose();
    await pending;

    const second = page(storage, true);
    second.outbox.attach(second.client as unknown as Parameters<OutboxLink['attach']>[0]);
    await until(() => second.events.some((e) => e.type === 'outbox-delivered'));
    expect(server.purchaseOrders.get('5')!.quantity).toBe(12);
    expect(server.stats.appliedByKey[key]).toBe(1);
    expect(server.stats.byOperation.PurchaseOrder).toBe(1); // the first page's load only
    expect(await storage.load()).toEqual([]);
  });

  test('the connection drops after the server applied the mutation (the answer is lost): the outbox keeps it and replays it with the same key; applied once, the caller gets the real result', async () => {
    const storage = memoryStorage();
    // The replay waits for the backoff (not at once on a server that just failed): a short one here.
    const { client, outbox, events } = page(storage, true, { maxAttempts: 2 }, false, { initialDelayMs: 50 });
    const po = await load(client, '4');
    // Applied, then the socket is destroyed; the retry's second attempt is dropped too, so the retry gives up.
    server.inject({ kind: 'drop', phase: 'after', operationName: 'UpdatePurchaseOrder', count: 1 });
    server.inject({ kind: 'drop', phase: 'before', operationName: 'UpdatePurchaseOrder', count: 1 });
    const { data, error } = await run<{ updatePurchaseOrder: Po }>(client, 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '4', _etag: po._etag, notes: 'applied once' } },
    });
    expect(error).toBeUndefined();
    expect(data?.updatePurchaseOrder.notes).toBe('applied once');
    const keys = Object.keys(server.stats.requestsByKey);
    expect(keys).toHaveLength(1);
    const key = keys[0]!;
    expect(server.stats.byOperation.UpdatePurchaseOrder).toBe(3); // applied + dropped, dropped before, the outbox's replay
    expect(server.stats.requestsByKey[key]).toBe(2); // a request dropped before it is read is not counted by key
    expect(server.stats.appliedByKey[key]).toBe(1);
    expect(server.stats.idempotentReplays).toBe(1);
    expect(server.history.filter((h) => h.id === '4')).toHaveLength(1);
    expect(events.map((e) => e.type).filter((t) => t.startsWith('outbox-'))).toEqual([
      'outbox-enqueue',
      'outbox-replay',
      'outbox-delivered',
    ]);
    expect(outbox.entries).toEqual([]);
    expect(await storage.load()).toEqual([]);
  });
});
