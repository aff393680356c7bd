// Invisible unless it acts (issue #21, DESIGN §5 "Transparency"): where no link retried, refreshed
// or re-applied, the app sees exactly what it would see without the package — same objects, same
// fields, same JSON — and `getClassifications` still reads the right categories.
import { ApolloClient, ApolloLink, InMemoryCache, Observable, gql } from '@apollo/client/core';
import { ErrorClassifyLink, createResilienceLink, getClassifications, type Category } from '../src';
import { graphqlCodes, ion } from '../src/profiles';
import { APOLLO_MAJOR } from './helpers';

const QUERY = gql`
  query Po($id: ID!) {
    po(id: $id) {
      id
      supplier
    }
  }
`;
type Emit = (o: { next(v: unknown): void; error(e: unknown): void; complete(): void }) => void;

function frozenServerError() {
  return Object.freeze(
    Object.assign(new Error('Response not successful: Received status code 400'), {
      name: 'ServerError',
      statusCode: 400,
      bodyText: '{"message":"bad"}',
      response: { status: 400, headers: new Headers() },
    }),
  );
}
function serverError(status: number, bodyText: string) {
  return Object.assign(new Error(`Response not successful: Received status code ${status}`), {
    name: 'ServerError',
    statusCode: status,
    bodyText,
    result: bodyText.startsWith('{') ? JSON.parse(bodyText) : bodyText,
    response: { status, headers: new Headers() },
  });
}

/** Each shape: what the link below emits, and the category `getClassifications` must read. */
const SHAPES: Array<[string, () => Emit, Category, boolean]> = [
  [
    'GraphQL errors with codes and data',
    () => (o) => {
      o.next({
        data: { po: { __typename: 'Po', id: '1', supplier: null } },
        errors: [
          { message: 'Forbidden', path: ['po', 'supplier'], extensions: { code: 'FORBIDDEN' } },
          { message: 'You must be logged in', extensions: { code: 'UNAUTHENTICATED' } },
        ],
      });
      o.complete();
    },
    'unauthenticated',
    false,
  ],
  [
    'a frozen GraphQL error',
    () => (o) => {
      o.next({
        data: null,
        errors: [Object.freeze({ message: 'Part 1 not found', extensions: Object.freeze({ code: 'NOT_FOUND' }) })],
      });
      o.complete();
    },
    'not-found',
    false,
  ],
  [
    'errors: [null]',
    () => (o) => {
      o.next({ data: null, errors: [null] });
      o.complete();
    },
    'bad-request',
    false,
  ],
  [
    'errors that is not an array',
    () => (o) => {
      o.next({ data: { po: null }, errors: { message: 'boom' } });
      o.complete();
    },
    'bad-request',
    false,
  ],
  ['a frozen ServerError', () => (o) => o.error(frozenServerError()), 'bad-request', false],
  [
    'a ServerError 403',
    () => (o) =>
      o.error(
        serverError(
          403,
          '{"errors":[{"message":"User does not have permission to perform UPDATE on Purchase Order."}]}',
        ),
      ),
    'forbidden',
    false,
  ],
  ['a ServerError 503', () => (o) => o.error(serverError(503, '<html><title>503</title></html>')), 'server', true],
  [
    'a network error',
    () => (o) =>
      o.error(
        Object.assign(new TypeError('fetch failed'), {
          cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        }),
      ),
    'network',
    true,
  ],
  [
    'an AbortError',
    () => (o) => o.error(Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' })),
    'network',
    false,
  ],
];

/** The link below: emits the same (identical) objects to every client that asks. */
function terminating(emit: Emit) {
  return new ApolloLink(
    () =>
      new Observable((o) => {
        emit(o as Parameters<Emit>[0]);
      }) as never,
  );
}

async function appSees(link: ApolloLink, errorPolicy: 'none' | 'all') {
  const client = new ApolloClient({ link, cache: new InMemoryCache() }) as unknown as {
    query(o: unknown): Promise<{ data?: unknown; error?: unknown; errors?: unknown }>;
  };
  try {
    const r = await client.query({ query: QUERY, variables: { id: '1' }, errorPolicy, fetchPolicy: 'network-only' });
    return { data: r.data, error: r.error ?? (r.errors ? { errors: r.errors } : undefined) };
  } catch (error) {
    return { data: undefined, error };
  }
}

const json = (v: unknown) =>
  JSON.stringify(v, (_k, value: unknown) =>
    value instanceof Error ? { ...value, name: value.name, message: value.message } : value,
  );

describe(`transparency on Apollo Client ${APOLLO_MAJOR}`, () => {
  const links: Array<[string, (emit: Emit) => ApolloLink, (retryable: boolean) => boolean]> = [
    [
      'ErrorClassifyLink',
      (emit) => ApolloLink.from([new ErrorClassifyLink({ profiles: [ion, graphqlCodes] }), terminating(emit)]),
      () => true,
    ],
    [
      'createResilienceLink without retries',
      (emit) => createResilienceLink({ retry: { maxAttempts: 1, circuitBreaker: false } }).concat(terminating(emit)),
      () => true,
    ],
    // With retries on, only shapes that are not retried: there the link did not act.
    [
      'createResilienceLink with the defaults',
      (emit) => createResilienceLink({}).concat(terminating(emit)),
      (retryable) => !retryable,
    ],
  ];
  describe.each(links)('%s', (_name, withLink, applies) => {
    test.each(SHAPES)('%s', async (_shape, make, category, retryable) => {
      if (!applies(retryable)) return;
      for (const errorPolicy of ['none', 'all'] as const) {
        const emit = make();
        // The same emitted objects for both clients, so identity can be compared too.
        const emitted: Array<['next' | 'error', unknown]> = [];
        const recording: Emit = (o) => {
          if (emitted.length === 0)
            emit({
              next: (v) => emitted.push(['next', v]),
              error: (e) => emitted.push(['error', e]),
              complete: () => undefined,
            });
          for (const [kind, v] of emitted)
            if (kind === 'next') o.next(v);
            else o.error(v);
          if (emitted.every(([k]) => k === 'next')) o.complete();
        };
        const without = await appSees(terminating(recording), errorPolicy);
        const withIt = await appSees(withLink(recording), errorPolicy);
        expect(withIt).toEqual(without);
        expect(json(withIt)).toBe(json(without));
        if (without.error instanceof Error)
          expect(withIt.error).toBeInstanceOf((without.error as object).constructor as new () => unknown);
        const transport = emitted.find(([kind]) => kind === 'error')?.[1];
        if (transport) {
          // The app's own error object: the same object, not a wrapper.
          const seen = (withIt.error as { networkError?: unknown }).networkError ?? withIt.error;
          expect(seen === transport || (seen as { cause?: unknown }).cause === transport || APOLLO_MAJOR === 4).toBe(
            true,
          );
          if (APOLLO_MAJOR === 4) expect(seen).toBe(transport);
          expect(Object.keys(transport as object)).not.toContain('classification');
        }
        // Apollo itself drops an `errors` that is not an array: then the app sees no error, with or without us.
        if (without.error !== undefined)
          expect(getClassifications(withIt.error).map((c) => c.category)).toContain(category);
      }
    });
  });
});
