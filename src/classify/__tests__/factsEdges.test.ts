// The edges of what facts.ts reads (#22, survivors of the quiet-machine facts run): bounds on what is
// read (errors per envelope, an HTML page's title, a cause chain, nesting), a body's `errors` that is
// one object, and the body kind a user rule can match on (`facts.body`).
import type { ClassificationRule } from '../types';
import { classifyError, classifyErrors } from '../classifyError';
import { serverErrorWithBody as server } from '../../__testUtils__/fixtures';

describe('bounds', () => {
  test('a REST envelope with 60 entries gives the first 50 (MAX_ERRORS), in order', () => {
    const data = Array.from({ length: 60 }, (_, i) => ({
      propertyName: `field${i}`,
      message: `Field ${i} is invalid`,
    }));
    const out = classifyErrors(server(422, JSON.stringify({ type: 'Error', status: 'error', data })));
    expect(out).toHaveLength(50);
    expect(out[0]!.message).toBe('Field 0 is invalid');
    expect(out[49]!.message).toBe('Field 49 is invalid');
  });

  test.each<[string, number, string]>([
    ['a title near the top is read', 100, 'HTML error page: Gateway Timeout'],
    ['a title after the first 4096 characters is not looked for', 5000, 'HTML error page'],
  ])('HTML page: %s', (_, padding, message) => {
    const page = `<html><head>${' '.repeat(padding)}<title>Gateway Timeout</title></head><body>…</body></html>`;
    expect(classifyError(server(504, page))).toMatchObject({ category: 'server', message });
  });

  /** A failure whose system code sits `depth` causes down. */
  const chain = (depth: number) => {
    let error: Error = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    for (let i = 0; i < depth; i++) error = new Error(`wrapper ${i}`, { cause: error });
    return error;
  };
  test.each<[number, string]>([
    [0, 'network'],
    [4, 'network'],
    [5, 'unknown'], // five causes down: past the bound, not read
  ])('a system code %i causes down: %s', (depth, category) => {
    expect(classifyError(chain(depth)).category).toBe(category);
  });

  test('an Apollo error that holds itself as its network error ends, as an unexpected shape', () => {
    const looped: Record<string, unknown> = { name: 'ApolloError', message: 'loop', graphQLErrors: [] };
    looped.networkError = looped;
    expect(classifyError(looped)).toMatchObject({ category: 'bad-request', reason: 'unexpected-response' });
  });
});

describe('a body whose `errors` is one object, not a list', () => {
  test('its message is the message', () => {
    expect(classifyError(server(400, JSON.stringify({ errors: { message: 'Quota exceeded' } })))).toMatchObject({
      category: 'bad-request',
      message: 'Quota exceeded',
    });
  });

  test('without a message: the default text, not an invented one', () => {
    expect(classifyError(server(400, JSON.stringify({ errors: { code: 'X' } }))).message).toBe(
      'Bad request error (HTTP 400), no message',
    );
  });
});

describe("facts.body 'empty', as a user rule sees it", () => {
  const rule: ClassificationRule = {
    id: 'app/empty-answer',
    match: (f) => f.body === 'empty',
    classify: { category: 'server', reason: 'empty-answer', retryable: true },
  };
  test.each<[string, unknown, boolean]>([
    ['a bare { status: 503 }', { status: 503 }, true],
    ['an empty body text', server(503, ''), true],
    ['{ status, message }: a message is an answer', { status: 503, message: 'Maintenance' }, false],
    ['a named object with a status', { name: 'GatewayError', status: 503 }, false],
    ['an Error with a status', Object.assign(new Error(''), { status: 503 }), false],
  ])('%s → empty: %s', (_, input, empty) => {
    expect(classifyError(input, { rules: [rule] }).reason === 'empty-answer').toBe(empty);
  });
});

describe('entries without a message get the default text, not an invented one', () => {
  test.each<[string, unknown, Record<string, unknown>]>([
    [
      'a GraphQL errors entry that is a number',
      { status: 500, body: { errors: [42] } },
      { category: 'server', message: 'Server error (HTTP 500), no message' },
    ],
    [
      'a REST envelope entry without a message',
      server(422, JSON.stringify({ type: 'Error', status: 'error', data: [{ propertyName: 'qty' }] })),
      { category: 'validation', message: 'Validation error (HTTP 422), no message' },
    ],
    [
      'a JSON body with nothing to say',
      server(500, JSON.stringify({ ok: false })),
      { category: 'server', message: 'Server error (HTTP 500), no message' },
    ],
  ])('%s', (_, input, want) => {
    expect(classifyError(input)).toMatchObject(want);
  });
});

