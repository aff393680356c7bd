// What the annotations give an app and the links: which classification speaks for a response, the
// default retry decision of each category, classifications recorded out of sight (and read by every
// copy of the package), the errors a container holds, and the errors the links make themselves.
import { annotateError, annotateResult } from '../annotate';
import { ResilienceError, classifiedGraphQLError, unexpectedError } from '../annotations';
import { classifyError, classifyErrors } from '../classifyError';
import { getClassifications } from '../getClassifications';
import type { Category, Classification, ClassificationRule } from '../types';

const CATEGORIES: Category[] = [
  'unauthenticated',
  'forbidden',
  'conflict',
  'validation',
  'bad-request',
  'not-found',
  'rate-limited',
  'server',
  'network',
  'unknown',
];

/** A user rule per category: an error whose code is `C:<category>` is classified as that category, nothing else set. */
const byCode: ClassificationRule[] = CATEGORIES.map((category) => ({
  id: `test/${category}`,
  match: { code: `C:${category}` },
  classify: { category },
}));
const err = (category: Category) => ({ message: `a ${category} error`, extensions: { code: `C:${category}` } });

const KEY = Symbol.for('apollo-link-resilience.classifications');
const classification = (over: Partial<Classification> = {}): Classification => ({
  category: 'server',
  reason: 'planted',
  message: 'planted',
  retryable: true,
  refreshable: false,
  remediation: 'Planted by another copy of the package.',
  ...over,
});

describe('the primary classification: the one a person must act on first', () => {
  // Listed from most to least urgent; every pair, in both orders.
  const pairs = CATEGORIES.flatMap((higher, i) => CATEGORIES.slice(i + 1).map((lower) => [higher, lower] as const));
  test.each(pairs)('%s before %s', (higher, lower) => {
    for (const errors of [
      [err(higher), err(lower)],
      [err(lower), err(higher)],
    ])
      expect(classifyError({ data: null, errors }, { rules: byCode }).category).toBe(higher);
  });

  test('of equals, the first error speaks', () => {
    const c = classifyError(
      {
        data: null,
        errors: [
          { ...err('server'), message: 'first' },
          { ...err('server'), message: 'second' },
        ],
      },
      { rules: byCode },
    );
    expect(c.message).toBe('first');
  });
});

describe('the default retry decision of a category (a rule that does not say)', () => {
  const retryable = new Set<Category>(['rate-limited', 'server', 'network']);
  test.each(CATEGORIES)('%s', (category) => {
    const c = classifyError({ data: null, errors: [err(category)] }, { rules: byCode });
    expect(c).toMatchObject({ category, retryable: retryable.has(category), refreshable: false });
  });
});

