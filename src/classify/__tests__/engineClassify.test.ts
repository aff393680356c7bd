// The classifier engine as an app sees its output: exactly which fields a classification has, the
// default message of an error without one, how a deciding rule and a refinement combine, where a
// remediation text comes from, and what a container's extensions tell the rules.
import { classifyError, classifyErrors } from '../classifyError';
import { CATEGORY_REMEDIATION } from '../core';
import type { ClassificationProfile, ClassificationRule, ClassifyOptions } from '../types';

const gql = (message: string, code?: string, more: object = {}) => ({
  data: null,
  errors: [{ message, ...(code ? { extensions: { code } } : {}), ...more }],
});
const serverError = (status: number, body?: unknown) =>
  Object.assign(new Error(`Response not successful: Received status code ${status}`), {
    name: 'ServerError',
    statusCode: status,
    ...(body === undefined ? {} : { bodyText: JSON.stringify(body) }),
  });
const rule = (over: Partial<ClassificationRule> & Pick<ClassificationRule, 'classify'>): ClassificationRule => ({
  id: 'test',
  match: { code: 'ACME' },
  ...over,
});

describe('a classification has exactly the fields that say something', () => {
  test.each<[string, unknown, ClassifyOptions, string[]]>([
    [
      'a plain thrown error',
      new Error('boom'),
      {},
      ['category', 'reason', 'message', 'retryable', 'refreshable', 'remediation'],
    ],
    [
      'a GraphQL error with a code and a path',
      gql('m', 'FORBIDDEN', { path: ['po', 0] }),
      {},
      ['category', 'reason', 'status', 'code', 'message', 'retryable', 'refreshable', 'remediation', 'path'],
    ],
    [
      'an HTTP 503 without a body',
      { status: 503 },
      {},
      ['category', 'reason', 'status', 'message', 'retryable', 'refreshable', 'remediation', 'details'],
    ],
    [
      'a rule that sets no reason, in a category that has one by default only when unknown',
      gql('m', 'ACME'),
      { rules: [rule({ classify: { category: 'server' } })] },
      ['category', 'code', 'message', 'retryable', 'refreshable', 'remediation'],
    ],
    [
      'a rule whose details are all undefined',
      gql('m', 'ACME'),
      { rules: [rule({ classify: { category: 'server', reason: 'r', details: { action: undefined } } })] },
      ['category', 'reason', 'code', 'message', 'retryable', 'refreshable', 'remediation'],
    ],
  ])('%s', (_name, input, options, keys) => {
    const c = classifyError(input, options);
    expect(Object.keys(c).sort()).toEqual([...keys].sort());
    for (const value of Object.values(c)) expect(value).not.toBeUndefined();
  });

  test('details keep only the values that are set', () => {
    const c = classifyError(gql('m', 'ACME'), {
      rules: [rule({ classify: { category: 'server', reason: 'r', details: { action: undefined, resource: 'PO' } } })],
    });
    expect(Object.keys(c.details ?? {})).toEqual(['resource']);
  });
});

describe('status', () => {
  test('a GraphQL error that came in a 200 has no status', () => {
    const c = classifyError(serverError(200, { errors: [{ message: 'm', extensions: { code: 'X' } }] }));
    expect(c.category).toBe('unknown');
    expect('status' in c).toBe(false);
  });

  test('a non-error status other than 200 is kept, but not named in the default message', () => {
    expect(classifyError({ status: 304 })).toMatchObject({ status: 304, message: 'Unrecognized error, no message' });
  });

  test("the HTTP status beats the rule's, the rule's stands when the response said nothing", () => {
    const rules = [rule({ match: { message: /^m$/ }, classify: { category: 'forbidden', status: 403 } })];
    expect(classifyError(serverError(401, { errors: [{ message: 'm' }] }), { rules }).status).toBe(401);
    expect(classifyError(gql('m'), { rules }).status).toBe(403);
    expect(classifyError(serverError(200, { errors: [{ message: 'm' }] }), { rules }).status).toBe(403);
  });
});

describe('the default message of an error without one', () => {
  test.each<[string, unknown, ClassifyOptions, string]>([
    ['a 400', { status: 400 }, {}, 'Bad request error (HTTP 400), no message'],
    ['a 404', { status: 404 }, {}, 'Not found error (HTTP 404), no message'],
    ['a 429', { status: 429 }, {}, 'Rate limited error (HTTP 429), no message'],
    ['a 503', { status: 503 }, {}, 'Server error (HTTP 503), no message'],
    [
      'an unknown error with an error status',
      { status: 418 },
      { rules: [rule({ match: { status: 418 }, classify: { category: 'unknown' } })] },
      'Unrecognized error (HTTP 418), no message',
    ],
    ['an unknown error without a status', new Error(''), {}, 'Unrecognized error, no message'],
    [
      'a network error without a status',
      Object.assign(new Error(''), { name: 'AbortError' }),
      {},
      'Network error, no message',
    ],
  ])('%s', (_name, input, options, message) => {
    expect(classifyError(input, options).message).toBe(message);
  });

  test('an OAuth error with an empty description reads as the default message', () => {
    expect(classifyError({ status: 400, body: { error: 'invalid_grant', error_description: '' } }).message).toBe(
      'Unauthenticated error (HTTP 400), no message',
    );
  });
});

