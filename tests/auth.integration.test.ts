import { ApolloLink, execute as linkExecute } from '@apollo/client/core';
import {
  AuthRefreshLink,
  clientCredentials,
  createResilienceLink,
  getClassifications,
  type Classification,
  type ResilienceEvent,
} from '../src';
import { APOLLO_MAJOR, PO_QUERY, httpLink, makeClient, run, startServer, type IonServer } from './helpers';

let server: IonServer;
beforeAll(async () => {
  server = await startServer({ tokenLatencyMs: 50 });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

describe(`AuthRefreshLink against the ION-like server on Apollo Client ${APOLLO_MAJOR}`, () => {
  test('100 concurrent operations with an expired token: exactly 1 refresh and 100 successes', async () => {
    const source = clientCredentials({
      tokenUrl: server.tokenUrl,
      clientId: 'demo-client',
      clientSecret: 'demo-secret',
    });
    const events: ResilienceEvent[] = [];
    const client = makeClient(
      createResilienceLink({ auth: { ...source }, onEvent: (e) => events.push(e) }).concat(httpLink(server)),
    );
    expect((await run(client, 'query', { query: PO_QUERY, variables: { id: '1' } })).error).toBeUndefined();
    expect(server.stats.tokenRequests).toBe(1);
    server.inject({ kind: 'expire-tokens' });
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        run(client, 'query', { query: PO_QUERY, variables: { id: String((i % 20) + 1), n: i } as never }),
      ),
    );
    expect(outcomes.filter((o) => o.error !== undefined)).toEqual([]);
    expect(server.stats.tokenRequests).toBe(2);
    expect(events.filter((e) => e.type === 'refresh-start')).toHaveLength(1);
    expect(events.find((e) => e.type === 'refresh-success')).toMatchObject({ reason: 'rejected' });
  });

  test('no token yet: it is obtained before the first request (one token request, no 401), and the first events say so', async () => {
    const source = clientCredentials({
      tokenUrl: server.tokenUrl,
      clientId: 'demo-client',
      clientSecret: 'demo-secret',
    });
    let stored: string | null = null; // a fresh browser: nothing in storage
    const events: ResilienceEvent[] = [];
    const client = makeClient(
      createResilienceLink({
        auth: { getToken: () => stored, refresh: async () => (stored = await source.refresh()) },
        onEvent: (e) => events.push(e),
      }).concat(httpLink(server)),
    );
    const outcomes = await Promise.all(
      [1, 2, 3, 4, 5].map((id) => run(client, 'query', { query: PO_QUERY, variables: { id: String(id) } })),
    );
    expect(outcomes.filter((o) => o.error !== undefined)).toEqual([]);
    expect(server.stats.tokenRequests).toBe(1);
    expect(server.stats.authFailures).toBe(0);
    expect(server.stats.graphqlRequests).toBe(5);
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ['refresh-start', 'missing'],
      ['refresh-success', 'missing'],
    ]);
    expect(JSON.stringify(events)).not.toContain(stored!);
  });

  test('refreshWhenMissing: false keeps the old behaviour: sent without a token, 401, refresh, replay', async () => {
    let stored: string | null = null;
    const refresh = jest.fn(async () => (stored = server.issueToken()));
    const client = makeClient(
      new AuthRefreshLink({ getToken: () => stored, refresh, refreshWhenMissing: false }).concat(httpLink(server)),
    );
    const { error } = await run(client, 'query', { query: PO_QUERY, variables: { id: '1' } });
    expect(error).toBeUndefined();
    expect(refresh).toHaveBeenCalledWith({ failedToken: undefined, reason: 'rejected' });
    expect(server.stats.authFailures).toBe(1);
  });

  test('a failed refresh (invalid_client) fails the operations as unauthenticated, onAuthFailure once, no secret leaks', async () => {
    const failures: Classification[] = [];
    const source = clientCredentials({
      tokenUrl: server.tokenUrl,
      clientId: 'demo-client',
      clientSecret: 'wrong-secret-value',
    });
    const client = makeClient(
      createResilienceLink({
        auth: {
          getToken: () => server.issueToken({ ttlMs: -1000 }),
          refresh: source.refresh,
          onAuthFailure: (c) => failures.push(c),
        },
      }).concat(httpLink(server)),
    );
    const outcomes = await Promise.all(
      [1, 2, 3].map((id) => run(client, 'query', { query: PO_QUERY, variables: { id: String(id) } })),
    );
    for (const o of outcomes)
      expect(getClassifications(o.error)[0]).toMatchObject({
        category: 'unauthenticated',
        reason: 'invalid-client',
        refreshable: false,
      });
    expect(failures).toHaveLength(1);
    expect(JSON.stringify(failures)).not.toContain('wrong-secret-value');
    expect(server.stats.tokenRequests).toBe(1);
  });

  test('a non-refreshable 401 (deactivated user) goes to onAuthFailure without a refresh', async () => {
    const failures: Classification[] = [];
    const refresh = jest.fn(async () => server.issueToken());
    server.inject({ kind: 'deactivate-user', sub: 'desk@acme.test' });
    const client = makeClient(
      new AuthRefreshLink({
        getToken: () => server.issueToken(),
        refresh,
        onAuthFailure: (c) => failures.push(c),
      }).concat(httpLink(server)),
    );
    const { error } = await run(client, 'query', { query: PO_QUERY, variables: { id: '1' } });
    expect(getClassifications(error)[0]).toMatchObject({ reason: 'user-deactivated', refreshable: false });
    expect(refresh).not.toHaveBeenCalled();
    expect(failures).toEqual([expect.objectContaining({ reason: 'user-deactivated' })]);
  });

  test('no loop: a refreshed token that is rejected too ends in onAuthFailure after one refresh', async () => {
    const failures: Classification[] = [];
    // The refreshed token has a broken signature: "Unable to validate authentication token", refreshable.
    const refresh = jest.fn(async () => `${server.issueToken().slice(0, -4)}AAAA`);
    const client = makeClient(
      new AuthRefreshLink({
        getToken: () => 'opaque-and-expired',
        refresh,
        onAuthFailure: (c) => failures.push(c),
      }).concat(httpLink(server)),
    );
    const { error } = await run(client, 'query', { query: PO_QUERY, variables: { id: '1' } });
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(server.stats.graphqlRequests).toBe(2);
    expect(getClassifications(error)[0]).toMatchObject({ reason: 'invalid-token', refreshable: true });
    expect(failures).toHaveLength(1);
  });

  test('an expired JWT is refreshed before sending; a non-refreshable answer to the new token is final', async () => {
    const failures: Classification[] = [];
    const refresh = jest.fn(async () => server.issueToken({ kid: 'rotated-away' }));
    const client = makeClient(
      new AuthRefreshLink({
        getToken: () => server.issueToken({ ttlMs: -1000 }),
        refresh,
        onAuthFailure: (c) => failures.push(c),
      }).concat(httpLink(server)),
    );
    const { error } = await run(client, 'query', { query: PO_QUERY, variables: { id: '1' } });
    expect(refresh).toHaveBeenCalledWith(expect.objectContaining({ reason: 'expiring' }));
    expect(server.stats.graphqlRequests).toBe(1);
    expect(getClassifications(error)[0]).toMatchObject({ reason: 'unknown-signing-key', refreshable: false });
    expect(failures).toHaveLength(1);
  });

  test('a JWT close to its exp is refreshed before sending: no 401 at all', async () => {
    let token = server.issueToken({ ttlMs: 10_000 });
    const refresh = jest.fn(async () => (token = server.issueToken({ ttlMs: 600_000 })));
    const client = makeClient(new AuthRefreshLink({ getToken: () => token, refresh }).concat(httpLink(server)));
    const outcomes = await Promise.all(
      [1, 2, 3, 4].map((id) => run(client, 'query', { query: PO_QUERY, variables: { id: String(id) } })),
    );
    expect(outcomes.every((o) => o.error === undefined)).toBe(true);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(server.stats.authFailures).toBe(0);
  });

  test('an operation cancelled while it waits for the refresh is never sent', async () => {
    let release!: (t: string) => void;
    const link = new AuthRefreshLink({
      getToken: () => 'expired-opaque-token',
      refresh: () => new Promise<string>((r) => (release = r)),
    }).concat(httpLink(server));
    const subscribe = (id: string) =>
      (
        linkExecute(
          link as ApolloLink,
          { query: PO_QUERY, variables: { id } } as never,
          { client: makeClient(link as ApolloLink) } as never,
        ) as unknown as { subscribe(o: object): { unsubscribe(): void } }
      ).subscribe({ next() {}, error() {}, complete() {} });
    const first = subscribe('1');
    await new Promise((r) => setTimeout(r, 200));
    expect(server.stats.graphqlRequests).toBe(1);
    const queued = subscribe('2');
    await new Promise((r) => setTimeout(r, 50));
    queued.unsubscribe();
    first.unsubscribe();
    release(server.issueToken());
    await new Promise((r) => setTimeout(r, 200));
    expect(server.stats.graphqlRequests).toBe(1);
  });
});
