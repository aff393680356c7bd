// Subscriptions over graphql-ws beside the HTTP chain, on one TokenManager: a real graphql-ws server
// (the `ws` package) next to the ION-like HTTP server, checking tokens with the HTTP server's logic.
import { ApolloLink } from '@apollo/client/core';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import {
  GraphQLInt,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  type DocumentNode,
} from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import { clientCredentials, createResilienceLink, type Classification, type ResilienceEvent } from '../src';
import { wsAuth } from '../src/auth';
import { APOLLO_MAJOR, PO_QUERY, gql, httpLink, makeClient, run, startServer, type IonServer } from './helpers';

const TICKS = gql`
  subscription Ticks {
    tick
  }
`;

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString, resolve: () => 'ok' } } }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      tick: {
        type: new GraphQLNonNull(GraphQLInt),
        subscribe: async function* () {
          for (let n = 1; ; n++) {
            await new Promise((r) => setTimeout(r, 20));
            yield { tick: n };
          }
        },
      },
    },
  }),
});

interface WsServer {
  url: string;
  /** Every connection_init: accepted or rejected (4401). */
  connects: Array<{ accepted: boolean; message?: string }>;
  close(): Promise<void>;
}

/** graphql-ws on `ws`: the token of `connectionParams.authorization` is checked as `/graphql` checks it; an open socket whose token stops being valid is closed with 4401. */
async function startWsServer(ion: IonServer): Promise<WsServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/graphql' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const connects: WsServer['connects'] = [];
  const authorized = new Map<WebSocket, string>();
  const cleanup = useServer(
    {
      schema,
      onConnect: (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        const verdict = ion.verifyAuthorization(typeof authorization === 'string' ? authorization : undefined);
        if (!verdict.ok) {
          connects.push({ accepted: false, message: verdict.message });
          ctx.extra.socket.close(4401, verdict.message);
          return false;
        }
        connects.push({ accepted: true });
        authorized.set(ctx.extra.socket, authorization as string);
        return true;
      },
      onClose: (ctx) => void authorized.delete(ctx.extra.socket),
    },
    wss,
  );
  // A live connection's token is checked again every 10 ms (a server that ends expired sessions).
  const recheck = setInterval(() => {
    for (const [socket, authorization] of authorized)
      if (!ion.verifyAuthorization(authorization).ok) {
        authorized.delete(socket);
        socket.close(4401, 'Token is expired');
      }
  }, 10);
  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${String(port)}/graphql`,
    connects,
    close: async () => {
      clearInterval(recheck);
      for (const socket of wss.clients) socket.terminate();
      await cleanup.dispose();
    },
  };
}

const isSubscription = (op: { query: DocumentNode }) =>
  op.query.definitions.some((d) => d.kind === 'OperationDefinition' && d.operation === 'subscription');

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Apollo's `subscribe` on either major: ticks, and how it ended (AC4 may report an error as a result). */
function watch(client: ReturnType<typeof makeClient>) {
  const ticks: number[] = [];
  const ended: { error?: unknown; complete?: boolean } = {};
  const subscription = (
    client as unknown as {
      subscribe(o: { query: DocumentNode }): {
        subscribe(o: {
          next(r: { data?: { tick?: number } | null; error?: unknown; errors?: unknown }): void;
          error(e: unknown): void;
          complete(): void;
        }): { unsubscribe(): void };
      };
    }
  )
    .subscribe({ query: TICKS })
    .subscribe({
      next: (r) => {
        if (r.error !== undefined || r.errors !== undefined) ended.error = r.error ?? r.errors;
        else if (typeof r.data?.tick === 'number') ticks.push(r.data.tick);
      },
      error: (e) => (ended.error = e),
      complete: () => (ended.complete = true),
    });
  return { ticks, ended, unsubscribe: () => subscription.unsubscribe() };
}

let ion: IonServer;
let ws: WsServer;
let wsClient: Client | undefined;
beforeAll(async () => {
  ion = await startServer({ tokenLatencyMs: 50 });
  ws = await startWsServer(ion);
});
afterAll(async () => {
  await ws.close();
  await ion.close();
});
beforeEach(() => {
  ion.reset();
  ws.connects.length = 0;
});
afterEach(async () => {
  await wsClient?.dispose();
  wsClient = undefined;
});

describe(`wsAuth: graphql-ws and HTTP on one TokenManager, Apollo Client ${APOLLO_MAJOR}`, () => {
  test('expired tokens: one token request for HTTP and WebSocket together, and the subscription resumes', async () => {
    const source = clientCredentials({ tokenUrl: ion.tokenUrl, clientId: 'demo-client', clientSecret: 'demo-secret' });
    const events: ResilienceEvent[] = [];
    const failures: Classification[] = [];
    const resilience = createResilienceLink({ auth: { ...source }, onEvent: (e) => events.push(e) });
    wsClient = createClient({
      url: ws.url,
      webSocketImpl: WebSocket,
      ...wsAuth(resilience.tokenManager!, { onAuthFailure: (c) => failures.push(c) }),
    });
    const client = makeClient(
      ApolloLink.split(isSubscription, new GraphQLWsLink(wsClient), resilience.concat(httpLink(ion))),
    );

    expect((await run(client, 'query', { query: PO_QUERY, variables: { id: '1' } })).error).toBeUndefined();
    const sub = watch(client);
    await until(() => sub.ticks.length >= 3, '3 ticks');
    expect(ion.stats.tokenRequests).toBe(1); // the socket used the HTTP chain's token
    const before = sub.ticks.length;

    // Both transports see the expiry at once: the socket is closed with 4401, the query gets a 401.
    ion.inject({ kind: 'expire-tokens' });
    const [query] = await Promise.all([
      run(client, 'query', { query: PO_QUERY, variables: { id: '2' } }),
      until(() => ws.connects.length >= 2, 'the socket to reconnect'),
    ]);
    expect(query.error).toBeUndefined();
    const atReconnect = sub.ticks.length;
    await until(() => sub.ticks.length >= atReconnect + 3, '3 ticks after the reconnect');

    expect(ion.stats.tokenRequests).toBe(2); // one refresh for HTTP and WebSocket together
    expect(events.filter((e) => e.type === 'refresh-start')).toHaveLength(1);
    expect(ws.connects).toEqual([{ accepted: true }, { accepted: true }]);
    expect(sub.ended).toEqual({});
    expect(failures).toEqual([]);
    expect(before).toBeGreaterThanOrEqual(3);
    sub.unsubscribe();
  });

  test('the refreshed token is rejected too: onAuthFailure once, no refresh loop, the subscription ends', async () => {
    let stored = ion.issueToken();
    const issued: string[] = [stored];
    const refresh = jest.fn(async () => {
      stored = ion.issueToken({ kid: 'retired-key' }); // a token the server does not accept
      issued.push(stored);
      return stored;
    });
    const events: ResilienceEvent[] = [];
    const failures: Classification[] = [];
    const resilience = createResilienceLink({
      auth: { getToken: () => stored, refresh },
      onEvent: (e) => events.push(e),
    });
    wsClient = createClient({
      url: ws.url,
      webSocketImpl: WebSocket,
      ...wsAuth(resilience.tokenManager!, { onAuthFailure: (c) => failures.push(c), retryWait: () => sleep(10) }),
    });
    const client = makeClient(
      ApolloLink.split(isSubscription, new GraphQLWsLink(wsClient), resilience.concat(httpLink(ion))),
    );
    const sub = watch(client);
    await until(() => sub.ticks.length >= 2, '2 ticks');

    ion.inject({ kind: 'expire-tokens' });
    await until(() => sub.ended.error !== undefined || sub.ended.complete === true, 'the subscription to end');
    await sleep(300); // nothing more happens: no refresh, no reconnect

    expect(refresh).toHaveBeenCalledTimes(1);
    expect(ws.connects).toEqual([
      { accepted: true },
      { accepted: false, message: 'Unable to find appropriate RSA key' },
    ]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ category: 'unauthenticated', reason: 'invalid-token', refreshable: false });
    expect(events.filter((e) => e.type === 'auth-failure')).toHaveLength(1);
    const reported = JSON.stringify([failures, events]);
    for (const token of issued) expect(reported).not.toContain(token);
  });
});
