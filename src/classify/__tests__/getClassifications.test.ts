// getClassifications is the app's one way to read classifications: on a result without errors it must
// say "none", or an app calling it on every result (a hook, a reporter) would show a false error.
import { getClassifications } from '../getClassifications';

describe('getClassifications', () => {
  test.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['a result with data', { data: { po: { id: '1' } } }],
    ['a query result (AC3/AC4 shape)', { data: { po: null }, loading: false, networkStatus: 7 }],
    ['a result with an empty errors[]', { data: { po: null }, errors: [] }],
    // Some servers send `"errors": null` with their data; ErrorClassifyLink passes such a result on as clean.
    ['a result with errors: null', { data: { po: { id: '1' } }, errors: null }],
    ['a result with data: null and no errors', { data: null }],
    ['a query result whose error is undefined', { data: {}, error: undefined }],
  ])('%s: none', (_, value) => {
    expect(getClassifications(value)).toEqual([]);
  });

  test.each<[string, unknown, string]>([
    [
      'a result with a GraphQL error',
      { data: { po: null }, errors: [{ message: 'Not found', extensions: { code: 'NOT_FOUND' } }] },
      'not-found',
    ],
    ['a data-shaped value that carries a status', { data: {}, status: 503 }, 'server'],
    ['a data-shaped value that carries a statusCode', { data: {}, statusCode: 503 }, 'server'],
    [
      'a data-shaped value that carries a message',
      { data: {}, message: 'Unauthorized', statusCode: 401 },
      'unauthenticated',
    ],
    [
      'an Error with a data property',
      Object.assign(new Error('Request failed'), { data: {}, statusCode: 500 }),
      'server',
    ],
    ['a thrown empty object', {}, 'bad-request'],
    // A value with data that carries an error of any kind is not a clean result.
    // A query result ({ data, error }) carries the error inside: that error is classified, not the wrapper.
    ['a data-shaped value with an error', { data: {}, error: new Error('Token is expired') }, 'unauthenticated'],
    [
      'a data-shaped value with a networkError',
      { data: {}, networkError: new TypeError('Failed to fetch') },
      'network',
    ],
    [
      'a data-shaped value with graphQLErrors',
      { data: {}, graphQLErrors: [{ message: 'Token is expired' }] },
      'unauthenticated',
    ],
    [
      'a data-shaped value with errors: [] and a message',
      { data: {}, errors: [], message: 'Token is expired' },
      'unauthenticated',
    ],
    ['an Error without a message, with data', Object.assign(new Error(), { message: undefined, data: {} }), 'unknown'],
  ])('%s: classified (%#)', (_, value, category) => {
    const found = getClassifications(value);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]!.category).toBe(category);
  });
});
