// The retry options as an app sets them, on the link and per operation (`context.retry`): when the
// requests of a failing operation go out. A value that is not a finite number ≥ 0 falls back — to
// the link's value for a per-operation override, else to the default.
import { ApolloLink } from '@apollo/client/core/index.js';
import { getClassifications } from '../../classify/getClassifications';
import { execute, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { answer, serverError } from '../../__testUtils__/fixtures';
import { RetryBackoffLink } from '../RetryBackoffLink';

useFakeTimersAndCheckTeardown();

/** When (ms after the start) each request of one query went out, the server failing with `failure`. */
async function requestTimes(
  options: RetryBackoffLink.Options,
  retry?: RetryBackoffLink.AttemptOptions,
  failure: () => unknown = () => serverError(503),
) {
  const t0 = Date.now();
  const times: number[] = [];
  const s = scripted((sink) => {
    times.push(Date.now() - t0);
    answer(sink, failure());
  });
  const link = new RetryBackoffLink({ budget: false, circuitBreaker: false, jitter: false, ...options });
  const out = execute(ApolloLink.from([link, s.link]), retry ? { context: { retry } } : {});
  await jest.advanceTimersByTimeAsync(300_000);
  await out.done;
  expect(out.error).toBeDefined();
  return times;
}

const DEFAULT = [0, 1000, 3000, 7000];

test.each<[string, RetryBackoffLink.Options, RetryBackoffLink.AttemptOptions | undefined, number[]]>([
  ['the defaults: 4 attempts, 1 s doubling', {}, undefined, DEFAULT],
  ['maxAttempts 2', { maxAttempts: 2 }, undefined, [0, 1000]],
  ['maxAttempts 2.9 counts whole attempts', { maxAttempts: 2.9 }, undefined, [0, 1000]],
  ['maxAttempts 0 still sends the operation once', { maxAttempts: 0 }, undefined, [0]],
  ['maxAttempts -1 is the default', { maxAttempts: -1 }, undefined, DEFAULT],
  ['maxAttempts NaN is the default', { maxAttempts: NaN }, undefined, DEFAULT],
  ['maxAttempts Infinity is the default', { maxAttempts: Infinity }, undefined, DEFAULT],
  // (timers of 0 ms: the fake clock fires a timer set while it runs one 1 ms later)
  ['initialDelayMs 0 retries at once', { initialDelayMs: 0 }, undefined, [0, 0, 1, 2]],
  ['initialDelayMs -1 is the default', { initialDelayMs: -1 }, undefined, DEFAULT],
  ['initialDelayMs 500', { initialDelayMs: 500 }, undefined, [0, 500, 1500, 3500]],
  ['maxDelayMs caps the backoff', { maxDelayMs: 1500 }, undefined, [0, 1000, 2500, 4000]],
  [
    'jitter on: the random option spreads the delays',
    { jitter: true, random: () => 0 },
    undefined,
    [0, 750, 2250, 5250],
  ],
  ['deadlineMs: no retry that would end past it', { deadlineMs: 2500 }, undefined, [0, 1000]],
  ['deadlineMs -1 is no deadline', { deadlineMs: -1 }, undefined, DEFAULT],
  [
    'per operation: maxAttempts, the rest from the link',
    { maxAttempts: 3, initialDelayMs: 500 },
    { maxAttempts: 2 },
    [0, 500],
  ],
  [
    'per operation: an invalid value is the link’s, not the default',
    { maxAttempts: 2 },
    { maxAttempts: -1 },
    [0, 1000],
  ],
  ['per operation: the link’s deadline holds', { deadlineMs: 2500 }, { initialDelayMs: 1000 }, [0, 1000]],
  ['per operation: a longer deadline', { deadlineMs: 2500 }, { deadlineMs: 60_000 }, DEFAULT],
  ['per operation: jitter off', { jitter: true, random: () => 0 }, { jitter: false }, DEFAULT],
  ['per operation: jitter on', {}, { jitter: true }, [0, 750, 2250, 5250]],
  ['jitter is on by default', { jitter: undefined }, undefined, [0, 750, 2250, 5250]],
])('%s', async (_name, options, retry, times) => {
  expect(await requestTimes({ random: () => 0, ...options }, retry)).toEqual(times);
});

describe('Retry-After', () => {
  const limited = (seconds: string) => () => serverError(429, { 'Retry-After': seconds });
  test.each<[string, RetryBackoffLink.Options, RetryBackoffLink.AttemptOptions | undefined, string, number[]]>([
    ['is respected', { maxAttempts: 2 }, undefined, '5', [0, 5000]],
    ['is capped at 60 s by default', { maxAttempts: 2 }, undefined, '3600', [0, 60_000]],
    ['maxRetryAfterMs -1 is the default cap', { maxAttempts: 2, maxRetryAfterMs: -1 }, undefined, '3600', [0, 60_000]],
    [
      'respectRetryAfter: false keeps the backoff',
      { maxAttempts: 2, respectRetryAfter: false },
      undefined,
      '5',
      [0, 1000],
    ],
    ['per operation: respectRetryAfter: false', { maxAttempts: 2 }, { respectRetryAfter: false }, '5', [0, 1000]],
  ])('%s', async (_name, options, retry, seconds, times) => {
    expect(await requestTimes(options, retry, limited(seconds))).toEqual(times);
  });
});

describe('attemptTimeoutMs', () => {
  /** When the app hears that an attempt that never answers timed out. */
  async function timedOutAt(options: RetryBackoffLink.Options, retry?: RetryBackoffLink.AttemptOptions) {
    const t0 = Date.now();
    const s = scripted(() => undefined);
    const link = new RetryBackoffLink({ budget: false, circuitBreaker: false, maxAttempts: 1, ...options });
    const out = execute(ApolloLink.from([link, s.link]), retry ? { context: { retry } } : {});
    let at: number | undefined;
    void out.done.then(() => (at = Date.now() - t0));
    await jest.advanceTimersByTimeAsync(120_000);
    expect(getClassifications(out.error)[0]).toMatchObject({ reason: 'timeout' });
    return at;
  }
  test.each<[string, RetryBackoffLink.Options, RetryBackoffLink.AttemptOptions | undefined, number]>([
    ['30 s by default', {}, undefined, 30_000],
    ['-1 is the default', { attemptTimeoutMs: -1 }, undefined, 30_000],
    ['set on the link', { attemptTimeoutMs: 2000 }, undefined, 2000],
    ['per operation', { attemptTimeoutMs: 2000 }, { attemptTimeoutMs: 500 }, 500],
    ['per operation, invalid: the link’s', { attemptTimeoutMs: 2000 }, { attemptTimeoutMs: NaN }, 2000],
  ])('%s', async (_name, options, retry, at) => {
    expect(await timedOutAt(options, retry)).toBe(at);
  });
});
