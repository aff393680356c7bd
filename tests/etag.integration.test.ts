import { createResilienceLink, getClassifications, type EtagConflictLink, type ResilienceEvent } from '../src';
import {
  APOLLO_MAJOR,
  HttpLink,
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

type Po = { id: string; notes: string; quantity: number; counter: number; _etag: string; updatedBy: string };

function client(etag: Partial<EtagConflictLink.Options> = {}, events?: ResilienceEvent[]) {
  return makeClient(
    bearer(server.issueToken())
      .concat(
        createResilienceLink({
          retry: { initialDelayMs: 20 },
          etag: { mutations: { UpdatePurchaseOrder: { reread } }, ...etag },
          onEvent: (e) => events?.push(e),
        }),
      )
      .concat(httpLink(server)),
  );
}

async function load(c: ReturnType<typeof client>, id: string): Promise<Po> {
  const { data } = await run<{ purchaseOrder: Po }>(c, 'query', { query: PO_QUERY, variables: { id } });
  return data!.purchaseOrder;
}

describe(`EtagConflictLink against the ION-like server on Apollo Client ${APOLLO_MAJOR}`, () => {
  test('a non-overlapping concurrent edit is merged: both changes survive, 2 extra round trips', async () => {
    const events: ResilienceEvent[] = [];
    const c = client({}, events);
    const po = await load(c, '1');
    server.inject({ kind: 'edit', id: '1', changes: { quantity: 77 }, by: 'alice@acme.test' });
    const before = server.stats.graphqlRequests;
    const { data, error } = await run<{ updatePurchaseOrder: Po }>(c, 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '1', _etag: po._etag, notes: 'call supplier', quantity: po.quantity } },
    });
    expect(error).toBeUndefined();
    expect(server.stats.graphqlRequests - before).toBe(3);
    expect(server.purchaseOrders.get('1')).toMatchObject({ notes: 'call supplier', quantity: 77 });
    expect(data?.updatePurchaseOrder).toMatchObject({ notes: 'call supplier', quantity: 77 });
    expect(events.map((e) => e.type)).toEqual(['conflict', 'reread', 'reapply']);
  });

  test('an overlapping edit reaches onConflict; on abort nothing is overwritten and the cache shows theirs', async () => {
    const conflicts: EtagConflictLink.Conflict[] = [];
    const c = client({
      onConflict: (conflict) => {
        conflicts.push(conflict);
        return 'abort';
      },
    });
    const po = await load(c, '2');
    server.inject({ kind: 'edit', id: '2', changes: { notes: 'Alice: expedite' }, by: 'alice@acme.test' });
    const { error } = await run(c, 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '2', _etag: po._etag, notes: 'Bob: hold' } },
    });
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]!.fields).toEqual([{ field: 'notes', base: '', mine: 'Bob: hold', theirs: 'Alice: expedite' }]);
    expect(getClassifications(error)[0]).toMatchObject({ category: 'conflict', reason: 'edit-conflict' });
    expect(server.purchaseOrders.get('2')!.notes).toBe('Alice: expedite');
    const cached = (c as unknown as { readQuery(o: object): { purchaseOrder: Po } | null }).readQuery({
      query: PO_QUERY,
      variables: { id: '2' },
    });
    expect(cached?.purchaseOrder).toMatchObject({ notes: 'Alice: expedite', updatedBy: 'alice@acme.test' });
  });

  test('the default onConflict aborts with base, mine and theirs for the UI', async () => {
    const c = client();
    const po = await load(c, '3');
    server.inject({ kind: 'edit', id: '3', changes: { notes: 'theirs' }, by: 'alice@acme.test' });
    const { error } = await run(c, 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '3', _etag: po._etag, notes: 'mine' } },
    });
    const [cls] = getClassifications(error);
    expect(cls).toMatchObject({
      category: 'conflict',
      reason: 'edit-conflict',
      details: { fields: { notes: { base: '', mine: 'mine', theirs: 'theirs' } }, updatedBy: 'alice@acme.test' },
    });
    expect(server.purchaseOrders.get('3')!.notes).toBe('theirs');
  });

  test('with idempotency keys: the re-read carries none, the re-applied mutation its own, and the key-enforcing server never answers 422', async () => {
    const sent: Array<{ operationName: string; key: string | null }> = [];
    const recording: typeof fetch = (input, init) => {
      const body = JSON.parse(String(init?.body ?? '{}')) as { operationName: string };
      sent.push({ operationName: body.operationName, key: new Headers(init?.headers).get('idempotency-key') });
      return fetch(input, init);
    };
    const events: ResilienceEvent[] = [];
    const c = makeClient(
      bearer(server.issueToken())
        .concat(
          createResilienceLink({
            retry: { initialDelayMs: 20, idempotencyKey: true },
            etag: { mutations: { UpdatePurchaseOrder: { reread } } },
            onEvent: (e) => events.push(e),
          }),
        )
        .concat(new HttpLink({ uri: server.graphqlUrl, fetch: recording })),
    );
    const po = await load(c, '6');
    server.inject({ kind: 'edit', id: '6', changes: { quantity: 66 }, by: 'alice@acme.test' });
    sent.length = 0;
    const { error } = await run(c, 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '6', _etag: po._etag, notes: 'keyed' } },
    });
    expect(error).toBeUndefined();
    expect(server.purchaseOrders.get('6')).toMatchObject({ notes: 'keyed', quantity: 66 });
    expect(sent.map((r) => r.operationName)).toEqual(['UpdatePurchaseOrder', 'PurchaseOrder', 'UpdatePurchaseOrder']);
    const [first, rereadRequest, again] = sent;
    expect(rereadRequest!.key).toBeNull();
    expect(first!.key).toEqual(expect.any(String));
    expect(again!.key).toEqual(expect.any(String));
    expect(again!.key).not.toBe(first!.key);
    expect(server.stats.byStatus['422']).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['conflict', 'reread', 'reapply']);
  });

  test('the server enforces keys on every request that carries one (Stripe-style): a 409 is stored too', async () => {
    const key = 'key-0123456789';
    const c = makeClient(bearer(server.issueToken()).concat(httpLink(server, { 'Idempotency-Key': key })));
    const po = server.purchaseOrders.get('7')!;
    const stale = { input: { id: '7', _etag: 'stale-etag', notes: 'x' } };
    expect(
      getClassifications((await run(c, 'mutate', { mutation: UPDATE_PO, variables: stale })).error)[0],
    ).toMatchObject({ category: 'conflict' });
    expect(
      getClassifications((await run(c, 'mutate', { mutation: UPDATE_PO, variables: stale })).error)[0],
    ).toMatchObject({ category: 'conflict' }); // same payload: the stored answer
    expect(server.stats.idempotentReplays).toBe(1);
    const other = await run(c, 'query', { query: PO_QUERY, variables: { id: '7' } });
    expect(getClassifications(other.error)[0]).toMatchObject({ category: 'validation', status: 422 });
    expect(server.purchaseOrders.get('7')!._etag).toBe(po._etag);
  });

  test('N writers × K increments with a custom reapply end at exactly N×K', async () => {
    const N = 4;
    const K = 5;
    const increment: EtagConflictLink.MutationConfig = {
      reread,
      reapply: ({ latest, variables }) => ({
        input: { ...(variables.input as object), counter: (latest.counter as number) + 1 },
      }),
    };
    const writers = Array.from({ length: N }, () =>
      client({ mutations: { UpdatePurchaseOrder: increment }, maxAttempts: 50 }),
    );
    await Promise.all(
      writers.map(async (w) => {
        for (let k = 0; k < K; k++) {
          const po = await load(w, '5');
          const { error } = await run(w, 'mutate', {
            mutation: UPDATE_PO,
            variables: { input: { id: '5', _etag: po._etag, counter: po.counter + 1 } },
          });
          expect(error).toBeUndefined();
        }
      }),
    );
    expect(server.purchaseOrders.get('5')!.counter).toBe(N * K);
  }, 30_000);
});
