// `npm run soak` / `npm run soak -- --json`: 8 clients, 10,000+ operations against the ION-like
// server with random faults and offline periods, then 10,000 generated answers through the full
// chain and classifyError. Bounded in count and time, loopback only.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import fc from 'fast-check';
import { startIonServer, type FaultSpec } from '../demo-app/server/ionServer';
import { createOfflineSwitch, type OfflineSwitch } from '../demo-app/src/offlineSwitch';
import { writeSection } from './results';
import { clientCredentials, createResilienceLink, getClassifications, type EtagConflictLink } from '../src/index';
import { OutboxLink, manualConnectivity, memoryStorage, replayLock } from '../src/offline/index';
import { readAnnotations } from '../src/classify/annotations';
import { anythingWithTokens, classifyAnything, runThroughChain, serverAnswer } from '../tests/fuzz/serverAnswers';

const json = process.argv.includes('--json');
const log = (...a: unknown[]) => {
  if (!json) console.log(...a);
};
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const OPERATIONS = arg('operations', 10_000);
const CLIENTS = arg('clients', 8);
const FUZZ = arg('fuzz', 10_000);
const HANG_MS = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PO = gql`
  query PurchaseOrder($id: ID!) {
    purchaseOrder(id: $id) {
      id
      counter
      _etag
      supplierRating
      leadTimeDays
    }
  }
`;
const READ = gql`
  query PurchaseOrderCounter($id: ID!) {
    purchaseOrder(id: $id) {
      id
      counter
      _etag
    }
  }
`;
const INCREMENT = gql`
  mutation UpdatePurchaseOrder($input: UpdatePurchaseOrderInput!) {
    updatePurchaseOrder(input: $input) {
      id
      counter
      _etag
    }
  }
`;
const HOT = ['1', '2', '3', '4', '5'];

function annotated(error: unknown): boolean {
  if (readAnnotations(error)) return true;
  const errors = (error as { errors?: unknown[] } | null)?.errors;
  return Array.isArray(errors) && errors.length > 0 && errors.every((e) => readAnnotations(e) !== undefined);
}

const started = Date.now();
const server = await startIonServer({
  tokenTtlMs: 60_000,
  tokenLatencyMs: 20,
  purchaseOrders: 20,
  maxLifetimeMs: 10 * 60_000,
});
// Count every timer created from here on; what is still pending at the end leaked.
const active = new Set<unknown>();
const origins = new Map<unknown, string>();
const realSet = globalThis.setTimeout;
const realClear = globalThis.clearTimeout;
globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
  const handle = realSet(() => {
    active.delete(handle);
    fn(...rest);
  }, ms);
  // Node's own fetch (undici) keeps keep-alive timers on its sockets: not ours to count.
  const stack = new Error(`timer ${ms} ms`).stack ?? '';
  if (!stack.includes('node:internal/deps/undici')) active.add(handle);
  if (process.env.SOAK_DEBUG) origins.set(handle, stack);
  return handle;
}) as typeof setTimeout;
globalThis.clearTimeout = ((handle: ReturnType<typeof setTimeout>) => {
  active.delete(handle);
  realClear(handle);
}) as typeof clearTimeout;

const stats = {
  operations: 0,
  acknowledgedIncrements: 0,
  competitorIncrements: 0,
  tokenExpiries: 0,
  offlinePeriods: 0,
  offlineMs: 0,
  keptOffline: 0,
  replayed: 0,
  hungOperations: 0,
  unclassifiedErrors: 0,
  errors: 0,
};

const initial = HOT.reduce((sum, id) => sum + server.purchaseOrders.get(id)!.counter, 0);

