// Serialized writes per record (#17, item 3) against the real ION-like server, through a real
// ApolloClient + HttpLink, on the Apollo Client major this jest project maps `@apollo/client` to.
import { createResilienceLink, getClassifications, type ResilienceEvent } from '../src';
import {
  APOLLO_MAJOR,
  HttpLink,
  PO_QUERY,
  UPDATE_PO,
  bearer,
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

type Po = { id: string; notes: string; quantity: number; status: string; supplier: string; _etag: string };

/** Every mutation the client sent: which record, with which etag, and the most in flight at once. */
function recorder() {
  const sent: Array<{ id: string; etag: string }> = [];
  const flight = { now: 0, max: 0 };
  const fetchFn: typeof fetch = async (input, init) => {
    const body = JSON.parse(String(init?.body ?? '{}')) as {
      operationName: string;
      variables: { input?: { id: string; _etag: string } };
    };
    const write = body.operationName === 'UpdatePurchaseOrder' && body.variables.input;
    if (write) {
      sent.push({ id: write.id, etag: write._etag });
      flight.max = Math.max(flight.max, ++flight.now);
    }
    try {
      return await fetch(input, init);
    } finally {
      if (write) flight.now -= 1;
    }
  };
  return { sent, flight, fetchFn };
}

function client(events: ResilienceEvent[] = [], withEtagLink = true) {
  const rec = recorder();
  const http = new HttpLink({ uri: server.graphqlUrl, fetch: rec.fetchFn });
  const link = withEtagLink
    ? createResilienceLink({
        retry: { initialDelayMs: 20, idempotencyKey: true },
        etag: { mutations: { UpdatePurchaseOrder: { reread } } },
        onEvent: (e) => events.push(e),
      })
    : createResilienceLink({ retry: { initialDelayMs: 20 } });
  return { c: makeClient(bearer(server.issueToken()).concat(link).concat(http)), ...rec };
}

async function load(c: ReturnType<typeof client>['c'], id: string): Promise<Po> {
  const { data } = await run<{ purchaseOrder: Po }>(c, 'query', { query: PO_QUERY, variables: { id } });
  return data!.purchaseOrder;
}

const save = (c: ReturnType<typeof client>['c'], input: Record<string, unknown>) =>
  run<{ updatePurchaseOrder: Po }>(c, 'mutate', { mutation: UPDATE_PO, variables: { input } });

describe(`serialized writes per record against the ION-like server on Apollo Client ${APOLLO_MAJOR}`, () => {
  test('two quick saves of one record: 0 conflicts (0 HTTP 409s), both applied, the second with the etag the first returned', async () => {
    const events: ResilienceEvent[] = [];
    const { c, sent } = client(events);
    const po = await load(c, '1');
    // Two saves from the same form state, without waiting for the first (autosave, a double click).
    const [first, second] = await Promise.all([
      save(c, { id: '1', _etag: po._etag, quantity: 41 }),
      save(c, { id: '1', _etag: po._etag, quantity: 41, notes: 'call supplier' }),
    ]);
    expect(first.error).toBeUndefined();
    expect(second.error).toBeUndefined();
    expect(server.stats.byStatus['409']).toBeUndefined();
    expect(events.filter((e) => e.type === 'conflict')).toEqual([]);
    expect(sent.map((s) => s.etag)).toEqual([po._etag, first.data!.updatePurchaseOrder._etag]);
    expect(server.purchaseOrders.get('1')).toMatchObject({ quantity: 41, notes: 'call supplier' });
    expect(second.data!.updatePurchaseOrder._etag).toBe(server.purchaseOrders.get('1')!._etag);
  });

  test('control: the same two saves without the etag link conflict (the second gets a 409)', async () => {
    const { c } = client([], false);
    const po = await load(c, '1');
    const [first, second] = await Promise.all([
      save(c, { id: '1', _etag: po._etag, quantity: 41 }),
      save(c, { id: '1', _etag: po._etag, quantity: 41, notes: 'call supplier' }),
    ]);
    expect(first.error).toBeUndefined();
    expect(getClassifications(second.error)[0]).toMatchObject({ category: 'conflict' });
    expect(server.stats.byStatus['409']).toBe(1);
  });

  test('five quick saves of one record chain in order; saves of another record run beside them', async () => {
    const { c, sent, flight } = client();
    server.inject({ kind: 'slow', delayMs: 50, count: -1, operationName: 'UpdatePurchaseOrder' });
    const [po1, po2] = await Promise.all([load(c, '1'), load(c, '2')]);
    const results = await Promise.all([
      ...[1, 2, 3, 4, 5].map((q) => save(c, { id: '1', _etag: po1._etag, quantity: q })),
      save(c, { id: '2', _etag: po2._etag, notes: 'other record' }),
    ]);
    for (const r of results) expect(r.error).toBeUndefined();
    expect(server.stats.byStatus['409']).toBeUndefined();
    expect(server.purchaseOrders.get('1')!.quantity).toBe(5);
    expect(server.purchaseOrders.get('2')!.notes).toBe('other record');
    expect(sent.filter((s) => s.id === '1').map((s) => s.etag)).toEqual([
      po1._etag,
      ...results.slice(0, 4).map((r) => r.data!.updatePurchaseOrder._etag),
    ]);
    expect(flight.max).toBe(2); // one write of record 1 at a time, record 2's beside it
  });

  test('a rejected first save (422) does not block the second, which sends its own etag', async () => {
    const { c, sent } = client();
    const po = await load(c, '3');
    const [first, second] = await Promise.all([
      save(c, { id: '3', _etag: po._etag, quantity: -1 }),
      save(c, { id: '3', _etag: po._etag, quantity: 12 }),
    ]);
    expect(getClassifications(first.error)[0]).toMatchObject({ category: 'validation', status: 422 });
    expect(second.error).toBeUndefined();
    expect(sent.map((s) => s.etag)).toEqual([po._etag, po._etag]);
    expect(server.stats.byStatus['409']).toBeUndefined();
    expect(server.purchaseOrders.get('3')!.quantity).toBe(12);
  });

  test("someone else's edit before the saves: the second is not swapped past it, it meets it as a 409 and keeps it", async () => {
    const events: ResilienceEvent[] = [];
    const { c } = client(events);
    const po = await load(c, '4');
    server.inject({ kind: 'edit', id: '4', changes: { supplier: 'Borealis Composites' }, by: 'alice@acme.test' });
    const [first, second] = await Promise.all([
      save(c, { id: '4', _etag: po._etag, notes: 'mine' }),
      // A whole-form save: it carries the supplier as the user saw it (before alice's change).
      save(c, { id: '4', _etag: po._etag, notes: 'mine', quantity: 9, supplier: po.supplier }),
    ]);
    expect(first.error).toBeUndefined();
    expect(second.error).toBeUndefined();
    // Each save met alice's change as a 409 and was merged on it: nothing of hers was overwritten.
    expect(server.purchaseOrders.get('4')).toMatchObject({
      notes: 'mine',
      quantity: 9,
      supplier: 'Borealis Composites',
    });
    expect(events.filter((e) => e.type === 'conflict')).toHaveLength(2);
  });
});
