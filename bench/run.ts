// `npm run bench` (a table) and `npm run bench -- --json` (one JSON object, last line).
// Every figure is measured in this one process run next to its anchor and reported as a ratio
// or a count; nothing here is a timed assertion.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, Observable, gql } from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { RetryLink } from '@apollo/client/link/retry';
import { createOperation } from '@apollo/client/link/utils';
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { startIonServer, type IonServer } from '../demo-app/server/ionServer';
import { writeSection } from './results';
import { clientCredentials, createResilienceLink } from '../src/index';

// Run from the repository root (scripts/bench.mjs does); this file is bundled into bench/dist/.
const root = `${process.cwd()}/`;
const json = process.argv.includes('--json');
const log = (...args: unknown[]) => {
  if (!json) console.log(...args);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

const QUERY = gql`
  query PurchaseOrder($id: ID!) {
    purchaseOrder(id: $id) {
      id
      number
      _etag
    }
  }
`;
const UPDATE = gql`
  mutation UpdatePurchaseOrder($input: UpdatePurchaseOrderInput!) {
    updatePurchaseOrder(input: $input) {
      id
      notes
      quantity
      _etag
    }
  }
`;
const fakeClient = new ApolloClient({ link: ApolloLink.empty(), cache: new InMemoryCache() });

// ---------------------------------------------------------------- overhead (happy path)
async function overhead() {
  const result = { data: { purchaseOrder: { id: '1', number: 'PO-1001', _etag: 'e1' } } };
  const terminating = () =>
    new ApolloLink(
      () =>
        new Observable((o) => {
          o.next(result);
          o.complete();
        }),
    );
  const chains: Record<string, ApolloLink> = {
    resilience: createResilienceLink({
      retry: {},
      auth: { getToken: () => 'opaque-benchmark-token', refresh: async () => 'opaque-benchmark-token-2' },
      etag: { mutations: { UpdatePurchaseOrder: { reread: () => ({ query: QUERY, variables: { id: '1' } }) } } },
    }).concat(terminating()),
    apollo: ApolloLink.from([new ErrorLink(() => undefined), new RetryLink(), terminating()]),
    // The same pair with a token attached the way Apollo's docs write auth middleware ("Advanced HTTP
    // networking"): our four policies attach one too, which costs every chain the same context read and write.
    apolloWithToken: ApolloLink.from([
      new ApolloLink((operation, forward) => {
        operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => ({
          headers: { ...headers, authorization: 'Bearer opaque-benchmark-token' },
        }));
        return forward(operation);
      }),
      new ErrorLink(() => undefined),
      new RetryLink(),
      terminating(),
    ]),
    bare: terminating(),
  };
  const runOnce = (link: ApolloLink, i: number) =>
    new Promise<void>((resolve, reject) => {
      ApolloLink.execute(link, { query: QUERY, variables: { id: String(i % 20) } }, { client: fakeClient }).subscribe({
        complete: resolve,
        error: reject,
      });
    });
  const perOp: Record<string, number[]> = { resilience: [], apollo: [], apolloWithToken: [], bare: [] };
  // Short rounds, alternating, many of them: the three chains see the same machine state (a VM's
  // speed drifts by 2x over seconds here), and each median is over 60 rounds.
  const N = 2_000;
  for (let roundNo = 0; roundNo < 64; roundNo++) {
    const order =
      roundNo % 2 === 0
        ? ['resilience', 'apollo', 'apolloWithToken', 'bare']
        : ['bare', 'apolloWithToken', 'apollo', 'resilience'];
    for (const name of order) {
      const t0 = performance.now();
      for (let i = 0; i < N; i++) await runOnce(chains[name]!, i);
      const us = ((performance.now() - t0) * 1000) / N;
      if (roundNo >= 4) perOp[name]!.push(us); // the first rounds warm up
    }
  }
  const resilienceChainUsPerOp = round(median(perOp.resilience!));
  const apolloRetryErrorUsPerOp = round(median(perOp.apollo!));
  const apolloWithTokenUsPerOp = round(median(perOp.apolloWithToken!));
  const bareUsPerOp = round(median(perOp.bare!));
  return {
    resilienceChainUsPerOp,
    apolloRetryErrorUsPerOp,
    apolloWithTokenUsPerOp,
    bareUsPerOp,
    ratioVsApollo: round(resilienceChainUsPerOp / apolloRetryErrorUsPerOp),
    ratioVsApolloWithToken: round(resilienceChainUsPerOp / apolloWithTokenUsPerOp),
    ...contextCost(),
  };
}

