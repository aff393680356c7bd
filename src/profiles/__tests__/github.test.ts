// GitHub GraphQL: errors[].type, and rate limits said by headers (x-ratelimit-*, retry-after).
import { classifyError } from '../../classify/classifyError';
import { github, ion } from '..';
import { MISLEADING, expectClassified, shapes200, shapesHttp, type Expect } from './shapes';

const typed = (type: string, message: string, path: Array<string | number> = ['repository']) => ({
  data: { repository: null },
  errors: [{ type, path, locations: [{ line: 2, column: 3 }], message }],
});
const SCOPES =
  "Your token has not been granted the required scopes to execute this query. The 'id' field requires one of the following scopes: ['read:org', 'read:discussion'], but your token has only been granted the: ['repo'] scopes. Please modify your token's scopes at: https://github.com/settings/tokens.";

const ROWS: Array<[string, string, Expect]> = [
  [
    'NOT_FOUND',
    "Could not resolve to a Repository with the name 'octo/missing'.",
    { category: 'not-found', reason: 'not-found', retryable: false },
  ],
  [
    'FORBIDDEN',
    'Resource not accessible by integration',
    { category: 'forbidden', reason: 'insufficient-permissions', refreshable: false },
  ],
  [
    'INSUFFICIENT_SCOPES',
    SCOPES,
    {
      category: 'forbidden',
      reason: 'insufficient-scope',
      details: { requiredScopes: ['read:org', 'read:discussion'] },
    },
  ],
  ['UNPROCESSABLE', 'Name already exists on this account', { category: 'validation', reason: 'invalid-input' }],
  [
    'MAX_NODE_LIMIT_EXCEEDED',
    'This query requests up to 1,000,001 possible nodes which exceeds the maximum limit of 500,000.',
    { category: 'bad-request', reason: 'query-too-large', retryable: false },
  ],
  [
    'EXCESSIVE_PAGINATION',
    'Requesting 101 records on the `issues` connection exceeds the `first` limit of 100 records.',
    { category: 'bad-request', retryable: false },
  ],
  [
    'RATE_LIMITED',
    'API rate limit exceeded for user ID 1234.',
    { category: 'rate-limited', retryable: true, status: 429 },
  ],
  ['RATE_LIMIT', 'API rate limit already exceeded for user ID 1234.', { category: 'rate-limited', retryable: true }],
];

const NOW = 1_700_000_000_000;
beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(NOW));
afterEach(() => jest.restoreAllMocks());

