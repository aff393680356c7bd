// Shared by the integration suites: a real ION-like server and a real ApolloClient + HttpLink,
// on whichever Apollo Client major this jest project maps `@apollo/client` to.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client/core';
import type { DocumentNode } from 'graphql';
import { IonServer, startIonServer, type IonServerOptions } from '../demo-app/server/ionServer';

export { gql, ApolloClient, ApolloLink, HttpLink, InMemoryCache };
export { IonServer, startIonServer };

export const APOLLO_MAJOR: 3 | 4 = (require('@apollo/client/package.json') as { version: string }).version.startsWith(
  '3.',
)
  ? 3
  : 4;

export async function startServer(options: IonServerOptions = {}): Promise<IonServer> {
  return startIonServer({ maxLifetimeMs: 5 * 60_000, ...options });
}

export function makeClient(link: ApolloLink): ApolloClient {
  return new ApolloClient({ link, cache: new InMemoryCache() }) as unknown as ApolloClient;
}

export function httpLink(server: IonServer, headers: Record<string, string> = {}): HttpLink {
  return new HttpLink({ uri: server.graphqlUrl, headers });
}

/** A link that adds a fixed token (for suites that do not test the auth link). */
export function bearer(token: string): ApolloLink {
  return new ApolloLink((operation, forward) => {
    operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => ({
      headers: { ...headers, authorization: `Bearer ${token}` },
    }));
    return forward!(operation);
  });
}

export interface Outcome<T = Record<string, unknown>> {
  data: T | undefined | null;
  error: unknown;
}

type AnyClient = {
  query(options: Record<string, unknown>): Promise<{ data?: unknown; error?: unknown; errors?: unknown }>;
  mutate(options: Record<string, unknown>): Promise<{ data?: unknown; error?: unknown; errors?: unknown }>;
};

/** Runs a query or mutation and returns `{ data, error }` the same way on AC3 and AC4. */
export async function run<T = Record<string, unknown>>(
  client: ApolloClient,
  kind: 'query' | 'mutate',
  options: {
    query?: DocumentNode;
    mutation?: DocumentNode;
    variables?: Record<string, unknown>;
    errorPolicy?: 'none' | 'all';
    context?: Record<string, unknown>;
    fetchPolicy?: string;
  },
): Promise<Outcome<T>> {
  const c = client as unknown as AnyClient;
  const opts: Record<string, unknown> = { fetchPolicy: kind === 'query' ? 'network-only' : undefined, ...options };
  if (kind === 'mutate') delete opts.fetchPolicy;
  try {
    const result = await (kind === 'query' ? c.query(opts) : c.mutate(opts));
    if (result.error) return { data: result.data as T, error: result.error };
    // AC3 with errorPolicy 'all' reports GraphQL errors as `errors`.
    if (Array.isArray(result.errors) && result.errors.length > 0)
      return {
        data: result.data as T,
        error: { graphQLErrors: result.errors, name: 'ApolloError', message: 'GraphQL errors' },
      };
    return { data: result.data as T, error: undefined };
  } catch (error) {
    return { data: undefined, error };
  }
}

export const PO_QUERY = gql`
  query PurchaseOrder($id: ID!) {
    purchaseOrder(id: $id) {
      id
      number
      supplier
      status
      notes
      quantity
      counter
      _etag
      updatedBy
    }
  }
`;

/** The etag link's re-read of the purchase order an `UpdatePurchaseOrder` mutation writes. */
export const reread = (op: { variables: Record<string, unknown> }) => ({
  query: PO_QUERY,
  variables: { id: (op.variables.input as { id: string }).id },
});
export const PO_WITH_RATING = gql`
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
export const UPDATE_PO = gql`
  mutation UpdatePurchaseOrder($input: UpdatePurchaseOrderInput!) {
    updatePurchaseOrder(input: $input) {
      id
      number
      supplier
      status
      notes
      quantity
      counter
      _etag
      updatedBy
    }
  }
`;

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