/**
 * What reading and writing an operation's context costs on AC4 (`getContext()` returns a frozen
 * copy, `setContext` copies again): the part of the overhead that attaching a token costs any
 * chain, measured alone on operations built as `ApolloLink.execute` builds them.
 */
function contextCost() {
  const patch = Object.freeze({ headers: Object.freeze({ Authorization: 'Bearer opaque-benchmark-token' }) });
  const N = 20_000;
  let seen = 0;
  const loops: Record<string, () => void> = {
    create: () => {
      for (let i = 0; i < N; i++) seen += createOperation({ query: QUERY }, { client: fakeClient }).query ? 1 : 0;
    },
    readWrite: () => {
      for (let i = 0; i < N; i++) {
        const operation = createOperation({ query: QUERY }, { client: fakeClient });
        seen += operation.getContext().auth === false ? 0 : 1;
        operation.setContext(patch);
      }
    },
  };
  const perOp: Record<string, number[]> = { create: [], readWrite: [] };
  for (let roundNo = 0; roundNo < 104; roundNo++) {
    for (const name of roundNo % 2 === 0 ? ['create', 'readWrite'] : ['readWrite', 'create']) {
      const t0 = performance.now();
      loops[name]!();
      if (roundNo >= 4) perOp[name]!.push(((performance.now() - t0) * 1000) / N);
    }
  }
  if (seen === 0) throw new Error('unreachable: keeps the loops from being optimised away');
  return { contextReadWriteUsPerOp: round(median(perOp.readWrite!) - median(perOp.create!)) };
}

type AnyClient = { query(o: object): Promise<{ error?: unknown }>; mutate(o: object): Promise<{ error?: unknown }> };
const asClient = (link: ApolloLink) => new ApolloClient({ link, cache: new InMemoryCache() }) as unknown as AnyClient;
const settle = async (p: Promise<{ error?: unknown }>) => {
  try {
    const { error } = await p;
    if (error && process.env.BENCH_DEBUG) console.error(error);
    return error === undefined;
  } catch (error) {
    if (process.env.BENCH_DEBUG) console.error(error);
    return false;
  }
};

// ---------------------------------------------------------------- refresh storm
async function refreshStorm(server: IonServer) {
  const operations = 1000;
  const tokenLatencyMs = server.options.tokenLatencyMs;
  const source = clientCredentials({ tokenUrl: server.tokenUrl, clientId: 'demo-client', clientSecret: 'demo-secret' });
  const client = asClient(createResilienceLink({ auth: source }).concat(new HttpLink({ uri: server.graphqlUrl })));
  await settle(client.query({ query: QUERY, variables: { id: '1' } }));
  const storm = () =>
    Promise.all(
      Array.from({ length: operations }, (_, i) =>
        settle(
          client.query({ query: QUERY, variables: { id: String((i % 20) + 1), n: i }, fetchPolicy: 'network-only' }),
        ),
      ),
    );
  // The same 1000 operations with a valid token: one "round trip" at this concurrency.
  const baselines: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await storm();
    baselines.push(performance.now() - t0);
  }
  const baselineRoundTripMs = median(baselines);
  server.stats.tokenRequests = 0;
  server.inject({ kind: 'expire-tokens' });
  const t0 = performance.now();
  const outcomes = await storm();
  const elapsed = performance.now() - t0;
  const msOverRefreshLatency = elapsed - tokenLatencyMs;
  return {
    operations,
    refreshCalls: server.stats.tokenRequests,
    failed: outcomes.filter((ok) => !ok).length,
    msOverRefreshLatency: round(msOverRefreshLatency, 0),
    refreshLatencyMs: tokenLatencyMs,
    baselineRoundTripMs: round(baselineRoundTripMs, 0),
    roundTripsOverRefreshLatency: round(msOverRefreshLatency / baselineRoundTripMs),
  };
}