describe('github profile', () => {
  describe.each(ROWS)('type %s: "%s"', (type, message, expected) => {
    test.each(shapes200(typed(type, message)))('%s', (_shape, input, extra) => {
      expectClassified(input, [github], { code: type, message, ...expected }, extra);
    });
  });

  test('RATE_LIMITED in a 200 waits until x-ratelimit-reset (epoch seconds)', () => {
    const headers = {
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(NOW / 1000 + 90),
      'x-ratelimit-resource': 'graphql',
    };
    for (const [shape, input, extra] of shapes200(
      typed('RATE_LIMITED', 'API rate limit exceeded for user ID 1.'),
      headers,
    )) {
      expect([shape, classifyError(input, { profiles: [github], ...extra }).details?.retryAfterMs]).toEqual([
        shape,
        90_000,
      ]);
    }
  });

  test('primary limit as HTTP 403 with x-ratelimit-remaining: 0 → rate-limited until the reset', () => {
    const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 600) };
    for (const [, input] of shapesHttp(
      403,
      {
        message: 'API rate limit exceeded for user ID 1.',
        documentation_url: 'https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api',
      },
      headers,
    )) {
      expectClassified(input, [github], {
        category: 'rate-limited',
        reason: 'rate-limited',
        retryable: true,
        status: 403,
        details: { retryAfterMs: 600_000 },
      });
    }
  });

  test('secondary limit: 403 or 429 with retry-after → wait retry-after', () => {
    for (const status of [403, 429]) {
      for (const [, input] of shapesHttp(
        status,
        { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
        { 'retry-after': '30' },
      )) {
        expectClassified(input, [github], {
          category: 'rate-limited',
          reason: 'secondary-rate-limit',
          retryable: true,
          details: { retryAfterMs: 30_000 },
        });
      }
    }
  });

  test('secondary limit as a bare 403 with only the documented message → wait one minute', () => {
    for (const [, input] of shapesHttp(403, {
      message:
        'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.',
    })) {
      expectClassified(input, [github], {
        category: 'rate-limited',
        reason: 'secondary-rate-limit',
        details: { retryAfterMs: 60_000 },
      });
    }
  });

  test('a plain 403 (no rate-limit headers, another message) stays forbidden', () => {
    for (const [, input] of shapesHttp(
      403,
      { message: 'Must have admin rights to Repository.' },
      { 'x-ratelimit-remaining': '4999' },
    )) {
      expectClassified(input, [github], { category: 'forbidden', retryable: false });
    }
  });

  test('x-ratelimit-remaining: 0 on a 200 whose error is another type does not make it a rate limit', () => {
    const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 60) };
    for (const [, input, extra] of shapes200(typed('NOT_FOUND', 'Could not resolve to a Repository.'), headers)) {
      expect(classifyError(input, { profiles: [github], ...extra }).category).toBe('not-found');
    }
  });

  test('graphql-ruby static validation (camelCase extensions.code) is an invalid operation', () => {
    const body = {
      errors: [
        {
          path: ['query', 'viewer', 'nmae'],
          extensions: { code: 'undefinedField', typeName: 'User', fieldName: 'nmae' },
          locations: [{ line: 1, column: 10 }],
          message: "Field 'nmae' doesn't exist on type 'User'",
        },
      ],
    };
    for (const [, input, extra] of shapes200(body))
      expectClassified(
        input,
        [github],
        { category: 'bad-request', reason: 'invalid-operation', retryable: false },
        extra,
      );
  });

  test("GitHub's timeout message refines a 502, and decides alone in a 200", () => {
    const message =
      'Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include `0400:1234` when reporting this issue.';
    for (const [, input] of shapesHttp(502, { data: null, errors: [{ message }] }))
      expectClassified(input, [github], { category: 'server', reason: 'query-timeout', retryable: true, status: 502 });
    expectClassified({ data: null, errors: [{ message }] }, [github], {
      category: 'server',
      reason: 'query-timeout',
      retryable: true,
    });
  });

  // Each type with its semantic status (a 200 carries none of its own), and the profile's texts.
  const STATUSES: Array<[string, string, Expect, RegExp]> = [
    [
      'NOT_FOUND',
      "Could not resolve to a User with the login of 'nobody'.",
      { category: 'not-found', status: 404 },
      /^It does not exist, or this account cannot see it\.$/,
    ],
    [
      'FORBIDDEN',
      'Resource not accessible by integration',
      { category: 'forbidden', reason: 'insufficient-permissions', status: 403 },
      /^You do not have access to this; ask an administrator\.$/,
    ],
    [
      'INSUFFICIENT_SCOPES',
      SCOPES,
      { category: 'forbidden', reason: 'insufficient-scope', status: 403 },
      /^The token lacks a scope this needs; sign in again and grant the requested access\.$/,
    ],
    [
      'UNPROCESSABLE',
      'Name already exists on this account',
      { category: 'validation', status: 422 },
      /^Check your input and try again\.$/,
    ],
    [
      'MAX_NODE_LIMIT_EXCEEDED',
      'This query requests up to 1,000,001 possible nodes which exceeds the maximum limit of 500,000.',
      { category: 'bad-request', reason: 'query-too-large', status: 400 },
      /^Something went wrong in the app; reload the page\.$/,
    ],
    [
      'EXCESSIVE_PAGINATION',
      'Requesting 101 records on the `issues` connection exceeds the `first` limit of 100 records.',
      { category: 'bad-request', reason: 'query-too-large', status: 400 },
      /reload the page/,
    ],
    [
      'MISSING_PAGINATION_BOUNDARIES',
      'You must provide a `first` or `last` value to properly paginate the `issues` connection.',
      { category: 'bad-request', reason: 'query-too-large', status: 400, retryable: false },
      /reload the page/,
    ],
    [
      'RATE_LIMIT',
      'API rate limit already exceeded for user ID 1234.',
      { category: 'rate-limited', reason: 'rate-limited', status: 429 },
      /wait a moment/,
    ],
  ];
  test.each(STATUSES)('type %s: "%s" has its semantic status and text', (type, message, expected, remediation) => {
    for (const [, input, extra] of shapes200(typed(type, message)))
      expect(expectClassified(input, [github], { code: type, ...expected }, extra).remediation).toMatch(remediation);
  });

  test('INSUFFICIENT_SCOPES without a scope list has no required scopes', () => {
    const c = classifyError(typed('INSUFFICIENT_SCOPES', 'Your token has not been granted the required scopes.'), {
      profiles: [github],
    });
    expect(c).toMatchObject({ category: 'forbidden', reason: 'insufficient-scope' });
    expect(c.details).toBeUndefined();
  });

  test.each([
    ['no x-ratelimit-reset', {}, undefined],
    ['a reset in the past', { 'x-ratelimit-reset': String(NOW / 1000 - 30) }, 0],
    ['a reset two hours ahead (capped at one hour)', { 'x-ratelimit-reset': String(NOW / 1000 + 7200) }, 3_600_000],
    ['a reset that is not a number', { 'x-ratelimit-reset': 'soon' }, undefined],
  ])('RATE_LIMITED in a 200 with %s', (_name, headers: Record<string, string>, retryAfterMs) => {
    for (const [, input, extra] of shapes200(typed('RATE_LIMITED', 'API rate limit exceeded for user ID 1.'), {
      'x-ratelimit-remaining': '0',
      ...headers,
    })) {
      const c = classifyError(input, { profiles: [github], ...extra });
      expect(c).toMatchObject({ category: 'rate-limited', reason: 'rate-limited', retryable: true });
      expect(c.details?.retryAfterMs).toBe(retryAfterMs);
    }
  });

  test('primary limit as HTTP 429 with x-ratelimit-remaining: 0 → rate-limited until the reset', () => {
    const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 120) };
    for (const [, input] of shapesHttp(429, { message: 'API rate limit exceeded for user ID 1.' }, headers))
      expectClassified(input, [github], {
        category: 'rate-limited',
        reason: 'rate-limited',
        status: 429,
        details: { retryAfterMs: 120_000 },
      });
  });

  test('rate-limit headers make only a 403 or 429 a rate limit', () => {
    const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 60), 'retry-after': '5' };
    for (const [status, category] of [
      [401, 'unauthenticated'],
      [404, 'not-found'],
      [500, 'server'],
    ] as const)
      for (const [, input] of shapesHttp(status, { message: 'Bad credentials' }, headers))
        expect(classifyError(input, { profiles: [github] }).category).toBe(category);
  });

  test('the older "abuse detection" wording of a bare 403 is the secondary limit too', () => {
    for (const [, input] of shapesHttp(403, {
      message: 'You have triggered an abuse detection mechanism. Please wait a few minutes before you try again.',
    }))
      expectClassified(input, [github], {
        category: 'rate-limited',
        reason: 'secondary-rate-limit',
        details: { retryAfterMs: 60_000 },
      });
  });

  test('the secondary-limit wording decides only in a bare 403: a code, a type or another status decides', () => {
    const message = 'You have exceeded a secondary rate limit.';
    for (const [, input] of shapesHttp(403, { errors: [{ message, extensions: { code: 'FORBIDDEN' } }] }))
      expectClassified(input, [github], { category: 'forbidden', code: 'FORBIDDEN', retryable: false });
    for (const [, input] of shapesHttp(403, typed('FORBIDDEN', message)))
      expectClassified(input, [github], {
        category: 'forbidden',
        reason: 'insufficient-permissions',
        retryable: false,
      });
    for (const [, input] of shapesHttp(500, { message }))
      expectClassified(input, [github], { category: 'server', retryable: true });
  });

  test('graphql-ruby codes: camelCase only, with its semantic status', () => {
    for (const code of ['argumentLiteralsIncompatible', 'missingRequiredArguments'])
      for (const [, input, extra] of shapes200({ errors: [{ message: 'Invalid query', extensions: { code } }] }))
        expectClassified(
          input,
          [github],
          { category: 'bad-request', reason: 'invalid-operation', status: 400, code },
          extra,
        );
    for (const code of ['undefined', 'fieldnotfound', 'FieldUndefined', 'undefinedField!'])
      expect(
        classifyError({ errors: [{ message: 'Invalid query', extensions: { code } }] }, { profiles: [github] })
          .category,
      ).toBe('unknown');
  });

  test("GitHub's timeout message in a 200 has the 502 it stands for", () => {
    expectClassified(
      {
        data: null,
        errors: [{ message: 'Something went wrong while executing your query. This may be the result of a timeout.' }],
      },
      [github],
      { category: 'server', reason: 'query-timeout', status: 502 },
    );
  });

  test("GitHub's timeout message only refines a server error: an explicit 401 or 400 keeps its category", () => {
    const message = 'Something went wrong while executing your query. This may be the result of a timeout.';
    for (const [status, category] of [
      [401, 'unauthenticated'],
      [400, 'bad-request'],
    ] as const)
      for (const [, input] of shapesHttp(status, { data: null, errors: [{ message }] }))
        expectClassified(input, [github], { category, status, retryable: false });
  });

  const TYPES: Array<[string, string]> = [
    ['RATE_LIMITED', 'rate-limited'],
    ['FORBIDDEN', 'forbidden'],
    ['NOT_FOUND', 'not-found'],
    ['INSUFFICIENT_SCOPES', 'forbidden'],
  ];
  describe.each(TYPES)('type %s decides %s whatever the message says', (type, category) => {
    test.each(MISLEADING.concat(['You have exceeded a secondary rate limit']))('"%s"', (message) => {
      for (const profiles of [[github], [github, ion], [ion, github]]) {
        for (const [, input, extra] of shapes200(typed(type, message))) {
          const c = classifyError(input, { profiles, ...extra });
          expect(c.category).toBe(category);
          expect(c.code).toBe(type);
        }
      }
    });
  });
});