describe('the reason of an unknown error', () => {
  const unknown = rule({ match: () => true, classify: { category: 'unknown' } });
  test.each<[string, unknown, string]>([
    ['something that is no error at all', 42, 'unexpected-shape'],
    ['an error nothing recognises', new Error('boom'), 'unrecognized'],
  ])('%s', (_name, input, reason) => {
    expect(classifyError(input, { rules: [unknown] }).reason).toBe(reason);
  });
});

describe('details', () => {
  test("a rule's own field wins over extensions.field; a field that is not a string is not taken", () => {
    const error = (field: unknown) => gql('m', 'ACME', { extensions: { code: 'ACME', field } });
    const own = [rule({ classify: { category: 'validation', details: { field: 'qty' } } })];
    const none = [rule({ classify: { category: 'validation' } })];
    expect(classifyError(error('price'), { rules: own }).details).toEqual({ field: 'qty' });
    expect(classifyError(error('price'), { rules: none }).details).toEqual({ field: 'price' });
    expect(classifyError(error(7), { rules: none }).details).toBeUndefined();
  });

  test('a JSON body is not worth a detail; other body shapes are', () => {
    expect(classifyError({ status: 500, body: { message: 'Database down' } }).details).toBeUndefined();
    expect(classifyError({ status: 500, body: '<html><title>Down</title></html>' }).details).toEqual({ body: 'html' });
  });
});

describe('a deciding rule and a refinement', () => {
  const decide = rule({
    classify: { category: 'unauthenticated', reason: 'acme', remediation: 'Acme text.', details: { a: 1, b: 1 } },
  });
  const refine = (classify: ClassificationRule['classify']) =>
    rule({ id: 'refine', refine: true, match: { message: /detail/ }, classify });
  const profile = (...rules: ClassificationRule[]): ClassificationProfile => ({ name: 'p', rules });

  test('details of both, the refinement winning on the same key', () => {
    const c = classifyError(gql('with detail', 'ACME'), {
      profiles: [profile(decide, refine({ category: 'unauthenticated', details: { b: 2, c: 2 } }))],
    });
    expect(c.details).toEqual({ a: 1, b: 2, c: 2 });
  });

  test("a refinement without a reason keeps the deciding rule's reason and text", () => {
    const c = classifyError(gql('with detail', 'ACME'), {
      profiles: [profile(decide, refine({ category: 'unauthenticated', refreshable: true }))],
    });
    expect(c).toMatchObject({ reason: 'acme', remediation: 'Acme text.', refreshable: true });
  });

  test("a refinement's own text wins", () => {
    const c = classifyError(gql('with detail', 'ACME'), {
      profiles: [profile(decide, refine({ category: 'unauthenticated', reason: 'other', remediation: 'Other text.' }))],
    });
    expect(c).toMatchObject({ reason: 'other', remediation: 'Other text.' });
  });

  test('a refinement in another category applies only where the deciding rule narrows to it', () => {
    const into = refine({ category: 'validation', reason: 'narrowed' });
    expect(classifyError(gql('with detail', 'ACME'), { profiles: [profile(decide, into)] }).category).toBe(
      'unauthenticated',
    );
    const narrowing = { ...decide, narrowsTo: ['validation' as const] };
    expect(classifyError(gql('with detail', 'ACME'), { profiles: [profile(narrowing, into)] })).toMatchObject({
      category: 'validation',
      reason: 'narrowed',
    });
  });

  test("a user rule's decision is final: no refinement changes it", () => {
    const c = classifyError(gql('Token is expired', 'ACME'), {
      rules: [rule({ classify: { category: 'unauthenticated', reason: 'acme' } })],
      profiles: [profile(refine({ category: 'unauthenticated', reason: 'refined' }))],
    });
    expect(c.reason).toBe('acme');
  });
});

