// The app's client factory: the way a React + Apollo app wires apollo-link-resilience.
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { createResilienceLink } from 'apollo-link-resilience';
import { PURCHASE_ORDER } from './documents';
import { askPerson, logEvent } from './stores';

const TOKEN_KEY = 'ion-demo-access-token';

/** The desk's token endpoint call (OAuth client_credentials); the token lives in localStorage, shared by tabs. */
async function fetchToken(): Promise<string> {
  const response = await fetch('/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'demo-client', client_secret: 'demo-secret' }),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!response.ok || !body.access_token) throw Object.assign(new Error(body.error_description ?? 'token request failed'), { status: response.status });
  localStorage.setItem(TOKEN_KEY, body.access_token);
  return body.access_token;
}

export function createClient(): ApolloClient {
  const link = createResilienceLink({
    retry: { initialDelayMs: 1000, idempotencyKey: true, circuitBreaker: { failures: 3, windowMs: 30_000, cooldownMs: 10_000 } },
    auth: {
      getToken: () => localStorage.getItem(TOKEN_KEY),
      refresh: fetchToken,
      crossTab: true,
    },
    etag: {
      mutations: {
        UpdatePurchaseOrder: {
          reread: (operation) => ({ query: PURCHASE_ORDER, variables: { id: (operation.variables.input as { id: string }).id } }),
        },
      },
      onConflict: askPerson,
    },
    onEvent: logEvent,
  });
  return new ApolloClient({ link: link.concat(new HttpLink({ uri: '/graphql' })), cache: new InMemoryCache() });
}