// In a 200, a GraphQL errors entry that is not an object or a string is a shape no server should send.
test.each<[string, unknown, string]>([
  ['a string entry is a message', 'Boom', 'unknown'],
  ['a number entry is an unexpected shape', 42, 'bad-request'],
])('errors[] in a 200: %s', (_, entry, category) => {
  expect(classifyError({ status: 200, body: { errors: [entry] } }).category).toBe(category);
});

// Only a TypeError that says fetch/network/socket/connect is a transport failure; any other thrown error is the app's.
test.each<[string, unknown, string]>([
  ['a plain Error', new Error('Cannot read properties of undefined'), 'unknown'],
  ['a TypeError from app code', new TypeError('x.map is not a function'), 'unknown'],
  ['an app Error that mentions connect', new Error('Could not connect the payment provider'), 'unknown'],
  ['a named error object', { name: 'ValidationError', message: 'bad input' }, 'unknown'],
  ['a fetch TypeError', new TypeError('Failed to fetch'), 'network'],
  ["Safari's fetch TypeError", new TypeError('Load failed'), 'network'],
])('a thrown %s', (_, input, category) => {
  expect(classifyError(input).category).toBe(category);
});

// An Apollo error inside what the app holds (AC3's query result `{ data, error: ApolloError }`): its parts are read.
describe('an Apollo error held in a query result', () => {
  const held = (error: Record<string, unknown>) => ({ data: undefined, error: { graphQLErrors: [], ...error } });
  test.each<[string, unknown, Record<string, unknown>]>([
    [
      'ApolloError with a network error',
      held({ name: 'ApolloError', message: 'Failed to fetch', networkError: new TypeError('Failed to fetch') }),
      { category: 'network', reason: 'fetch-failed' },
    ],
    [
      'ApolloError with protocol errors',
      held({
        name: 'ApolloError',
        message: 'x',
        protocolErrors: [{ message: 'Subscription ended', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
      }),
      { category: 'server', message: 'Subscription ended' },
    ],
    [
      'ApolloError with a client error',
      held({ name: 'ApolloError', message: 'x', clientErrors: [new Error('Missing field po in cache')] }),
      { category: 'unknown', message: 'Missing field po in cache' },
    ],
    [
      'CombinedProtocolErrors',
      {
        data: undefined,
        error: Object.assign(new Error('x'), {
          name: 'CombinedProtocolErrors',
          errors: [{ message: 'Socket closed by server' }],
        }),
      },
      { message: 'Socket closed by server' },
    ],
  ])('%s', (_, input, want) => {
    expect(classifyError(input)).toMatchObject(want);
  });

  test('an error with GraphQL errors and a network error: both are read, in that order', () => {
    const error = Object.assign(new Error('outer'), {
      graphQLErrors: [{ message: 'Token is expired', extensions: { code: 'UNAUTHENTICATED' } }],
      networkError: new TypeError('Failed to fetch'),
    });
    expect(classifyErrors(error).map((c) => c.category)).toEqual(['unauthenticated', 'network']);
  });

  test('an error that holds itself as its network error, beside GraphQL errors, ends with its GraphQL error first', () => {
    const looped = Object.assign(new Error('loop'), {
      graphQLErrors: [{ message: 'Token is expired', extensions: { code: 'UNAUTHENTICATED' } }],
      networkError: undefined as unknown,
    });
    looped.networkError = looped;
    expect(classifyError(looped).category).toBe('unauthenticated');
  });
});

test.each<[string, unknown, Record<string, unknown>]>([
  ['a result with no errors and its own status 503', { errors: [], status: 503 }, { category: 'server', status: 503 }],
  [
    'a raw HTTP answer whose errors field is text: its body is read',
    { status: 502, errors: 'Bad gateway', body: '<html><title>502 Bad Gateway</title></html>' },
    { category: 'server', message: 'HTML error page: 502 Bad Gateway' },
  ],
])('%s', (_, input, want) => {
  expect(classifyError(input)).toMatchObject(want);
});