// The chaos: random faults, token expiry every few seconds, a competing writer.
let chaos = true;
const faults: Array<() => FaultSpec> = [
  () => ({
    kind: 'status',
    status: [500, 502, 503][Math.floor(Math.random() * 3)]!,
    count: 1 + Math.floor(Math.random() * 2),
  }),
  () => ({ kind: 'status', status: 429, retryAfter: Math.random() < 0.5 ? '0' : '1' }),
  () => ({ kind: 'drop', phase: Math.random() < 0.5 ? 'before' : 'after' }),
  () => ({ kind: 'slow', delayMs: 100 + Math.floor(Math.random() * 1500) }),
  () => ({ kind: 'partial', field: 'supplierRating' }),
];
const injector = (async () => {
  let lastExpiry = Date.now();
  let requestsAtLastFault = 0;
  while (chaos) {
    // A fault waits for a request to hit: while traffic is thin (everyone offline, or waiting), they
    // would pile up and fail every request for a long while. At most one new fault per 3 requests.
    if (server.stats.graphqlRequests - requestsAtLastFault >= 3) {
      requestsAtLastFault = server.stats.graphqlRequests;
      server.inject(faults[Math.floor(Math.random() * faults.length)]!());
    }
    if (Date.now() - lastExpiry > 3000) {
      server.inject({ kind: 'expire-tokens' });
      stats.tokenExpiries++;
      lastExpiry = Date.now();
    }
    if (Math.random() < 0.5) {
      const id = HOT[Math.floor(Math.random() * HOT.length)]!;
      server.applyEdit(id, { counter: server.purchaseOrders.get(id)!.counter + 1 }, 'competitor@acme.test');
      stats.competitorIncrements++;
    }
    await sleep(40);
  }
})();

const increment: EtagConflictLink.MutationConfig = {
  reread: (op) => ({ query: READ, variables: { id: (op.variables.input as { id: string }).id } }),
  reapply: ({ latest, variables }) => ({
    input: { ...(variables.input as object), counter: (latest.counter as number) + 1 },
  }),
};

type AnyClient = {
  query(o: object): Promise<{ data?: any; error?: unknown }>;
  mutate(o: object): Promise<{ data?: unknown; error?: unknown }>;
  stop(): void;
};
/** One device: its client, its network (the demo's Offline switch: requests fail to fetch while off) and its outbox. */
interface Device {
  client: AnyClient;
  network: OfflineSwitch;
  outbox: OutboxLink;
}
function makeDevice(n: number): Device {
  const network = createOfflineSwitch({ source: manualConnectivity(true), fetch: (input, init) => fetch(input, init) });
  const { connectivity } = network;
  const source = clientCredentials({
    tokenUrl: server.tokenUrl,
    clientId: 'demo-client',
    clientSecret: 'demo-secret',
    fetch: network.fetch,
  });
  const outbox = new OutboxLink({
    mutations: ['UpdatePurchaseOrder'],
    connectivity,
    storage: memoryStorage(),
    lock: replayLock(`soak-device-${n}`), // one device each (without Web Locks the lock is per name in a process)
    retryUnreachable: { initialDelayMs: 100, maxDelayMs: 1000 },
    onEvent: (event) => {
      if (event.type === 'outbox-enqueue') stats.keptOffline++;
      if (event.type === 'outbox-replay') stats.replayed++;
    },
  });
  const link = createResilienceLink({
    retry: {
      initialDelayMs: 25,
      maxDelayMs: 400,
      attemptTimeoutMs: 1000,
      idempotencyKey: true,
      circuitBreaker: { failures: 5, windowMs: 2000, cooldownMs: 250 },
      connectivity,
    },
    auth: source,
    etag: { mutations: { UpdatePurchaseOrder: increment }, maxAttempts: 30 },
  });
  const client = new ApolloClient({
    link: ApolloLink.from([outbox, link, new HttpLink({ uri: server.graphqlUrl, fetch: network.fetch })]),
    cache: new InMemoryCache(),
  }) as unknown as AnyClient;
  outbox.attach(client as unknown as ApolloClient);
  return { client, network, outbox };
}

/** Offline periods: each device goes offline now and then (0.2–1 s every 2–6 s) while the chaos lasts; requests on their way fail. */
async function offlinePeriods(device: Device): Promise<void> {
  while (chaos) {
    await sleep(2000 + Math.floor(Math.random() * 4000));
    if (!chaos) break;
    const ms = 200 + Math.floor(Math.random() * 800);
    device.network.set(true);
    stats.offlinePeriods++;
    stats.offlineMs += ms;
    await sleep(ms);
    device.network.set(false);
  }
}

async function bounded<T>(p: Promise<T>): Promise<T | 'hung'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<'hung'>((r) => {
    timer = setTimeout(() => r('hung'), HANG_MS);
  });
  try {
    return await Promise.race([p.catch((error: unknown) => ({ error }) as T), hung]);
  } finally {
    clearTimeout(timer);
  }
}