// ---------------------------------------------------------------- total outage
async function outage(server: IonServer) {
  const operations = 200;
  const token = server.issueToken({ ttlMs: 3_600_000 });
  const headers = { authorization: `Bearer ${token}` };
  const run = async (link: ApolloLink) => {
    server.reset();
    server.inject({ kind: 'status', status: 503, count: -1 });
    const client = asClient(link.concat(new HttpLink({ uri: server.graphqlUrl, headers })));
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: operations }, (_, i) =>
        settle(client.query({ query: QUERY, variables: { id: String((i % 20) + 1), n: i } })),
      ),
    );
    return { perOperation: server.stats.graphqlRequests / operations, ms: performance.now() - t0 };
  };
  const ours = await run(createResilienceLink({}));
  const apollo = await run(new RetryLink());
  server.reset();
  return {
    operations,
    requestsPerOperation: round(ours.perOperation),
    apolloRetryLinkRequestsPerOperation: round(apollo.perOperation),
    oursMs: round(ours.ms, 0),
    apolloRetryLinkMs: round(apollo.ms, 0),
  };
}

// ---------------------------------------------------------------- recovery after an outage (#20)
// A 3 s total outage (100 % 503) while the app issues one query every 100 ms (30 during the outage)
// and goes on doing so until its first success after the server is back. Two numbers at once: time
// from the recovery to the first success delivered, and requests that reached the server during the
// outage. Ours (createResilienceLink defaults) and AC4 RetryLink (defaults) in the same run.
async function recovery(server: IonServer) {
  const outageMs = 3000;
  const everyMs = 100;
  const limitMs = 45_000;
  const token = server.issueToken({ ttlMs: 3_600_000 });
  const headers = { authorization: `Bearer ${token}` };
  const run = async (link: ApolloLink) => {
    server.reset();
    server.inject({ kind: 'status', status: 503, count: -1 });
    const client = asClient(link.concat(new HttpLink({ uri: server.graphqlUrl, headers })));
    const t0 = performance.now();
    let recoveredAt = Infinity;
    let firstSuccessAt: number | undefined;
    let requestsDuringOutage = 0;
    let issuedDuringOutage = 0;
    let issued = 0;
    const pending: Array<Promise<void>> = [];
    while (firstSuccessAt === undefined && performance.now() - t0 < outageMs + limitMs) {
      if (recoveredAt === Infinity && issued * everyMs >= outageMs) {
        requestsDuringOutage = server.stats.graphqlRequests;
        issuedDuringOutage = issued;
        server.clearFaults();
        recoveredAt = performance.now();
      }
      const n = issued++;
      pending.push(
        settle(
          client.query({ query: QUERY, variables: { id: String((n % 20) + 1), n }, fetchPolicy: 'network-only' }),
        ).then((ok) => {
          if (ok && firstSuccessAt === undefined) firstSuccessAt = performance.now();
        }),
      );
      await sleep(Math.max(0, t0 + issued * everyMs - performance.now())); // on a fixed schedule, no drift
    }
    await Promise.all(pending);
    return {
      msToFirstSuccess: firstSuccessAt === undefined ? Infinity : round(Math.max(0, firstSuccessAt - recoveredAt), 0),
      requestsDuringOutage,
      issuedDuringOutage,
    };
  };
  const ours = await run(createResilienceLink({}));
  const apollo = await run(new RetryLink());
  server.reset();
  return {
    outageMs,
    everyMs,
    operationsDuringOutage: ours.issuedDuringOutage,
    msToFirstSuccess: ours.msToFirstSuccess,
    requestsDuringOutage: ours.requestsDuringOutage,
    apolloRetryLinkMsToFirstSuccess: apollo.msToFirstSuccess,
    apolloRetryLinkRequestsDuringOutage: apollo.requestsDuringOutage,
    apolloRetryLinkOperationsDuringOutage: apollo.issuedDuringOutage,
  };
}

