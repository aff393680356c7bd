// Shopify Admin GraphQL: THROTTLED with the response's `extensions.cost`, MAX_COST_EXCEEDED, ACCESS_DENIED.
import { classifyError } from '../../classify/classifyError';
import { ion, shopify } from '..';
import { MISLEADING, ac4ServerError, apolloError, expectClassified, shapes200, shapesHttp, type Body } from './shapes';

/** Shopify's documented throttled answer: the cost is in the response's top-level `extensions`. */
const throttled = (message = 'Throttled', requested = 752, available = 666, restoreRate = 50): Body => ({
  errors: [{ message, extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }],
  extensions: {
    cost: {
      requestedQueryCost: requested,
      actualQueryCost: null,
      throttleStatus: { maximumAvailable: 1000.0, currentlyAvailable: available, restoreRate },
    },
  },
});
const coded = (code: string, message: string, extensions: Record<string, unknown> = {}): Body => ({
  errors: [{ message, extensions: { code, ...extensions } }],
});

describe('shopify profile', () => {
  describe('THROTTLED → rate-limited, wait until requestedQueryCost is available again', () => {
    test.each(shapes200(throttled()))('%s: rate-limited, retryable', (_shape, input, extra) => {
      expectClassified(
        input,
        [shopify],
        { category: 'rate-limited', code: 'THROTTLED', retryable: true, refreshable: false, status: 429 },
        extra,
      );
    });
    test.each(shapesHttp(200, throttled()))('%s: ceil((752 − 666) / 50) = 2 s', (_shape, input) => {
      expectClassified(input, [shopify], { category: 'rate-limited', details: { retryAfterMs: 2000 } });
    });
    test("the cost nested in the error's own extensions (as some Shopify pages show it) works in every shape", () => {
      const { errors, extensions } = throttled();
      const nested = { errors: [{ ...(errors[0] as object), extensions: { code: 'THROTTLED', ...extensions } }] };
      for (const [, input, extra] of shapes200(nested))
        expect(classifyError(input, { profiles: [shopify], ...extra }).details?.retryAfterMs).toBe(2000);
    });
    // The response's top-level `extensions` reach each error's facts (classifyErrors, annotateResult).
    test.each(shapes200(throttled()).slice(0, 2))(
      '%s: ceil((752 − 666) / 50) = 2 s from the response extensions',
      (_shape, input, extra) => {
        expect(classifyError(input, { profiles: [shopify], ...extra }).details?.retryAfterMs).toBe(2000);
      },
    );
    test.each(shapesHttp(429, throttled('Throttled', 1000, 0, 100)))(
      '%s: ceil((1000 − 0) / 100) = 10 s',
      (_shape, input) => {
        expectClassified(input, [shopify], {
          category: 'rate-limited',
          status: 429,
          details: { retryAfterMs: 10_000 },
        });
      },
    );
    test('a bucket that already holds the cost waits 0 s; fractional rates round up', () => {
      expect(
        classifyError(ac4ServerError(429, throttled('Throttled', 100, 200, 50)), { profiles: [shopify] }).details
          ?.retryAfterMs,
      ).toBe(0);
      expect(
        classifyError(ac4ServerError(429, throttled('Throttled', 101, 100, 0.5)), { profiles: [shopify] }).details
          ?.retryAfterMs,
      ).toBe(2000);
    });
    test('no usable cost (AC3 ApolloError keeps no response extensions, zero restore rate, garbage): rate-limited without a wait', () => {
      for (const input of [
        apolloError(throttled()),
        ac4ServerError(429, throttled('Throttled', 10, 0, 0)),
        ac4ServerError(429, { errors: throttled().errors, extensions: { cost: 'x' } }),
      ]) {
        const c = classifyError(input, { profiles: [shopify] });
        expect(c).toMatchObject({ category: 'rate-limited', retryable: true });
        expect(c.details?.retryAfterMs).toBeUndefined();
      }
    });
    test('a Retry-After header, where one exists, wins over the computed wait', () => {
      const [, input] = shapesHttp(429, throttled(), { 'retry-after': '7' })[0]!;
      expect(classifyError(input, { profiles: [shopify] }).details?.retryAfterMs).toBe(7000);
    });
    test.each(MISLEADING.concat(['Quantity must be at least 1', 'Access denied for orders field.']))(
      'THROTTLED + "%s" stays rate-limited with its wait',
      (message) => {
        for (const profiles of [[shopify], [shopify, ion], [ion, shopify]]) {
          for (const [, input, extra] of shapes200(throttled(message))) {
            expect(classifyError(input, { profiles, ...extra })).toMatchObject({
              category: 'rate-limited',
              retryable: true,
              message,
              code: 'THROTTLED',
            });
          }
          for (const [, input] of shapesHttp(429, throttled(message))) {
            expect(classifyError(input, { profiles })).toMatchObject({
              category: 'rate-limited',
              retryable: true,
              message,
              details: { retryAfterMs: 2000 },
            });
          }
        }
      },
    );
  });

  test.each([
    ['no requestedQueryCost', { actualQueryCost: 12, throttleStatus: { currentlyAvailable: 0, restoreRate: 50 } }],
    ['no currentlyAvailable', { requestedQueryCost: 100, throttleStatus: { maximumAvailable: 1000, restoreRate: 50 } }],
    ['no restoreRate', { requestedQueryCost: 100, throttleStatus: { currentlyAvailable: 0 } }],
    [
      'a negative restoreRate',
      { requestedQueryCost: 100, throttleStatus: { currentlyAvailable: 0, restoreRate: -50 } },
    ],
    ['a text cost', { requestedQueryCost: '100', throttleStatus: { currentlyAvailable: 0, restoreRate: 50 } }],
    ['no throttleStatus', { requestedQueryCost: 100 }],
  ])('THROTTLED with %s in the cost: rate-limited without a computed wait', (_name, cost) => {
    for (const [, input] of shapesHttp(429, { errors: throttled().errors, extensions: { cost } })) {
      const c = classifyError(input, { profiles: [shopify] });
      expect(c).toMatchObject({ category: 'rate-limited', reason: 'rate-limited', status: 429, retryable: true });
      expect(c.details).toBeUndefined();
    }
  });

  test.each(
    shapes200(
      coded('MAX_COST_EXCEEDED', 'Query cost is 1500, which exceeds the single query max cost limit (1000).', {
        cost: 1500,
        maxCost: 1000,
      }),
    ),
  )('MAX_COST_EXCEEDED is not retryable (%s)', (_shape, input, extra) => {
    const c = expectClassified(
      input,
      [shopify],
      {
        category: 'bad-request',
        reason: 'query-too-costly',
        status: 400,
        retryable: false,
        details: { cost: 1500, maxCost: 1000 },
      },
      extra,
    );
    expect(c.remediation).toBe('This request asks for too much at once; request fewer items per page.');
  });

  test.each(
    shapes200(
      coded('ACCESS_DENIED', 'Access denied for orders field. Required access: `read_orders` access scope.', {
        requiredAccess: '`read_orders` access scope.',
      }),
    ),
  )('ACCESS_DENIED → forbidden, insufficient-scope (%s)', (_shape, input, extra) => {
    const c = expectClassified(
      input,
      [shopify],
      {
        category: 'forbidden',
        reason: 'insufficient-scope',
        status: 403,
        refreshable: false,
        details: { requiredAccess: '`read_orders` access scope.' },
      },
      extra,
    );
    expect(c.remediation).toMatch(/ask the store owner to update the app's access/);
  });

  test('SHOP_INACTIVE, and 402 / 423 without a code, are forbidden (the shop, not the request)', () => {
    expect(
      expectClassified(coded('SHOP_INACTIVE', 'Shop is inactive'), [shopify], {
        category: 'forbidden',
        reason: 'shop-inactive',
        status: 402,
        retryable: false,
      }).remediation,
    ).toBe('This store is inactive or frozen; the store owner must reactivate it.');
    const unavailable =
      /^This store is unavailable \(frozen or locked\); the store owner must resolve it with Shopify\.$/;
    for (const [, input] of shapesHttp(402, { errors: 'Unavailable Shop' }))
      expect(
        expectClassified(input, [shopify], { category: 'forbidden', reason: 'shop-frozen', status: 402 }).remediation,
      ).toMatch(unavailable);
    for (const [, input] of shapesHttp(423, { errors: 'Locked' }))
      expect(
        expectClassified(input, [shopify], { category: 'forbidden', reason: 'shop-locked', status: 423 }).remediation,
      ).toMatch(unavailable);
    // Other statuses without a code are the core's.
    for (const [status, category] of [
      [403, 'forbidden'],
      [404, 'not-found'],
      [500, 'server'],
    ] as const)
      for (const [, input] of shapesHttp(status, { errors: 'Not available' }))
        expect(classifyError(input, { profiles: [shopify] })).toMatchObject({
          category,
          status,
          reason: expect.not.stringMatching(/^shop-/),
        });
    // A 402 that carries a code is decided by the code.
    for (const [, input] of shapesHttp(402, coded('THROTTLED', 'x')))
      expect(classifyError(input, { profiles: [shopify] }).category).toBe('rate-limited');
    // …also a code only the core knows.
    for (const status of [402, 423])
      for (const [, input] of shapesHttp(status, coded('UNAUTHENTICATED', 'Invalid API key or access token')))
        expect(classifyError(input, { profiles: [shopify] })).toMatchObject({
          category: 'unauthenticated',
          reason: 'invalid-token',
        });
  });

  test('INTERNAL_SERVER_ERROR without a request ID is the core internal error, no details', () => {
    const c = classifyError(
      coded('INTERNAL_SERVER_ERROR', 'Internal error. Looks like something went wrong on our end.'),
      {
        profiles: [shopify],
      },
    );
    expect(c).toMatchObject({ category: 'server', reason: 'internal-error', retryable: true });
    expect(c.details).toBeUndefined();
  });

  test('INTERNAL_SERVER_ERROR keeps the request ID for support, and stays retryable', () => {
    const message =
      'Internal error. Looks like something went wrong on our end.\nRequest ID: 1b355a21-7117-44c5-8d8b-8948082f40a8 (include this in support requests).';
    for (const [, input, extra] of shapes200(coded('INTERNAL_SERVER_ERROR', message))) {
      expectClassified(
        input,
        [shopify],
        {
          category: 'server',
          reason: 'internal-error',
          retryable: true,
          details: { requestId: '1b355a21-7117-44c5-8d8b-8948082f40a8' },
        },
        extra,
      );
    }
  });

  test("401 with Shopify's text body is the core's unauthenticated", () => {
    for (const [, input] of shapesHttp(401, {
      errors: '[API] Invalid API key or access token (unrecognized login or wrong password)',
    })) {
      expect(classifyError(input, { profiles: [shopify] }).category).toBe('unauthenticated');
    }
  });
});