const errorKinds: Record<string, number> = {};
function account(outcome: { error?: unknown } | 'hung'): boolean {
  stats.operations++;
  if (outcome === 'hung') {
    stats.hungOperations++;
    return false;
  }
  if (outcome.error !== undefined) {
    stats.errors++;
    if (process.env.SOAK_DEBUG) {
      const c = getClassifications(outcome.error)[0];
      const kind = c ? `${c.category}/${c.reason ?? ''}` : 'unclassified';
      errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
    }
    if (!annotated(outcome.error)) stats.unclassifiedErrors++;
    return false;
  }
  return true;
}

let issued = 0;
const acknowledged: Array<{ id: string; counter: number }> = [];
async function worker(client: AnyClient, n: number) {
  while (issued < OPERATIONS) {
    issued += 1;
    const op = issued;
    if (op % 5 < 3) {
      account(
        await bounded(
          client.query({
            query: PO,
            variables: { id: String((op % 20) + 1), n: op },
            fetchPolicy: 'network-only',
            errorPolicy: 'all',
          }),
        ),
      );
    } else {
      const id = HOT[(op + n) % HOT.length]!;
      const read = await bounded(client.query({ query: READ, variables: { id, n: op }, fetchPolicy: 'network-only' }));
      if (!account(read) || read === 'hung') continue;
      const po = read.data.purchaseOrder as { counter: number; _etag: string };
      const outcome = await bounded(
        client.mutate({ mutation: INCREMENT, variables: { input: { id, _etag: po._etag, counter: po.counter + 1 } } }),
      );
      const ok = account(outcome);
      if (ok && outcome !== 'hung') {
        stats.acknowledgedIncrements++;
        const saved = (outcome.data as { updatePurchaseOrder: { counter: number } }).updatePurchaseOrder;
        acknowledged.push({ id, counter: saved.counter });
      }
    }
  }
}

log(`soak: ${CLIENTS} clients, ${OPERATIONS} operations, faults and offline periods at random`);
const devices = Array.from({ length: CLIENTS }, (_, n) => makeDevice(n));
const clients = devices.map((d) => d.client);
const offline = devices.map(offlinePeriods);
await Promise.all(
  clients.flatMap((c, i) => [worker(c, i), worker(c, i + 100), worker(c, i + 200), worker(c, i + 300)]),
);
chaos = false;
await injector;
await Promise.all(offline);
const soakMs = Date.now() - started;
// Every caller has its answer, so every kept change was delivered (or refused): nothing may be left.
const keptAtTheEnd = devices.reduce((n, d) => n + d.outbox.entries.length, 0);
if (process.env.SOAK_DEBUG) console.error('errors surfaced:', errorKinds);
if (process.env.SOAK_DEBUG)
  for (const [i, d] of devices.entries())
    for (const e of d.outbox.entries)
      console.error(
        `device ${i} kept:`,
        JSON.stringify({
          ...e,
          query: undefined,
          ageMs: Date.now() - e.enqueuedAt,
          online: d.network.connectivity.isOnline(),
        }),
      );
for (const d of devices) d.outbox.dispose();
for (const c of clients) c.stop();
server.clearFaults();

const actual =
  HOT.reduce((sum, id) => sum + server.purchaseOrders.get(id)!.counter, 0) - initial - stats.competitorIncrements;
if (process.env.SOAK_DEBUG) {
  const applied = new Set(server.history.filter((h) => h.by === 'desk@acme.test').map((h) => `${h.id}:${h.counter}`));
  const acked = acknowledged.map((a) => `${a.id}:${a.counter}`);
  const dupAcks = acked.filter((a, i) => acked.indexOf(a) !== i);
  console.error(
    'acknowledged but not applied:',
    acked.filter((a) => !applied.has(a)),
    'acknowledged twice:',
    dupAcks,
  );
  for (const d of dupAcks)
    console.error(
      d,
      server.history.filter((h) => `${h.id}:${h.counter}` === d),
    );
}
const duplicateApplies = Object.values(server.stats.appliedByKey).filter((n) => n > 1).length;