// ---------------------------------------------------------------- partial data
// Time to first data when one field's service keeps failing (the rest of the query resolves):
// createResilienceLink with its defaults, against the real server.
const RATING = gql`
  query PurchaseOrderRating($id: ID!) {
    purchaseOrder(id: $id) {
      id
      number
      _etag
      supplierRating
      leadTimeDays
    }
  }
`;
async function partialData(server: IonServer) {
  const token = server.issueToken({ ttlMs: 3_600_000 });
  const samples: number[] = [];
  let requests = 0;
  for (let i = 0; i < 5; i++) {
    server.reset();
    server.inject({ kind: 'partial', field: 'supplierRating', count: -1 });
    const client = asClient(
      createResilienceLink({}).concat(
        new HttpLink({ uri: server.graphqlUrl, headers: { authorization: `Bearer ${token}` } }),
      ),
    );
    const t0 = performance.now();
    const result = (await client.query({
      query: RATING,
      variables: { id: '2' },
      errorPolicy: 'all',
      fetchPolicy: 'network-only',
    })) as { data?: { purchaseOrder?: { number?: string } } };
    samples.push(performance.now() - t0);
    if (result.data?.purchaseOrder?.number === undefined) throw new Error('partialData: no data arrived');
    requests = server.stats.graphqlRequests;
  }
  server.reset();
  return { msToFirstData: round(median(samples), 0), requests, goalMs: 1500 };
}

// ---------------------------------------------------------------- one non-overlapping 409
async function conflict(server: IonServer) {
  server.reset();
  const token = server.issueToken({ ttlMs: 3_600_000 });
  const client = asClient(
    createResilienceLink({
      etag: {
        mutations: {
          UpdatePurchaseOrder: {
            reread: (op) => ({ query: QUERY, variables: { id: (op.variables.input as { id: string }).id } }),
          },
        },
      },
    }).concat(new HttpLink({ uri: server.graphqlUrl, headers: { authorization: `Bearer ${token}` } })),
  );
  await settle(client.query({ query: QUERY, variables: { id: '4' } }));
  const etag = server.purchaseOrders.get('4')!._etag;
  server.inject({ kind: 'edit', id: '4', changes: { quantity: 99 }, by: 'alice@acme.test' });
  const before = server.stats.graphqlRequests;
  const ok = await settle(
    client.mutate({ mutation: UPDATE, variables: { input: { id: '4', _etag: etag, notes: 'bench' } } }),
  );
  const po = server.purchaseOrders.get('4')!;
  return {
    extraRoundTrips: server.stats.graphqlRequests - before - 1,
    resolved: ok && po.notes === 'bench' && po.quantity === 99,
  };
}