describe('classifications recorded on an error', () => {
  test('are out of sight: no enumerable key, JSON and keys unchanged', () => {
    const error = { message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    const result = { data: null, errors: [error] };
    annotateResult(result);
    expect(Object.keys(error)).toEqual(['message', 'extensions']);
    expect(JSON.stringify(result)).toBe(
      '{"data":null,"errors":[{"message":"boom","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}',
    );
    expect(Object.getOwnPropertyDescriptor(error, KEY)?.enumerable).toBe(false);
  });

  test('are read by another copy of the package in the same process (a registered symbol)', () => {
    const error = new Error('Supplier service unavailable');
    const { classification: mine } = annotateError(error, {
      rules: [{ id: 'x', match: { message: /Supplier/ }, classify: { category: 'server', reason: 'supplier' } }],
    });
    let read: Classification[] = [];
    jest.isolateModules(() => {
      const other = require('../getClassifications') as typeof import('../getClassifications');
      expect(other.getClassifications).not.toBe(getClassifications);
      read = other.getClassifications(error);
    });
    expect(read).toEqual([mine]);
    expect(read[0]).toBe(mine);
    expect(getClassifications(error)[0]).toBe(mine);
  });

  test('planted by another copy, they are what this copy reads', () => {
    const planted = classification();
    const error = Object.defineProperty(new Error('Token is expired'), KEY, { value: [planted] });
    expect(getClassifications(error)).toEqual([planted]);
    expect(classifyError(error)).toBe(planted);
  });

  // Anything under the key that is not a list of classifications is not taken for one.
  test.each<[string, unknown]>([
    ['an empty list', []],
    ['no category', [{ ...classification(), category: undefined }]],
    ['a category that is not a string', [{ ...classification(), category: 7 }]],
    ['no retryable', [{ ...classification(), retryable: undefined }]],
    ['retryable as a string', [{ ...classification(), retryable: 'yes' }]],
    ['no remediation', [{ ...classification(), remediation: undefined }]],
    ['a null entry', [null]],
    ['one good, one bad', [classification(), { category: 'server' }]],
    ['not a list', classification()],
  ])('%s under the key: the error is classified as usual', (_name, planted) => {
    const error = Object.defineProperty(new Error('Token is expired'), KEY, { value: planted });
    expect(getClassifications(error)).toEqual([expect.objectContaining({ category: 'unauthenticated' })]);
    expect(classifyError(error)).toMatchObject({ category: 'unauthenticated', reason: 'token-expired' });
  });

  test('an unreadable key (a throwing getter) is no annotation', () => {
    const error = Object.defineProperty(new Error('Token is expired'), KEY, {
      get() {
        throw new Error('hostile');
      },
    });
    expect(classifyError(error)).toMatchObject({ category: 'unauthenticated' });
  });
});

describe('the errors a container holds', () => {
  const gql = (code: string, message = code) => ({ message, extensions: { code } });
  const reset = Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
  });

  test('AC3 ApolloError: GraphQL errors, protocol errors, the network error, client errors — in that order', () => {
    const apolloError = {
      name: 'ApolloError',
      message: 'combined',
      graphQLErrors: [gql('FORBIDDEN')],
      protocolErrors: [gql('BAD_USER_INPUT')],
      networkError: reset,
      clientErrors: [new Error('Token is expired')],
    };
    expect(getClassifications(apolloError).map((c) => c.category)).toEqual([
      'forbidden',
      'validation',
      'network',
      'unauthenticated',
    ]);
  });

  test.each<[string, object, Category[]]>([
    ['only protocol errors', { protocolErrors: [gql('FORBIDDEN')] }, ['forbidden']],
    ['only a network error', { networkError: reset, graphQLErrors: [] }, ['network']],
    ['only client errors', { clientErrors: [new Error('Token is expired')] }, ['unauthenticated']],
  ])('AC3 ApolloError with %s', (_name, fields, categories) => {
    const found = getClassifications({ name: 'ApolloError', message: 'x', networkError: null, ...fields });
    expect(found.map((c) => c.category)).toEqual(categories);
  });

  test('an ApolloError that holds nothing is still one error, classified from its own message', () => {
    const found = getClassifications({
      name: 'ApolloError',
      message: 'Token is expired',
      graphQLErrors: [],
      protocolErrors: [],
      clientErrors: [],
      networkError: null,
    });
    expect(found).toEqual([expect.objectContaining({ category: 'unauthenticated', message: 'Token is expired' })]);
  });

  test('AC4 CombinedProtocolErrors: one classification per error', () => {
    const found = classifyErrors({
      name: 'CombinedProtocolErrors',
      message: 'x',
      errors: [gql('FORBIDDEN'), gql('INTERNAL_SERVER_ERROR')],
    });
    expect(found.map((c) => c.category)).toEqual(['forbidden', 'server']);
  });

  // AC4's containers are Errors: their errors, annotated by ErrorClassifyLink on the way, are read back as recorded.
  test.each(['CombinedGraphQLErrors', 'CombinedProtocolErrors'])(
    'AC4 %s: the classifications recorded on its errors come back',
    (name) => {
      const error = { message: 'Token is expired' };
      const mine = [{ id: 'all', match: () => true, classify: { category: 'server' as const, reason: 'mine' } }];
      annotateResult({ data: null, errors: [error] }, { rules: mine });
      const container = Object.assign(new Error('x'), { name, errors: [error] });
      expect(getClassifications(container).map((c) => c.reason)).toEqual(['mine']);
    },
  );

  test('AC4 CombinedGraphQLErrors whose errors is not a list is classified as one error', () => {
    const found = classifyErrors({ name: 'CombinedGraphQLErrors', message: 'Token is expired', errors: 'nope' });
    expect(found).toHaveLength(1);
  });

  test.each<[string, (list: object[]) => object]>([
    ['CombinedGraphQLErrors', (errors) => ({ name: 'CombinedGraphQLErrors', message: 'x', errors })],
    ['ApolloError graphQLErrors', (graphQLErrors) => ({ name: 'ApolloError', message: 'x', graphQLErrors })],
    ['ApolloError protocolErrors', (protocolErrors) => ({ name: 'ApolloError', message: 'x', protocolErrors })],
    ['ApolloError clientErrors', (clientErrors) => ({ name: 'ApolloError', message: 'x', clientErrors })],
    ['a result', (errors) => ({ data: null, errors })],
  ])('%s: at most 50 errors are classified', (_name, make) => {
    const list = Array.from({ length: 60 }, (_, i) => gql('FORBIDDEN', `e${i}`));
    const found = classifyErrors(make(list));
    expect(found).toHaveLength(50);
    expect(found[49]!.message).toBe('e49');
  });

  test('an Error that carries an errors list (AggregateError) is one error, not a container', () => {
    const aggregate = new AggregateError([new Error('Token is expired'), new Error('Forbidden')], 'fetch failed');
    expect(classifyErrors(aggregate)).toEqual([expect.objectContaining({ message: 'fetch failed' })]);
  });

  test('a container whose fields throw on read is classified without throwing', () => {
    const hostile = new Proxy(
      { name: 'ApolloError' },
      {
        get(target, key) {
          if (key === 'name') return 'ApolloError';
          throw new Error('hostile');
        },
      },
    );
    expect(classifyErrors(hostile)).toHaveLength(1);
  });
});