// Fuzz: generated answers through the full chain and a real HttpLink, and through classifyError.
log(`fuzz: ${FUZZ} generated server answers…`);
let fuzzCrashes = 0;
let fuzzUnclassified = 0;
let fuzzLeaks = 0;
let unhandled = 0;
process.on('unhandledRejection', () => {
  unhandled++;
});
const samples = fc.sample(fc.tuple(serverAnswer, fc.constantFrom<'query' | 'mutation'>('query', 'mutation')), {
  numRuns: FUZZ,
  seed: 20261124,
});
for (const [answer, kind] of samples) {
  const o = await runThroughChain(answer, kind);
  if (o.threw || o.hung || o.terminalEvents !== 1) fuzzCrashes++;
  fuzzUnclassified += o.unclassified;
  if (o.leaks.length > 0) fuzzLeaks++;
}
for (const value of fc.sample(anythingWithTokens, { numRuns: FUZZ, seed: 1124 })) {
  try {
    const { ok, leak } = classifyAnything(value);
    if (!ok) fuzzUnclassified++;
    if (leak) fuzzLeaks++;
  } catch {
    fuzzCrashes++;
  }
}
fuzzCrashes += unhandled;

await sleep(2500); // the server's own slow-fault sleeps end; anything pending after this leaked
const leakedTimers = active.size;
if (process.env.SOAK_DEBUG) for (const h of active) console.error(origins.get(h)?.split('\n').slice(0, 6).join('\n'));
const results = {
  date: new Date(started).toISOString(),
  operations: stats.operations,
  clients: CLIENTS,
  faultsInjected: server.stats.faultsInjected + stats.tokenExpiries + stats.competitorIncrements,
  offlinePeriods: stats.offlinePeriods,
  offlineSeconds: Math.round(stats.offlineMs / 1000),
  mutationsKeptOffline: stats.keptOffline,
  outboxReplays: stats.replayed,
  keptAtTheEnd,
  lostUpdates: Math.max(0, stats.acknowledgedIncrements - actual),
  duplicateApplies,
  unacknowledgedApplies: Math.max(0, actual - stats.acknowledgedIncrements),
  acknowledgedIncrements: stats.acknowledgedIncrements,
  hungOperations: stats.hungOperations,
  leakedTimers,
  unclassifiedErrors: stats.unclassifiedErrors + fuzzUnclassified,
  errorsSurfaced: stats.errors,
  fuzzCases: FUZZ * 2,
  fuzzCrashes,
  fuzzTokenLeaks: fuzzLeaks,
  soakSeconds: Math.round(soakMs / 1000),
  totalSeconds: Math.round((Date.now() - started) / 1000),
};
await server.close();
log(
  `\n| figure | value |\n| --- | --- |\n${Object.entries(results)
    .map(([k, v]) => `| ${k} | ${v} |`)
    .join('\n')}\n`,
);
if (!process.argv.includes('--no-write')) {
  writeSection(
    'soak',
    `## Fault soak and fuzz\n\nMeasured ${results.date.slice(0, 10)} with \`npm run soak\`: ${CLIENTS} clients (each its own ApolloClient with the full chain, idempotency keys on) against the ION-like server with random 5xx HTML pages, 429 + Retry-After, dropped connections (before and after applying), slow responses past the attempt timeout, partial field errors, token expiry every 3 s, a competing writer incrementing the same purchase orders, and offline periods (each client offline 0.2–1 s every 2–6 s: its requests fail to fetch, requests on their way are cut; an OutboxLink keeps its mutations, the retry link pauses its reads); then ${FUZZ} generated server answers through the full chain and a real HttpLink, and ${FUZZ} generated values through classifyError.\n\n| figure | value |\n| --- | --- |\n${Object.entries(
      results,
    )
      .map(([k, v]) => `| ${k} | ${v} |`)
      .join('\n')}`,
  );
}
if (json) console.log(JSON.stringify(results));
const bad =
  results.keptAtTheEnd +
  results.lostUpdates +
  results.duplicateApplies +
  results.hungOperations +
  results.leakedTimers +
  results.unclassifiedErrors +
  results.fuzzCrashes +
  results.fuzzTokenLeaks;
process.exit(bad > 0 ? 1 : 0);
