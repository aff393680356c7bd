// The retry budget's numeric options as an app may set them: a value that is not a number ≥ 0
// (NaN from `Number(process.env.X)`, negative, null) takes its default instead of breaking the
// budget (no bucket at all, or a ratio or floor that never allows a retry).
import { ApolloLink } from '@apollo/client/core/index.js';
import { execute, flush, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { BAD_NUMBERS as BAD, server, serverError } from '../../__testUtils__/fixtures';
import { RetryBudget, type RetryBudgetOptions } from '../retryBudget';
import { RetryBackoffLink } from '../RetryBackoffLink';

useFakeTimersAndCheckTeardown();

const ok = { data: { po: { id: '1', supplier: 'Acme' } } };

/** A budget on a clock the test moves, with `firsts` first attempts recorded at 0. */
function budget(options: RetryBudgetOptions, firsts = 0) {
  const clock = { t: 0 };
  const b = new RetryBudget(options, () => clock.t);
  for (let i = 0; i < firsts; i++) b.recordFirstAttempt();
  return { b, clock };
}

/** How many retries it grants in a row (up to 100). */
function grants(b: RetryBudget): number {
  let n = 0;
  while (n < 100 && b.tryAcquireRetry()) n++;
  return n;
}

describe.each(BAD)('an option that is %s takes its default', (_name, bad) => {
  test('minPerSecond: 5', () => {
    expect(grants(budget({ minPerSecond: bad }).b)).toBe(5);
  });

  test('ratio: 0.2', () => {
    expect(grants(budget({ ratio: bad, minPerSecond: 0 }, 100).b)).toBe(20);
  });

  test('windowMs: 10 s', () => {
    const inside = budget({ windowMs: bad, minPerSecond: 0 }, 100);
    inside.clock.t = 9_000;
    expect(grants(inside.b)).toBe(20);
    const outside = budget({ windowMs: bad, minPerSecond: 0 }, 100);
    outside.clock.t = 11_000;
    expect(grants(outside.b)).toBe(0);
  });
});

test('valid values are kept as given, with windowMs at least 1 s', () => {
  expect(grants(budget({ ratio: 0, minPerSecond: 0 }, 100).b)).toBe(0);
  expect(grants(budget({ ratio: 0.5, minPerSecond: 0 }, 100).b)).toBe(50);
  expect(grants(budget({ minPerSecond: 2 }).b)).toBe(2);
  const short = budget({ windowMs: 10, minPerSecond: 0 }, 100);
  short.clock.t = 900;
  expect(grants(short.b)).toBe(20);
});

test.each([Infinity, 1e12])(
  'windowMs %s is at most an hour (one bucket per 250 ms: no RangeError, bounded memory)',
  (windowMs) => {
    const long = budget({ windowMs, minPerSecond: 0 }, 100);
    expect(grants(long.b)).toBe(20);
    long.clock.t = 3_599_000;
    expect(grants(long.b)).toBe(0); // the first attempts are still in the window
    long.clock.t = 3_601_000;
    expect(grants(long.b)).toBe(0); // and out of it after an hour
  },
);

test('budget windowMs NaN: a query that fails once with 503 is retried and succeeds', async () => {
  const s = server([serverError(503), ok]);
  const link = new RetryBackoffLink({ jitter: false, circuitBreaker: false, budget: { windowMs: NaN } });
  const out = execute(ApolloLink.from([link, s.link]));
  await flush();
  await jest.advanceTimersByTimeAsync(1000);
  await out.done;
  expect(out.next).toEqual([ok]);
  expect(s.requests).toHaveLength(2);
});
