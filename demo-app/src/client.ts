// The app's client factory: the way a React + Apollo app wires apollo-link-resilience.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { createResilienceLink } from 'apollo-link-resilience';
import { OutboxLink, manualConnectivity } from 'apollo-link-resilience/offline';
import { ion } from 'apollo-link-resilience/profiles';
import { PURCHASE_ORDER } from './documents';
import { createOfflineSwitch } from './offlineSwitch';
import { askPerson, logEvent, setDiscard, setWaitingChanges, watchCircuit } from './stores';

const TOKEN_KEY = 'ion-demo-access-token';

/**
 * Online when the browser says so and the fault panel's Offline switch is off. The outbox and the
 * retry link read the same source; the app's fetch fails like an offline browser's while the switch is on.
 */
export const offline = createOfflineSwitch({
  source: manualConnectivity(true),
  fetch: (input, init) => fetch(input, init),
  signals: window,
  storage: sessionStorage,
});

/** The desk's token endpoint call (OAuth client_credentials); the token lives in localStorage, shared by tabs. */
async function fetchToken(): Promise<string> {
  const response = await offline.fetch('/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'demo-client', client_secret: 'demo-secret' }),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!response.ok || !body.access_token)
    throw Object.assign(new Error(body.error_description ?? 'token request failed'), { status: response.status });
  localStorage.setItem(TOKEN_KEY, body.access_token);
  return body.access_token;
}

/**
 * What a form wants to know about how its mutation travelled: a `{ delivery }` object passed in the
 * mutation's context is filled with the Idempotency-Key the links sent and how many attempts carried it.
 */
export interface Delivery {
  attempts: number;
  idempotencyKey?: string;
}

/** Sits between the links and HttpLink, so it sees every attempt the links send (demo instrumentation). */
const deliveryTrace = new ApolloLink((operation, forward) => {
  const { delivery, headers } = operation.getContext() as { delivery?: Delivery; headers?: Record<string, string> };
  const key = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'idempotency-key')?.[1];
  if (delivery && key) {
    // A re-applied change after a 409 is a new logical mutation with its own key: count afresh.
    if (delivery.idempotencyKey !== key) Object.assign(delivery, { idempotencyKey: key, attempts: 0 });
    delivery.attempts += 1;
  }
  return forward(operation);
});

export function createClient(): ApolloClient {
  const { connectivity } = offline;
  // First in the chain: a save made offline (or one that got no answer) is kept in localStorage and
  // replayed through everything below — etag, retry with its original Idempotency-Key, a fresh token.
  const outbox = new OutboxLink({
    mutations: ['UpdatePurchaseOrder'],
    connectivity,
    onChange: setWaitingChanges,
    onEvent: (event) => {
      logEvent(event);
      // After a reload nobody waits for the change's result: reload what the screen shows.
      if (event.type === 'outbox-delivered') void client.refetchQueries({ include: 'active' });
    },
  });
  setDiscard((id) => outbox.discard(id));
  const link = createResilienceLink({
    // The desk talks to an ION-like API: ION's profile names the 403 causes, 422 fields and soft deletes.
    classify: { profiles: [ion] },
    retry: {
      initialDelayMs: 1000,
      idempotencyKey: true,
      circuitBreaker: { failures: 3, windowMs: 30_000, cooldownMs: 10_000 },
      // Offline, a failed request waits for the network instead of spending attempts or opening the circuit.
      connectivity,
    },
    auth: {
      getToken: () => localStorage.getItem(TOKEN_KEY),
      refresh: fetchToken,
      crossTab: true,
    },
    etag: {
      mutations: {
        UpdatePurchaseOrder: {
          reread: (operation) => ({
            query: PURCHASE_ORDER,
            variables: { id: (operation.variables.input as { id: string }).id },
          }),
        },
      },
      onConflict: askPerson,
    },
    onEvent: logEvent,
  });
  const client: ApolloClient = new ApolloClient({
    link: ApolloLink.from([outbox, link, deliveryTrace, new HttpLink({ uri: '/graphql', fetch: offline.fetch })]),
    cache: new InMemoryCache(),
  });
  // Changes kept by an earlier page load are replayed as soon as the network allows, not at the first query.
  outbox.attach(client);
  void outbox.ready.then(() => setWaitingChanges(outbox.entries));
  reloadWhenTheServerIsBack(client);
  return client;
}

/**
 * An open circuit fails new requests fast. When its next probe is due, one of the queries on screen
 * is refetched: that request is the probe. When the circuit closes, every query on screen is
 * refetched, so no view keeps showing what it had (or did not have) during the outage.
 */
function reloadWhenTheServerIsBack(client: ApolloClient): void {
  let probeTimer: ReturnType<typeof setTimeout> | undefined;
  watchCircuit((view, previous) => {
    if (probeTimer !== undefined) clearTimeout(probeTimer);
    probeTimer = undefined;
    if (view.state === 'closed' && previous.state !== 'closed') {
      void client.refetchQueries({ include: 'active' });
    } else if (view.state === 'open' && view.nextProbeAt !== undefined) {
      probeTimer = setTimeout(
        () => {
          probeTimer = undefined;
          const [probe] = client.getObservableQueries('active');
          void probe?.refetch().catch(() => undefined);
        },
        Math.max(0, view.nextProbeAt - Date.now()) + 50,
      );
    }
  });
}
