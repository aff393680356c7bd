import { ErrorClassifyLink, getClassifications } from '../src';
import { ion, restEnvelope } from '../src/profiles';
import {
  APOLLO_MAJOR,
  HttpLink,
  closedPort,
  PO_QUERY,
  PO_WITH_RATING,
  UPDATE_PO,
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

function client(token = server.issueToken()) {
  return makeClient(
    bearer(token)
      .concat(new ErrorClassifyLink({ profiles: [ion, restEnvelope] }))
      .concat(httpLink(server)),
  );
}

describe(`classification end to end on Apollo Client ${APOLLO_MAJOR}`, () => {
  test('401: an expired token is unauthenticated / token-expired and refreshable', async () => {
    const token = server.issueToken();
    server.inject({ kind: 'expire-tokens' });
    const { error } = await run(client(token), 'query', { query: PO_QUERY, variables: { id: '1' } });
    const [c] = getClassifications(error);
    expect(c).toMatchObject({
      category: 'unauthenticated',
      reason: 'token-expired',
      status: 401,
      refreshable: true,
      retryable: false,
    });
    expect(JSON.stringify(getClassifications(error))).not.toContain(token);
  });

  test('401: no credentials, and a token signed by an unknown key', async () => {
    const noAuth = makeClient(new ErrorClassifyLink({ profiles: [ion, restEnvelope] }).concat(httpLink(server)));
    expect(
      getClassifications((await run(noAuth, 'query', { query: PO_QUERY, variables: { id: '1' } })).error)[0],
    ).toMatchObject({ reason: 'missing-credentials' });
    const foreign = server.issueToken({ kid: 'other-idp' });
    expect(
      getClassifications((await run(client(foreign), 'query', { query: PO_QUERY, variables: { id: '1' } })).error)[0],
    ).toMatchObject({ reason: 'unknown-signing-key', refreshable: false });
  });

  test('403: a read-only token names the missing permission', async () => {
    const token = server.issueToken({ scope: 'read' });
    const po = server.purchaseOrders.get('1')!;
    const { error } = await run(client(token), 'mutate', {
      mutation: UPDATE_PO,
      variables: { input: { id: '1', _etag: po._etag, notes: 'x' } },
    });
    expect(getClassifications(error)[0]).toMatchObject({
      category: 'forbidden',
      reason: 'missing-permission',
      status: 403,
      details: { action: 'UPDATE', resource: 'Purchase Order' },
    });
  });

  test('404, 409, 422 from the resolvers', async () => {
    const c = client();
    expect(
      getClassifications((await run(c, 'query', { query: PO_QUERY, variables: { id: '999' } })).error)[0],
    ).toMatchObject({ category: 'not-found', status: 404 });
    expect(
      getClassifications(
        (await run(c, 'mutate', { mutation: UPDATE_PO, variables: { input: { id: '1', _etag: 'stale', notes: 'x' } } }))
          .error,
      )[0],
    ).toMatchObject({ category: 'conflict', reason: 'etag-mismatch', status: 409 });
    const po = server.purchaseOrders.get('2')!;
    expect(
      getClassifications(
        (
          await run(c, 'mutate', {
            mutation: UPDATE_PO,
            variables: { input: { id: '2', _etag: po._etag, quantity: 0 } },
          })
        ).error,
      )[0],
    ).toMatchObject({ category: 'validation', status: 422, details: { field: 'quantity' } });
  });

  test('429 with Retry-After, and a 502 HTML page', async () => {
    const c = client();
    server.inject({ kind: 'status', status: 429, retryAfter: '3' });
    expect(
      getClassifications((await run(c, 'query', { query: PO_QUERY, variables: { id: '1' } })).error)[0],
    ).toMatchObject({ category: 'rate-limited', retryable: true, details: { retryAfterMs: 3000 } });
    server.inject({ kind: 'status', status: 502 });
    expect(
      getClassifications((await run(c, 'query', { query: PO_QUERY, variables: { id: '1' } })).error)[0],
    ).toMatchObject({ category: 'server', reason: 'bad-gateway', retryable: true, details: { body: 'html' } });
  });

  test('network: a dropped connection and a refused connection', async () => {
    server.inject({ kind: 'drop' });
    const dropped = getClassifications(
      (await run(client(), 'query', { query: PO_QUERY, variables: { id: '1' } })).error,
    )[0];
    expect(dropped).toMatchObject({ category: 'network', retryable: true });
    const refused = makeClient(
      new ErrorClassifyLink({ profiles: [ion, restEnvelope] }).concat(
        new HttpLink({ uri: `http://127.0.0.1:${await closedPort()}/graphql` }),
      ),
    );
    expect(
      getClassifications((await run(refused, 'query', { query: PO_QUERY, variables: { id: '1' } })).error)[0],
    ).toMatchObject({ category: 'network', reason: 'connection-refused' });
  });

  test("partial data and classified errors travel together with errorPolicy 'all'", async () => {
    server.inject({ kind: 'partial', field: 'supplierRating' });
    const { data, error } = await run<{
      purchaseOrder: { number: string; supplierRating: number | null; leadTimeDays: number };
    }>(client(), 'query', { query: PO_WITH_RATING, variables: { id: '3' }, errorPolicy: 'all' });
    expect(data?.purchaseOrder.number).toBe('PO-1003');
    expect(data?.purchaseOrder.leadTimeDays).toBe(10);
    expect(data?.purchaseOrder.supplierRating).toBeNull();
    expect(getClassifications(error)).toEqual([
      expect.objectContaining({ category: 'server', path: ['purchaseOrder', 'supplierRating'], retryable: true }),
    ]);
  });
});