describe('errors the links make', () => {
  test('ResilienceError carries its classification, readable by getClassifications', () => {
    const c = classification({ category: 'network', reason: 'circuit-open', message: 'Circuit open' });
    const cause = new Error('below');
    const error = new ResilienceError(c, { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ResilienceError');
    expect(error.message).toBe('Circuit open');
    expect(error.classification).toBe(c);
    expect(error.classifications).toEqual([c]);
    expect(error.cause).toBe(cause);
    expect(getClassifications(error)).toEqual([c]);
    expect(getClassifications(error)[0]).toBe(c);
    expect(Object.keys(new ResilienceError(c))).not.toContain('cause');
    expect('cause' in new ResilienceError(c)).toBe(false);
    expect('cause' in new ResilienceError(c, {})).toBe(false);
    expect('cause' in new ResilienceError(c, { cause: undefined })).toBe(true);
  });

  test.each<[string, unknown, string]>([
    ['an Error', new Error('onToken exploded'), 'onToken failed: onToken exploded'],
    ['a thrown string', 'nope', 'onToken failed: nope'],
    ['a thrown number', 42, 'onToken failed: 42'],
  ])('unexpectedError of %s: a link error naming where, the cause kept', (_name, thrown, message) => {
    const error = unexpectedError(thrown, 'onToken');
    expect(error).toBeInstanceOf(ResilienceError);
    expect(error.cause).toBe(thrown);
    expect(error.classification).toEqual({
      category: 'unknown',
      reason: 'link-error',
      message,
      retryable: false,
      refreshable: false,
      remediation: "Fix onToken (see this error's cause); the operation was not sent.",
    });
  });

  test('unexpectedError redacts its message with the function given', () => {
    const error = unexpectedError(new Error('token abc'), 'getToken', (t) => t.replace('abc', '[redacted]'));
    expect(error.message).toBe('getToken failed: token [redacted]');
  });

  test('a GraphQL error a link made: message and code only, its classification out of sight', () => {
    const withCode = classification({ code: 'ETAG_MISMATCH', category: 'conflict', message: 'Changed meanwhile' });
    const made = classifiedGraphQLError(withCode);
    expect(JSON.stringify(made)).toBe('{"message":"Changed meanwhile","extensions":{"code":"ETAG_MISMATCH"}}');
    expect(getClassifications({ data: null, errors: [made] })[0]).toBe(withCode);
    expect(JSON.stringify(classifiedGraphQLError(classification({ message: 'No code' })))).toBe(
      '{"message":"No code"}',
    );
  });
});

describe('annotateResult (what ErrorClassifyLink does to a result)', () => {
  test.each<[string, unknown]>([
    ['no errors field', { data: { a: 1 } }],
    ['errors: undefined', { data: { a: 1 }, errors: undefined }],
    ['errors: null', { data: { a: 1 }, errors: null }],
    ['errors: []', { data: { a: 1 }, errors: [] }],
  ])('%s: no classification, nothing recorded', (_name, result) => {
    const out = annotateResult(result as never);
    expect(out.result).toBe(result);
    expect(out.classifications).toEqual([]);
    expect(getClassifications(result)).toEqual([]);
  });

  test('each error object gets its own classification; an error classified before keeps its own', () => {
    const first = { message: 'Token is expired' };
    const second = { message: 'x', extensions: { code: 'FORBIDDEN' } };
    const earlier = annotateResult({ data: null, errors: [first] }).classifications[0]!;
    const result = { data: null, errors: [first, second] };
    const { classifications } = annotateResult(result, {
      rules: [{ id: 'all', match: () => true, classify: { category: 'server', reason: 'everything' } }],
    });
    expect(classifications[0]).toBe(earlier);
    expect(classifications[1]).toMatchObject({ category: 'server', reason: 'everything' });
    expect(getClassifications(second)).toEqual([classifications[1]]);
    expect(getClassifications(result)).toEqual(classifications);
  });

  test("the response's extensions reach each error's rules", () => {
    const seen: unknown[] = [];
    const rules: ClassificationRule[] = [
      {
        id: 'cost',
        match: (facts) => {
          seen.push(facts.responseExtensions);
          return facts.responseExtensions?.cost !== undefined;
        },
        classify: { category: 'rate-limited', reason: 'throttled' },
      },
    ];
    const extensions = { cost: { throttleStatus: { currentlyAvailable: 0 } } };
    const { classifications } = annotateResult(
      { data: null, errors: [{ message: 'Throttled' }], extensions },
      { rules },
    );
    expect(classifications[0]).toMatchObject({ category: 'rate-limited', reason: 'throttled' });
    expect(seen[0]).toEqual(extensions);
    for (const odd of [null, 'cost']) {
      seen.length = 0;
      const out = annotateResult({ data: null, errors: [{ message: 'Throttled' }], extensions: odd } as never, {
        rules,
      });
      expect(out.classifications[0]!.reason).not.toBe('throttled');
      expect(seen).toEqual([undefined]);
    }
  });

  // What the link recorded is what the app reads: the app's rules reach an entry that cannot carry its own.
  test.each<[string, unknown]>([
    ['a string', 'boom'],
    ['null', null],
    ['a number', 7],
  ])('an entry that is %s: classified, and recorded on the result itself', (_name, odd) => {
    const result = { data: null, errors: [{ message: 'x', extensions: { code: 'FORBIDDEN' } }, odd] };
    const everything = [{ id: 'all', match: () => true, classify: { category: 'server' as const, reason: 'mine' } }];
    const { classifications } = annotateResult(result as never, { rules: everything });
    expect(classifications.map((c) => c.reason)).toEqual(['mine', 'mine']);
    expect(getClassifications(result).map((c) => c.reason)).toEqual(['mine', 'mine']);
    expect(result.errors[1]).toBe(odd);
  });

  test('only object entries: nothing recorded on the result, each error carries its own', () => {
    const first = { message: 'Token is expired' };
    const result = { data: null, errors: [first] };
    annotateResult(result);
    expect(Object.getOwnPropertySymbols(result)).toEqual([]);
    expect(Object.getOwnPropertySymbols(first)).toEqual([KEY]);
  });

  test('a missing result passes as it is', () => {
    expect(annotateResult(undefined as never)).toEqual({ result: undefined, classifications: [] });
  });

  test('errors that is not a list: the result carries the classifications, and a second link keeps them', () => {
    const result = { data: null, errors: 'boom' };
    const first = annotateResult(result as never).classifications;
    expect(first).toEqual([expect.objectContaining({ category: 'bad-request', message: 'boom' })]);
    const again = annotateResult(result as never, {
      rules: [{ id: 'all', match: () => true, classify: { category: 'server' } }],
    }).classifications;
    expect(again[0]).toBe(first[0]);
    expect(result.errors).toBe('boom');
  });
});

describe('annotateError (what ErrorClassifyLink does to an error)', () => {
  test('the same error comes back, with its primary classification and all of them', () => {
    const error = {
      name: 'ApolloError',
      message: 'x',
      graphQLErrors: [{ message: 'x', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, { message: 'Token is expired' }],
      networkError: null,
    };
    const out = annotateError(error);
    expect(out.error).toBe(error);
    expect(out.classifications.map((c) => c.category)).toEqual(['server', 'unauthenticated']);
    expect(out.classification).toBe(out.classifications[1]);
    expect(getClassifications(error)).toEqual(out.classifications);
  });

  test('an error classified before keeps its classification (a link further out does not reclassify)', () => {
    const c = classification();
    const error = new ResilienceError(c);
    const out = annotateError(error, {
      rules: [{ id: 'all', match: () => true, classify: { category: 'forbidden' } }],
    });
    expect(out.classification).toBe(c);
    expect(out.classifications).toEqual([c]);
    expect(getClassifications(error)[0]).toBe(c);
  });

  test('a thrown function (anything can be thrown) keeps what was recorded on it', () => {
    const thrown = Object.assign(() => undefined, { message: 'Token is expired' });
    const out = annotateError(thrown);
    expect(out.error).toBe(thrown);
    expect(getClassifications(thrown)).toEqual(out.classifications);
    expect(getClassifications(thrown)[0]).toBe(out.classification);
  });

  test('a thrown primitive is classified; nothing can be recorded on it', () => {
    const out = annotateError('Token is expired');
    expect(out.error).toBe('Token is expired');
    expect(out.classification).toMatchObject({ category: 'unauthenticated' });
  });
});