// ---------------------------------------------------------------- bundle sizes
async function gzipBytes(contents: string, resolveDir: string) {
  const out = await build({
    stdin: { contents, resolveDir, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
    logLevel: 'silent',
    treeShaking: true,
    external: [
      '@apollo/client',
      '@apollo/client/*',
      'graphql',
      'graphql/*',
      'rxjs',
      'rxjs/*',
      'tslib',
      'zen-observable-ts',
    ],
  });
  return gzipSync(out.outputFiles[0]!.contents, { level: 9 }).length;
}
/** Which part of the package each minified byte of an entry comes from (built from src, same code). */
const FEATURES: Array<[string, RegExp]> = [
  ['classification tables (seed rows, remediations)', /classify\/(profiles\/|rules\.ts)/],
  ['classification engine', /classify\/(classifyError|facts|annotate|getClassifications|ErrorClassifyLink|types)\.ts/],
  ['compact classifier + annotations + redaction', /classify\//],
  [
    'retry: budget, breaker, partial merge, backoff',
    /retry\/(retryBudget|circuitBreaker|mergePartialResults|backoff|retryDecision)\.ts/,
  ],
  ['retry link', /retry\//],
  ['cross-tab refresh', /auth\/crossTab\.ts/],
  ['client credentials', /auth\/clientCredentials\.ts/],
  ['auth link', /auth\//],
  ['etag: three-way merge, conflict detection', /etag\/(threeWayMerge|conflictDetection|etagPath)\.ts/],
  ['etag link', /etag\//],
  ['AC3/AC4 seam, events, fused chain', /./],
];
async function attribution(entry: string) {
  const out = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
    logLevel: 'silent',
    metafile: true,
    external: ['@apollo/client', '@apollo/client/*', 'graphql', 'graphql/*', 'rxjs', 'rxjs/*'],
  });
  const inputs = Object.values(out.metafile!.outputs)[0]!.inputs;
  const bytes: Record<string, number> = {};
  for (const [file, { bytesInOutput }] of Object.entries(inputs)) {
    const feature = FEATURES.find(([, re]) => re.test(file))![0];
    bytes[feature] = (bytes[feature] ?? 0) + bytesInOutput;
  }
  const code = out.outputFiles[0]!.text;
  // The same bundle with every string literal of 12+ characters emptied: what the code costs without its texts.
  const ts = await import('typescript');
  const sf = ts.createSourceFile('b.js', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const cuts: Array<[number, number]> = [];
  const visit = (n: import('typescript').Node): void => {
    if (
      (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateLiteralToken(n)) &&
      n.getWidth(sf) >= 12
    )
      cuts.push([n.getStart(sf) + 1, n.getEnd() - 1]);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  let withoutTexts = '';
  let at = 0;
  for (const [from, to] of cuts) {
    withoutTexts += code.slice(at, from);
    at = to;
  }
  withoutTexts += code.slice(at);
  return {
    minifiedBytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    gzipBytesWithoutTexts: gzipSync(withoutTexts, { level: 9 }).length,
    minifiedBytesByPart: Object.fromEntries(Object.entries(bytes).sort((a, b) => b[1] - a[1])),
  };
}

async function bundle() {
  const dist = `${root}dist`;
  const nm = `${root}node_modules`;
  return {
    attribution: {
      full: await attribution(`export * from './src/index';`),
      retry: await attribution(`export { RetryBackoffLink } from './src/retry/index';`),
      auth: await attribution(`export { AuthRefreshLink } from './src/auth/index';`),
    },
    fullGzipBytes: await gzipBytes(`export * from '${dist}/index.js';`, root),
    classifyGzipBytes: await gzipBytes(
      `export { ErrorClassifyLink, classifyError, getClassifications } from '${dist}/classify.js';`,
      root,
    ),
    retryGzipBytes: await gzipBytes(`export { RetryBackoffLink } from '${dist}/retry.js';`, root),
    authGzipBytes: await gzipBytes(`export { AuthRefreshLink } from '${dist}/auth.js';`, root),
    etagGzipBytes: await gzipBytes(`export { EtagConflictLink } from '${dist}/etag.js';`, root),
    apolloRetryLinkGzipBytes: await gzipBytes(
      `export { RetryLink } from '${nm}/@apollo/client/link/retry/index.js';`,
      root,
    ),
    tokenRefreshLinkGzipBytes: await gzipBytes(
      `export { TokenRefreshLink } from '${nm}/apollo-link-token-refresh/lib/tokenRefreshLink.js';`,
      root,
    ),
  };
}

// ---------------------------------------------------------------- memory and timers
async function memory() {
  const operations = 100_000;
  const active = new Set<unknown>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    const handle = realSet(() => {
      active.delete(handle);
      fn();
    }, ms);
    active.add(handle);
    return handle;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((handle: ReturnType<typeof setTimeout>) => {
    active.delete(handle);
    realClear(handle);
  }) as typeof clearTimeout;
  try {
    let token = 'token-0';
    let generation = 0;
    const unavailable = Object.assign(new Error('Response not successful: Received status code 503'), {
      name: 'ServerError',
      statusCode: 503,
      bodyText: '<html>503</html>',
      response: { status: 503, headers: new Headers() },
    });
    const expired = Object.assign(new Error('Response not successful: Received status code 401'), {
      name: 'ServerError',
      statusCode: 401,
      bodyText: '{"errors":[{"message":"Token is expired"}]}',
      response: { status: 401, headers: new Headers() },
    });
    const terminating = new ApolloLink(
      (op) =>
        new Observable((o) => {
          const auth = (op.getContext().headers as Record<string, string> | undefined)?.Authorization;
          const r = Math.random();
          if (auth !== `Bearer ${token}`) o.error(expired);
          else if (r < 0.5) o.error(unavailable);
          else {
            o.next({ data: { purchaseOrder: { id: '1', number: 'x', _etag: 'e' } } });
            o.complete();
          }
        }),
    );
    const link = createResilienceLink({
      retry: { budget: false, circuitBreaker: false },
      auth: {
        getToken: () => token,
        refresh: async () => {
          await sleep(2);
          token = `token-${++generation}`;
          return token;
        },
      },
    }).concat(terminating);
    const gc = (globalThis as { gc?: () => void }).gc;
    const heap = () => {
      gc?.();
      gc?.();
      return process.memoryUsage().heapUsed;
    };
    const start = heap();
    const batch = 1000;
    for (let done = 0; done < operations; done += batch) {
      if (done % 10_000 === 0) token = `expired-${done}`; // every 10k operations the token "expires"
      const subs = Array.from({ length: batch }, (_, i) =>
        ApolloLink.execute(link, { query: QUERY, variables: { id: String(i) } }, { client: fakeClient }).subscribe({
          error: () => undefined,
        }),
      );
      await sleep(Math.random() < 0.5 ? 0 : 3); // some in a backoff, some waiting for the refresh
      for (const s of subs) s.unsubscribe();
    }
    await sleep(20);
    const heapDeltaBytes = heap() - start;
    return { operations, heapDeltaBytes, pendingTimers: active.size, gcExposed: gc !== undefined };
  } finally {
    globalThis.setTimeout = realSet;
    globalThis.clearTimeout = realClear;
  }
}

const started = new Date();
// `-- --only=overhead,bundle` runs just those figures (for working on one); nothing is written then.
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
if (only) {
  const server = await startIonServer({ tokenLatencyMs: 200, maxLifetimeMs: 15 * 60_000 });
  const figures: Record<string, () => Promise<unknown>> = {
    overhead,
    bundle,
    memory,
    refreshStorm: () => refreshStorm(server),
    outage: () => outage(server),
    recovery: () => recovery(server),
    conflict: () => conflict(server),
    partialData: () => partialData(server),
  };
  for (const name of only) console.log(name, JSON.stringify(await figures[name]!()));
  await server.close();
  process.exit(0);
}
log(`apollo-link-resilience benchmarks, ${started.toISOString()}, node ${process.version}`);
const server = await startIonServer({ tokenLatencyMs: 200, maxLifetimeMs: 15 * 60_000 });
try {
  log('overhead…');
  const o = await overhead();
  log('refresh storm…');
  const r = await refreshStorm(server);
  log('outage…');
  const u = await outage(server);
  log('recovery…');
  const v = await recovery(server);
  log('conflict…');
  const c = await conflict(server);
  log('partial data…');
  const p = await partialData(server);
  log('bundle…');
  const b = await bundle();
  log('memory…');
  const m = await memory();
  const results = {
    date: started.toISOString(),
    overhead: o,
    refreshStorm: r,
    outage: u,
    recovery: v,
    conflict: c,
    partialData: p,
    bundle: b,
    memory: m,
  };
  const table = [
    '| figure | ours | anchor | ratio / goal |',
    '| --- | --- | --- | --- |',
    `| happy-path overhead (µs/op, in-memory) | ${o.resilienceChainUsPerOp} (4 policies, one executor) | AC4 RetryLink+ErrorLink ${o.apolloRetryErrorUsPerOp}; the pair with Apollo's documented auth middleware ${o.apolloWithTokenUsPerOp}; bare ${o.bareUsPerOp}; an AC4 context read + write alone ${o.contextReadWriteUsPerOp} | ${o.ratioVsApollo} (goal ≤ 1.0); ${o.ratioVsApolloWithToken} against the pair with a token |`,
    `| refresh storm: ${r.operations} ops, expired token | ${r.refreshCalls} refresh, ${r.failed} failed, ${r.msOverRefreshLatency} ms over the ${r.refreshLatencyMs} ms refresh | one round trip of ${r.operations} ops: ${r.baselineRoundTripMs} ms | ${r.roundTripsOverRefreshLatency} round trips (goal ≤ 2) |`,
    `| total outage: requests per operation (${u.operations} ops, 100 % 503) | ${u.requestsPerOperation} (${u.oursMs} ms) | AC4 RetryLink defaults ${u.apolloRetryLinkRequestsPerOperation} (${u.apolloRetryLinkMs} ms) | goal ≤ 1.25 |`,
    `| recovery: ${v.outageMs / 1000} s total outage, one query per ${v.everyMs} ms (${v.operationsDuringOutage} during the outage): time to first success after recovery; requests during the outage | ${round(v.msToFirstSuccess / 1000)} s; ${v.requestsDuringOutage} requests | AC4 RetryLink defaults ${round(v.apolloRetryLinkMsToFirstSuccess / 1000)} s; ${v.apolloRetryLinkRequestsDuringOutage} requests | goal ≤ 2 s and ≤ 20 requests |`,
    `| partial data: time to first data, one field failing persistently (defaults) | ${p.msToFirstData} ms, ${p.requests} requests | before #19.7: ~7.5 s, 4 requests | goal ≤ 1500 ms |`,
    `| extra round trips for one non-overlapping 409 | ${c.extraRoundTrips}${c.resolved ? '' : ' (NOT resolved)'} | — | goal 2 |`,
    `| bundle, min+gzip -9 (bytes) | full ${b.fullGzipBytes}; classify ${b.classifyGzipBytes}; retry ${b.retryGzipBytes}; auth ${b.authGzipBytes}; etag ${b.etagGzipBytes} | RetryLink ${b.apolloRetryLinkGzipBytes}; apollo-link-token-refresh ${b.tokenRefreshLinkGzipBytes} | DESIGN §5 budgets: full ≤ 10000, classifyError alone ≤ 3000 (size-limit), retry ≤ 3500, auth ≤ 3000, etag ≤ 3000 (size-limit enforces today's sizes) |`,
    `| memory: ${m.operations} ops, random unsubscribe mid-backoff / mid-refresh | heap Δ ${round(m.heapDeltaBytes / 1e6)} MB, ${m.pendingTimers} pending timers | — | goal < 5 MB, 0 timers |`,
  ].join('\n');
  if (!process.argv.includes('--no-write')) {
    writeSection(
      'bench',
      `## Benchmarks\n\nMeasured ${started.toISOString().slice(0, 10)} with \`npm run bench\` (node ${process.version}, ${(await import('node:os')).cpus().length} cores, loopback). Each figure is measured in the same run as its anchor.\n\n${table}\n\n<details><summary>JSON</summary>\n\n\`\`\`json\n${JSON.stringify(results, null, 2)}\n\`\`\`\n\n</details>`,
    );
  }
  log(`\n${table}\n`);
  if (json) console.log(JSON.stringify(results));
} finally {
  await server.close();
}