describe('where the remediation text comes from', () => {
  const input = gql('m', 'RATE_LIMITED');
  test.each<[string, ClassifyOptions, string]>([
    [
      'a function returning nothing falls back',
      { remediations: { 'rate-limited': () => '' } },
      CATEGORY_REMEDIATION['rate-limited'],
    ],
    [
      'a function returning a non-string falls back',
      { remediations: { 'rate-limited': (() => 42) as never } },
      CATEGORY_REMEDIATION['rate-limited'],
    ],
    [
      "a profile's text by category/reason",
      { profiles: [{ name: 'p', rules: [], remediations: { 'rate-limited/rate-limited': 'P reason.' } }] },
      'P reason.',
    ],
    [
      "a profile's text by category",
      { profiles: [{ name: 'p', rules: [], remediations: { 'rate-limited': 'P category.' } }] },
      'P category.',
    ],
    [
      'the first profile that has one',
      {
        profiles: [
          { name: 'p', rules: [] },
          { name: 'q', rules: [], remediations: { forbidden: 'Q other.' } },
          { name: 'r', rules: [], remediations: { 'rate-limited': () => 'R fn.' } },
          { name: 's', rules: [], remediations: { 'rate-limited': 'S.' } },
        ],
      },
      'R fn.',
    ],
    [
      'yours before the profiles',
      {
        remediations: { 'rate-limited': 'Yours.' },
        profiles: [{ name: 'p', rules: [], remediations: { 'rate-limited': 'P.' } }],
      },
      'Yours.',
    ],
  ])('%s', (_name, options, text) => {
    expect(classifyError(input, options).remediation).toBe(text);
  });

  test("the deciding rule's own text comes before the profiles'", () => {
    expect(
      classifyError(gql('m', 'ACME'), {
        rules: [rule({ classify: { category: 'server', remediation: 'Rule text.' } })],
        profiles: [{ name: 'p', rules: [], remediations: { server: 'P.' } }],
      }).remediation,
    ).toBe('Rule text.');
  });
});

describe("a container's top-level extensions reach the rules of each of its errors", () => {
  const seen: unknown[] = [];
  const rules: ClassificationRule[] = [
    rule({
      match: (facts) => {
        seen.push(facts.responseExtensions);
        return false;
      },
      classify: { category: 'server' },
    }),
  ];
  beforeEach(() => {
    seen.length = 0;
  });

  test.each<[string, unknown, unknown]>([
    ['a result', { data: null, errors: [{ message: 'm' }], extensions: { cost: 1 } }, { cost: 1 }],
    [
      'AC4 CombinedGraphQLErrors',
      { name: 'CombinedGraphQLErrors', message: 'm', errors: [{ message: 'm' }], extensions: { cost: 2 } },
      { cost: 2 },
    ],
    ['the option, when the container has none', { data: null, errors: [{ message: 'm' }] }, { cost: 3 }],
    [
      'the option, when the container has a list',
      { data: null, errors: [{ message: 'm' }], extensions: [1] },
      { cost: 3 },
    ],
    [
      'the option, when the container has null',
      { data: null, errors: [{ message: 'm' }], extensions: null },
      { cost: 3 },
    ],
  ])('%s', (_name, input, expected) => {
    classifyErrors(input, { rules, responseExtensions: { cost: 3 } });
    expect(seen).toEqual([expected]);
  });

  test('nothing when there is none', () => {
    classifyErrors({ data: null, errors: [{ message: 'm' }] }, { rules });
    expect(seen).toEqual([undefined]);
  });
});

describe('the response a result came in (what ErrorClassifyLink passes on)', () => {
  test('its status decides for errors without a code, its Retry-After reaches the details', () => {
    const result = { data: null, errors: [{ message: 'Slow down' }] };
    expect(classifyErrors(result, { status: 401 })[0]).toMatchObject({ category: 'unauthenticated', status: 401 });
    expect(classifyErrors(result, { status: 429, headers: new Headers({ 'Retry-After': '2' }) })[0]).toMatchObject({
      category: 'rate-limited',
      details: { retryAfterMs: 2000 },
    });
  });
});

describe('where no rule speaks', () => {
  test('an answer of no recognisable shape is a bad request (a 3xx with a number for a body)', () => {
    const c = classifyError({ status: 304, body: 42 });
    expect(c).toMatchObject({ category: 'bad-request', status: 304, details: { body: 'unexpected-shape' } });
    expect('reason' in c).toBe(false);
  });

  test('a rule whose verdict has no category is skipped: the next rule decides', () => {
    const rules = [
      rule({ id: 'empty', classify: () => ({}) as never }),
      rule({ id: 'next', classify: { category: 'server', reason: 'next' } }),
    ];
    expect(classifyError(gql('m', 'ACME'), { rules })).toMatchObject({ category: 'server', reason: 'next' });
  });

  test('a property-name matcher never matches an error that has no property name', () => {
    const rules = [rule({ match: { propertyName: /^u/ }, classify: { category: 'server', reason: 'hit' } })];
    expect(classifyError(gql('m'), { rules }).reason).not.toBe('hit');
  });
});

describe('a container that holds no error', () => {
  test('classifyErrors finds none; classifyError still answers with an unrecognized error', () => {
    const empty = { name: 'CombinedGraphQLErrors', message: 'x', errors: [] };
    expect(classifyErrors(empty)).toEqual([]);
    expect(classifyError(empty, { remediations: { unknown: 'Yours.' } })).toEqual({
      category: 'unknown',
      reason: 'unrecognized',
      message: 'Unrecognized error, no message',
      retryable: false,
      refreshable: false,
      remediation: 'Yours.',
    });
  });
});
