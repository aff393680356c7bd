// What an app holds around an error is classified by the error inside it: a query result's `error`
// (useQuery, client.query with errorPolicy 'all'), AC4 onError's `{ error, operation, forward }` and AC3
// onError's `{ graphQLErrors, networkError, operation, response }`. Before, such a wrapper came out as
// bad-request/unexpected-response whatever it held. An OAuth body's `error` is a string and stays an
// OAuth error; a raw result's `errors[]` still speaks first.
import * as apollo from '@apollo/client/core/index.js';
import { classifyError } from '../classifyError';
import { getClassifications } from '../getClassifications';

// AC4's error classes; AC3 (the ac3 project maps the import to 3.x) has ApolloError instead.
const { CombinedGraphQLErrors, ServerError } = apollo as Partial<typeof apollo>;
const { ApolloError } = apollo as unknown as {
  ApolloError?: new (o: { graphQLErrors?: unknown[]; networkError?: Error }) => Error;
};
const onAc4 = typeof CombinedGraphQLErrors === 'function' ? test : test.skip;
const onAc3 = typeof ApolloError === 'function' ? test : test.skip;

const operation = { operationName: 'GetPurchaseOrder', variables: {} };
const fetchFailed = () => new TypeError('Failed to fetch');
const expired = { message: 'Token is expired', extensions: { code: 'UNAUTHENTICATED' } };

describe('an error inside what the app holds is classified, not the wrapper', () => {
  test.each<[string, unknown, string, string]>([
    [
      'a query result with a network error',
      { data: undefined, error: fetchFailed(), loading: false },
      'network',
      'fetch-failed',
    ],
    [
      'a query result with a 503 (Apollo ServerError)',
      {
        data: undefined,
        error: Object.assign(new Error('Response not successful: Received status code 503'), {
          name: 'ServerError',
          statusCode: 503,
        }),
      },
      'server',
      'service-unavailable',
    ],
    [
      'AC4 onError: { error, operation, forward }',
      { error: fetchFailed(), operation, forward: () => undefined },
      'network',
      'fetch-failed',
    ],
    [
      'AC3 onError: only a networkError',
      { networkError: fetchFailed(), graphQLErrors: undefined, operation },
      'network',
      'fetch-failed',
    ],
    [
      'AC3 onError: graphQLErrors',
      { graphQLErrors: [expired], networkError: undefined, operation },
      'unauthenticated',
      'token-expired',
    ],
    [
      'a thrown { error: Error }',
      { error: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) },
      'network',
      'connection-reset',
    ],
  ])('%s', (_, value, category, reason) => {
    expect(classifyError(value)).toMatchObject({ category, reason });
    expect(getClassifications(value)[0]).toMatchObject({ category, reason });
  });

  test('AC3 onError with GraphQL errors and a network error: both are read, in that order', () => {
    const value = { graphQLErrors: [expired], networkError: fetchFailed(), operation };
    expect(getClassifications(value).map((c) => c.category)).toEqual(['unauthenticated', 'network']);
  });

  onAc4('a query result whose error is an AC4 CombinedGraphQLErrors: its errors are classified', () => {
    const error = new CombinedGraphQLErrors!({ data: null, errors: [expired] });
    const found = getClassifications({ data: undefined, error, loading: false });
    expect(found.map((c) => `${c.category}/${c.reason}`)).toEqual(['unauthenticated/token-expired']);
  });

  onAc3('a query result whose error is an AC3 ApolloError: its GraphQL errors are classified', () => {
    const error = new ApolloError!({ graphQLErrors: [expired] });
    const found = getClassifications({ data: undefined, error, loading: false });
    expect(found.map((c) => `${c.category}/${c.reason}`)).toEqual(['unauthenticated/token-expired']);
  });

  onAc4('a query result whose error is an AC4 ServerError (429): the same verdict as the error alone', () => {
    const error = new ServerError!('Response not successful: Received status code 429', {
      response: new Response('', { status: 429, headers: { 'Retry-After': '7' } }),
      bodyText: '',
    } as ConstructorParameters<typeof apollo.ServerError>[1]);
    expect(classifyError(error).category).toBe('rate-limited');
    expect(classifyError({ data: undefined, error })).toEqual(classifyError(error));
  });

  test.each<[string, unknown, string]>([
    [
      'an OAuth body: its error is a code, not a wrapped error',
      { error: 'invalid_grant', error_description: 'Refresh token expired' },
      'unauthenticated',
    ],
    [
      'a raw result: errors[] speaks, not a stray error field',
      { data: null, errors: [expired], error: fetchFailed() },
      'unauthenticated',
    ],
    ['a wrapper with nothing inside', { data: undefined, error: null, networkError: undefined }, 'bad-request'],
  ])('%s', (_, value, category) => {
    expect(classifyError(value).category).toBe(category);
  });

  // An object that carries its own signal (a status, a code, a message, a body) is the error itself, even
  // with an `error` object inside (Elasticsearch-style bodies, a GraphQL error with a nested `error`).
  test.each<[string, unknown, string, boolean]>([
    [
      'a 429 body with an error object',
      { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } },
      'rate-limited',
      true,
    ],
    [
      'a statusCode 401 with an error object',
      { statusCode: 401, error: { message: 'Token expired' } },
      'unauthenticated',
      false,
    ],
    ['a 503 with an error object', { status: 503, error: { message: 'Service Unavailable' } }, 'server', true],
    [
      'a 500 with a body and an error object',
      { status: 500, body: { message: 'boom' }, error: { message: 'x' } },
      'server',
      true,
    ],
    [
      'a GraphQL error with a code and a nested error',
      { message: 'Token is expired', extensions: { code: 'UNAUTHENTICATED' }, error: { message: 'inner' } },
      'unauthenticated',
      false,
    ],
    [
      'a message and a networkError object',
      { message: 'Gateway down', networkError: { code: 'X' }, status: 502 },
      'server',
      true,
    ],
  ])('not a wrapper: %s', (_, value, category, retryable) => {
    expect(classifyError(value)).toMatchObject({ category, retryable });
  });

  // A result read whole keeps the status it says it came with (collectFacts did; the split per error lost it).
  test.each<[string, unknown, Record<string, unknown>]>([
    [
      'a result with errors and status 503',
      { data: null, errors: [{ message: 'Something broke' }], status: 503 },
      { category: 'server', reason: 'service-unavailable', status: 503, retryable: true },
    ],
    [
      'a result with errors and status 401',
      { data: null, errors: [{ message: 'Unauthorized' }], status: 401 },
      { category: 'unauthenticated', status: 401 },
    ],
    [
      'a result with errors and status 429',
      { errors: [{ message: 'Slow down' }], status: 429 },
      { category: 'rate-limited', status: 429 },
    ],
    [
      'a status that is not a number is not a status',
      { errors: [{ message: 'x' }], status: 'error' },
      { category: 'unknown' },
    ],
  ])('%s', (_, value, want) => {
    expect(classifyError(value)).toMatchObject(want);
  });

  test('without a status of its own, the status passed in applies to each error', () => {
    expect(classifyError({ errors: [{ message: 'x' }] }, { status: 502 })).toMatchObject({
      category: 'server',
      status: 502,
    });
    expect(classifyError({ errors: [{ message: 'x' }], status: 429 }, { status: 502 })).toMatchObject({
      category: 'rate-limited',
      status: 429,
    });
  });

  test('a query result without an error is still clean', () => {
    expect(getClassifications({ data: { po: { id: '1' } }, error: undefined, loading: false })).toEqual([]);
  });
});
