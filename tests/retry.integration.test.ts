import {
  createResilienceLink,
  getClassifications,
  RetryBackoffLink,
  type CircuitOpenEvent,
  type ResilienceEvent,
} from '../src';
import { manualConnectivity } from '../src/offline/connectivity';
import {
  APOLLO_MAJOR,
  PO_QUERY,
  PO_WITH_RATING,
  UPDATE_PO,
  HttpLink,
  bearer,
  httpLink,
  makeClient,
  run,
  startServer,
  type IonServer,
} from './helpers';

let server: IonServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

function client(retry: RetryBackoffLink.Options = {}, events?: ResilienceEvent[]) {
  return makeClient(
    bearer(server.issueToken())
      .concat(createResilienceLink({ retry: { initialDelayMs: 50, ...retry }, onEvent: (e) => events?.push(e) }))
      .concat(httpLink(server)),
  );
}

describe(`RetryBackoffLink against the ION-like server on Apollo Client ${APOLLO_MAJOR}`, () => {
  test('a 502 burst with HTML bodies recovers, with retry events', async () => {
    const events: ResilienceEvent[] = [];
    server.inject({ kind: 'status', status: 502, count: 2 });
    const { data, error } = await run<{ purchaseOrder: { number: string } }>(client({}, events), 'query', {
      query: PO_QUERY,
      variables: { id: '1' },
    });
    expect(error).toBeUndefined();
    expect(data?.purchaseOrder.number).toBe('PO-1001');
    expect(server.stats.graphqlRequests).toBe(3);
    expect(
      events.filter((e) => e.type === 'retry').map((e) => (e.classification as { reason: string }).reason),
    ).toEqual(['bad-gateway', 'bad-gateway']);
  });

  test('429 Retry-After is honoured', async () => {
    server.inject({ kind: 'status', status: 429, retryAfter: '1' });
    const started = Date.now();
    const { error } = await run(client(), 'query', { query: PO_QUERY, variables: { id: '1' } });
    expect(error).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  test('a mutation is not replayed after a 502, but is after a 503', async () => {
    const po = server.purchaseOrders.get('1')!;
    server.inject({ kind: 'status', status: 502, operationName: 'UpdatePurchaseOrder' });
    const first = await run(client(), 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '1', _etag: po._etag, notes: 'a' } },
    });
    expect(getClassifications(first.error)[0]).toMatchObject({ category: 'server', reason: 'bad-gateway' });
    expect(server.stats.byOperation.UpdatePurchaseOrder).toBe(1);
    server.inject({ kind: 'status', status: 503, operationName: 'UpdatePurchaseOrder' });
    const second = await run(client(), 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '1', _etag: po._etag, notes: 'b' } },
    });
    expect(second.error).toBeUndefined();
    expect(server.stats.byOperation.UpdatePurchaseOrder).toBe(3);
    expect(server.purchaseOrders.get('1')!.notes).toBe('b');
  });

  test('partial results are retried and merged', async () => {
    server.inject({ kind: 'partial', field: 'supplierRating' });
    const { data, error } = await run<{ purchaseOrder: { supplierRating: number } }>(client(), 'query', {
      query: PO_WITH_RATING,
      variables: { id: '2' },
      errorPolicy: 'all',
    });
    expect(error).toBeUndefined();
    expect(data?.purchaseOrder.supplierRating).toBe(4);
    expect(server.stats.graphqlRequests).toBe(2);
  });

  test('a persistent partial error still delivers the rest of the data', async () => {
    server.inject({ kind: 'partial', field: 'supplierRating', count: -1 });
    const { data, error } = await run<{
      purchaseOrder: { number: string; supplierRating: number | null; leadTimeDays: number };
    }>(client({ maxAttempts: 2 }), 'query', { query: PO_WITH_RATING, variables: { id: '2' }, errorPolicy: 'all' });
    expect(data?.purchaseOrder).toMatchObject({ number: 'PO-1002', supplierRating: null, leadTimeDays: 9 });
    expect(getClassifications(error)).toEqual([
      expect.objectContaining({ category: 'server', path: ['purchaseOrder', 'supplierRating'] }),
    ]);
  });

  test('defaults: a persistently failing field costs one quick retry (2 requests, well under a second) before the data shows', async () => {
    server.inject({ kind: 'partial', field: 'supplierRating', count: -1 });
    const events: ResilienceEvent[] = [];
    const t0 = Date.now();
    const { data, error } = await run<{ purchaseOrder: { number: string; supplierRating: number | null } }>(
      client({}, events),
      'query',
      { query: PO_WITH_RATING, variables: { id: '2' }, errorPolicy: 'all' },
    );
    const ms = Date.now() - t0;
    expect(data?.purchaseOrder).toMatchObject({ number: 'PO-1002', supplierRating: null });
    expect(getClassifications(error)).toEqual([
      expect.objectContaining({ category: 'server', path: ['purchaseOrder', 'supplierRating'] }),
    ]);
    expect(server.stats.graphqlRequests).toBe(2);
    expect(events.map((e) => e.type)).toEqual(['retry']);
    expect(events[0]).toMatchObject({ delayMs: 250, partial: true });
    expect(ms).toBeLessThan(1500);
  });

  test('total outage: 100 concurrent queries send at most 1.25 requests each, and the circuit opens', async () => {
    const events: ResilienceEvent[] = [];
    server.inject({ kind: 'status', status: 503, count: -1 });
    const c = client({ initialDelayMs: 1000 }, events);
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        run(c, 'query', { query: PO_QUERY, variables: { id: String((i % 20) + 1), n: i } as never }),
      ),
    );
    expect(outcomes.every((o) => o.error !== undefined)).toBe(true);
    const perOperation = server.stats.graphqlRequests / 100;
    expect(perOperation).toBeLessThanOrEqual(1.25);
    expect(events.some((e) => e.type === 'circuit-open')).toBe(true);
    // New operations now fail fast, without a request.
    const before = server.stats.graphqlRequests;
    const fast = await run(c, 'query', { query: PO_QUERY, variables: { id: '1' } });
    expect(getClassifications(fast.error)[0]).toMatchObject({ category: 'server', reason: 'circuit-open' });
    expect(server.stats.graphqlRequests).toBe(before);
  }, 30_000);

  test('recovery (#20): a 3 s outage, one query per 100 ms: first success ≤ 2 s after the server is back, ≤ 20 requests into the outage', async () => {
    const events: ResilienceEvent[] = [];
    server.inject({ kind: 'status', status: 503, count: -1 });
    // The link's defaults; a fixed `random` only pins the jitter so the bound does not depend on luck.
    const c = makeClient(
      bearer(server.issueToken())
        .concat(createResilienceLink({ retry: { random: () => 0.5 }, onEvent: (e) => events.push(e) }))
        .concat(httpLink(server)),
    );
    const t0 = Date.now();
    let recoveredAt = Infinity;
    let firstSuccessAt: number | undefined;
    let duringOutage = 0;
    const pending: Array<Promise<unknown>> = [];
    for (let n = 0; firstSuccessAt === undefined && n < 100; n++) {
      if (n === 30) {
        duringOutage = server.stats.graphqlRequests;
        server.clearFaults();
        recoveredAt = Date.now();
      }
      pending.push(
        run(c, 'query', {
          query: PO_QUERY,
          variables: { id: String((n % 20) + 1), n } as never,
          fetchPolicy: 'network-only',
        }).then(({ error }) => {
          if (error === undefined && firstSuccessAt === undefined) firstSuccessAt = Date.now();
        }),
      );
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + (n + 1) * 100 - Date.now())));
    }
    await Promise.all(pending);
    expect(duringOutage).toBeGreaterThan(0);
    expect(duringOutage).toBeLessThanOrEqual(20);
    expect(firstSuccessAt).toBeDefined();
    expect(firstSuccessAt! - recoveredAt).toBeLessThanOrEqual(2000);
    const circuit = events.filter((e) => e.type.startsWith('circuit-')).map((e) => e.type);
    expect(circuit[0]).toBe('circuit-open');
    expect(circuit.at(-1)).toBe('circuit-close');
    const open = events.find((e): e is CircuitOpenEvent => e.type === 'circuit-open');
    expect(open?.cooldownMs).toBe(30_000);
    // The first probe is due 1 s after the opening (`at` is read a moment after the breaker's clock).
    expect(open!.nextProbeAt - open!.at).toBeGreaterThan(950);
    expect(open!.nextProbeAt - open!.at).toBeLessThanOrEqual(1000);
  }, 30_000);

  test('a slow attempt is aborted (the server sees the connection close) and retried', async () => {
    server.inject({ kind: 'slow', delayMs: 3000 });
    const { data, error } = await run<{ purchaseOrder: { number: string } }>(
      client({ attemptTimeoutMs: 300 }),
      'query',
      { query: PO_QUERY, variables: { id: '1' } },
    );
    expect(error).toBeUndefined();
    expect(data?.purchaseOrder.number).toBe('PO-1001');
    await new Promise((r) => setTimeout(r, 50));
    expect(server.stats.abortedByClient).toBe(1);
  });

  test('a slow keyless mutation is aborted and not replayed', async () => {
    const po = server.purchaseOrders.get('1')!;
    server.inject({ kind: 'slow', delayMs: 1500, operationName: 'UpdatePurchaseOrder' });
    const { error } = await run(client({ attemptTimeoutMs: 300 }), 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '1', _etag: po._etag, notes: 'slow' } },
    });
    expect(getClassifications(error)[0]).toMatchObject({ category: 'network', reason: 'timeout' });
    expect(server.stats.byOperation.UpdatePurchaseOrder).toBe(1);
  });

  test('with idempotency keys, a mutation whose response was dropped after it applied is applied exactly once', async () => {
    const po = { ...server.purchaseOrders.get('3')! };
    server.inject({ kind: 'drop', phase: 'after', operationName: 'UpdatePurchaseOrder' });
    const { data, error } = await run<{ updatePurchaseOrder: { id: string; quantity: number } }>(
      client({ idempotencyKey: true }),
      'mutate',
      { mutation: UPDATE_PO, variables: { input: { id: '3', _etag: po._etag, quantity: po.quantity + 1 } } },
    );
    expect(error).toBeUndefined();
    // The replay's answer is the applied update itself, not a second application.
    expect(data?.updatePurchaseOrder).toMatchObject({ id: '3', quantity: po.quantity + 1 });
    expect(server.stats.appliedMutations).toBe(1);
    expect(server.stats.idempotentReplays).toBe(1);
    expect(Object.values(server.stats.appliedByKey)).toEqual([1]);
    expect(server.purchaseOrders.get('3')!.quantity).toBe(po.quantity + 1);
  });

  test('without a key, the same dropped response is not replayed', async () => {
    const po = server.purchaseOrders.get('3')!;
    server.inject({ kind: 'drop', phase: 'after', operationName: 'UpdatePurchaseOrder' });
    const { error } = await run(client(), 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '3', _etag: po._etag, quantity: po.quantity + 1 } },
    });
    expect(getClassifications(error)[0]).toMatchObject({ category: 'network' });
    expect(server.stats.byOperation.UpdatePurchaseOrder).toBe(1);
    expect(server.stats.appliedMutations).toBe(1);
  });

  test('the server honours Idempotency-Key: the same key with another payload is a 422, classified', async () => {
    const po = server.purchaseOrders.get('4')!;
    let n = 0;
    const c = client({ idempotencyKey: { generate: () => `fixed-key-${n}` } });
    const first = await run(c, 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '4', _etag: po._etag, notes: 'one' } },
    });
    expect(first.error).toBeUndefined();
    const second = await run(c, 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '4', _etag: server.purchaseOrders.get('4')!._etag, notes: 'two' } },
    });
    expect(getClassifications(second.error)[0]).toMatchObject({
      category: 'validation',
      status: 422,
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    expect(server.purchaseOrders.get('4')!.notes).toBe('one');
    n += 1;
    const third = await run(c, 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '4', _etag: server.purchaseOrders.get('4')!._etag, notes: 'three' } },
    });
    expect(third.error).toBeUndefined();
    expect(server.stats.appliedMutations).toBe(2);
  });

  test('the deadline bounds total time under a 100% 503 outage', async () => {
    server.inject({ kind: 'status', status: 503, count: -1 });
    const started = Date.now();
    const { error } = await run(
      client({ initialDelayMs: 200, maxAttempts: 20, deadlineMs: 1500, circuitBreaker: false, budget: false }),
      'query',
      { query: PO_QUERY, variables: { id: '1' } },
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(1500 + 300);
    expect(getClassifications(error)[0]!.message).toMatch(/Deadline of 1500 ms passed/);
  });

  test('a standalone RetryBackoffLink (no classify link) classifies by itself', async () => {
    server.inject({ kind: 'status', status: 503, count: 1 });
    const c = makeClient(
      bearer(server.issueToken())
        .concat(new RetryBackoffLink({ initialDelayMs: 10 }))
        .concat(httpLink(server)),
    );
    const { data, error } = await run<{ purchaseOrder: { number: string } }>(c, 'query', {
      query: PO_QUERY,
      variables: { id: '1' },
    });
    expect(error).toBeUndefined();
    expect(data?.purchaseOrder.number).toBe('PO-1001');
    // It recognised the 503 as retryable without an ErrorClassifyLink: one retry, then the answer.
    expect(server.stats.graphqlRequests).toBe(2);
    expect(server.stats.byStatus).toMatchObject({ 503: 1 });
  });
  describe('offline (#17): the device loses its network', () => {
    /** A client whose fetch fails like an offline browser's while `conn` says offline. */
    function offlineClient(
      conn: ReturnType<typeof manualConnectivity>,
      retry: RetryBackoffLink.Options,
      events: ResilienceEvent[],
    ) {
      const http = new HttpLink({
        uri: server.graphqlUrl,
        fetch: (input, init) =>
          conn.isOnline() ? fetch(input, init) : Promise.reject(new TypeError('Failed to fetch')),
      });
      const link = createResilienceLink({
        retry: { initialDelayMs: 50, jitter: false, connectivity: conn, circuitBreaker: { failures: 1 }, ...retry },
        onEvent: (e) => events.push(e),
      });
      return { link, client: makeClient(bearer(server.issueToken()).concat(link).concat(http)) };
    }
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(ok()).toBe(true);
    };

    test('a keyed mutation and a query pause while offline and are sent once when it is back: applied once, no attempt, budget or circuit spent', async () => {
      const conn = manualConnectivity(false);
      const events: ResilienceEvent[] = [];
      const { link, client: c } = offlineClient(
        conn,
        { idempotencyKey: true, budget: { ratio: 0, minPerSecond: 0 } },
        events,
      );
      const po = { ...server.purchaseOrders.get('3')! };
      const mutation = run<{ updatePurchaseOrder: { quantity: number } }>(c, 'mutate', {
        mutation: UPDATE_PO,
        variables: { input: { id: '3', _etag: po._etag, quantity: po.quantity + 1 } },
      });
      const query = run<{ purchaseOrder: { number: string } }>(c, 'query', { query: PO_QUERY, variables: { id: '1' } });
      await until(() => events.filter((e) => e.type === 'paused').length === 2);
      await new Promise((r) => setTimeout(r, 300)); // well past the backoff: nothing is retried while offline
      expect(server.stats.graphqlRequests).toBe(0);
      conn.setOnline(true);
      const [m, q] = await Promise.all([mutation, query]);
      expect(m.error).toBeUndefined();
      expect(m.data?.updatePurchaseOrder.quantity).toBe(po.quantity + 1);
      expect(q.data?.purchaseOrder.number).toBe('PO-1001');
      expect(server.stats.appliedMutations).toBe(1);
      expect(server.stats.graphqlRequests).toBe(2);
      expect(events.map((e) => e.type).sort()).toEqual(['paused', 'paused', 'resumed', 'resumed']);
      expect(link.circuitState).toBe('closed');
      link.dispose();
    });

    test('without a key the mutation fails at once with network / fetch-failed and is never replayed; the circuit stays closed', async () => {
      const conn = manualConnectivity(false);
      const events: ResilienceEvent[] = [];
      const { link, client: c } = offlineClient(conn, {}, events);
      const po = server.purchaseOrders.get('3')!;
      const { error } = await run(c, 'mutate', {
        mutation: UPDATE_PO,
        variables: { input: { id: '3', _etag: po._etag, quantity: po.quantity + 1 } },
      });
      expect(getClassifications(error)[0]).toMatchObject({ category: 'network', reason: 'fetch-failed' });
      conn.setOnline(true);
      await new Promise((r) => setTimeout(r, 200));
      expect(server.stats.graphqlRequests).toBe(0);
      expect(events.map((e) => e.type)).toEqual(['give-up']);
      expect(link.circuitState).toBe('closed');
      link.dispose();
    });
  });
});
