import type { Classification } from '../../classify/types';
import { computeBackoffDelay, nextDelay } from '../backoff';
import { CircuitBreaker } from '../circuitBreaker';
import { mergePartialResults } from '../mergePartialResults';
import { mayRetryMutation, onlyRetryableErrors, wasNotExecuted } from '../retryDecision';
import { RetryBudget } from '../retryBudget';

const c = (category: Classification['category'], extra: Partial<Classification> = {}): Classification => ({
  category,
  message: 'm',
  retryable: ['server', 'network', 'rate-limited'].includes(category),
  refreshable: false,
  remediation: 'r',
  ...extra,
});

describe('computeBackoffDelay', () => {
  const opts = { initialDelayMs: 1000, maxDelayMs: 30_000, jitter: false };
  test.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [5, 16_000],
    [6, 30_000],
    [50, 30_000],
    [2000, 30_000],
    [0, 1000],
  ])('retry %i without jitter → %i ms', (retry, ms) => {
    expect(computeBackoffDelay(retry, opts)).toBe(ms);
  });
  test.each([
    [0, 750],
    [0.5, 1000],
    [0.999999, 1250],
    [NaN, 1000],
    [-3, 750],
    [7, 1250],
  ])('jitter with random %p → %i ms on the first retry', (r, ms) => {
    expect(computeBackoffDelay(1, { ...opts, jitter: true }, () => r)).toBe(ms);
  });
  test('jitter never exceeds the cap', () => {
    expect(computeBackoffDelay(10, { ...opts, jitter: true }, () => 0.99)).toBe(30_000);
  });
  test('zero initial delay stays zero (no `||` default)', () => {
    expect(computeBackoffDelay(3, { initialDelayMs: 0, maxDelayMs: 100, jitter: true })).toBe(0);
  });
});

describe('nextDelay and Retry-After', () => {
  const o = {
    initialDelayMs: 1000,
    maxDelayMs: 30_000,
    jitter: false,
    respectRetryAfter: true,
    maxRetryAfterMs: 60_000,
  };
  test.each<[number | undefined, boolean, number]>([
    [7000, true, 7000],
    [0, true, 0],
    [120_000, true, 60_000],
    [undefined, true, 2000],
    [7000, false, 2000],
    [NaN, true, 2000],
    [-5, true, 2000],
  ])('retryAfter %p respected=%p → %i', (after, respect, ms) => {
    expect(nextDelay(2, after, { ...o, respectRetryAfter: respect })).toBe(ms);
  });
});

describe('RetryBudget', () => {
  test('a fresh client can retry at once, up to minPerSecond', () => {
    let now = 0;
    const b = new RetryBudget({ ratio: 0.2, minPerSecond: 5 }, () => now);
    b.recordFirstAttempt();
    expect([1, 2, 3, 4, 5, 6].map(() => b.tryAcquireRetry())).toEqual([true, true, true, true, true, false]);
    now += 1100;
    expect(b.tryAcquireRetry()).toBe(true);
  });
  test('under load, retries stay within ratio × first attempts (+ the per-second floor)', () => {
    let now = 0;
    const b = new RetryBudget({ ratio: 0.2, minPerSecond: 5 }, () => now);
    for (let i = 0; i < 100; i++) b.recordFirstAttempt();
    let granted = 0;
    for (let i = 0; i < 100; i++) if (b.tryAcquireRetry()) granted++;
    expect(granted).toBe(20);
    now += 1000;
    granted = 0;
    for (let i = 0; i < 100; i++) if (b.tryAcquireRetry()) granted++;
    expect(granted).toBe(5);
  });
  test('old traffic leaves the window', () => {
    let now = 0;
    const b = new RetryBudget({ ratio: 0.5, minPerSecond: 0, windowMs: 2000 }, () => now);
    for (let i = 0; i < 10; i++) b.recordFirstAttempt();
    expect(b.tryAcquireRetry()).toBe(true);
    now = 5000;
    expect(b.tryAcquireRetry()).toBe(false);
    expect(b.snapshot()).toEqual({ firstAttempts: 0, retries: 0, retriesLastSecond: 0 });
  });
  test('first attempts are dated in batches, never as newer than they are', () => {
    let now = 0;
    const b = new RetryBudget({ ratio: 1, minPerSecond: 0, windowMs: 2000 }, () => now);
    for (let i = 0; i < 5; i++) b.recordFirstAttempt(); // undated, at t = 0
    now = 1500;
    expect(b.snapshot().firstAttempts).toBe(5); // dated at the last reading (t = 0): still in the window
    for (let i = 0; i < 3; i++) b.recordFirstAttempt(); // undated, after t = 1500
    now = 2600; // the first five have left the window; the three (dated t = 1500) have not
    expect(b.snapshot().firstAttempts).toBe(3);
    for (let i = 0; i < 7; i++) b.recordFirstAttempt();
    now = 60_000; // a batch dated before the window is dropped (stricter, never looser)
    expect(b.snapshot().firstAttempts).toBe(0);
    for (let i = 0; i < 4; i++) b.recordFirstAttempt();
    now = 60_100;
    expect(b.snapshot().firstAttempts).toBe(4);
  });
  test('a full batch is dated when it fills, so busy traffic is counted at once', () => {
    let now = 0;
    const b = new RetryBudget({ ratio: 0.5, minPerSecond: 0, windowMs: 2000 }, () => now);
    now = 1000;
    for (let i = 0; i < 32; i++) b.recordFirstAttempt();
    now = 2900; // the second batch was dated when the first filled (t = 1000): in the window
    expect(b.snapshot().firstAttempts).toBe(16);
    now = 3100;
    expect(b.snapshot().firstAttempts).toBe(0);
  });
});

describe('CircuitBreaker', () => {
  test('opens after N consecutive failures within the window, half-opens after the cooldown, closes on a good probe', () => {
    let now = 0;
    const changes: string[] = [];
    const cb = new CircuitBreaker(
      { failures: 3, windowMs: 30_000, cooldownMs: 30_000 },
      (s, p) => changes.push(`${p}->${s}`),
      () => now,
    );
    cb.recordFailure();
    cb.recordFailure();
    expect(cb.admit()).toBe('allow');
    cb.recordFailure();
    expect(cb.current).toBe('open');
    expect(cb.admit()).toBe('reject');
    expect(cb.allowsRetry()).toBe(false);
    now += 30_000;
    expect(cb.admit()).toBe('probe');
    expect(cb.admit()).toBe('reject');
    cb.recordSuccess(true);
    expect(cb.current).toBe('closed');
    expect(changes).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });
  test('a failed probe re-opens; a success in between resets the count; old failures expire', () => {
    let now = 0;
    const cb = new CircuitBreaker({ failures: 2, windowMs: 1000, cooldownMs: 500 }, undefined, () => now);
    cb.recordFailure();
    cb.recordSuccess();
    cb.recordFailure();
    expect(cb.current).toBe('closed');
    now = 5000;
    cb.recordFailure();
    expect(cb.current).toBe('closed');
    cb.recordFailure();
    expect(cb.current).toBe('open');
    now += 500;
    expect(cb.admit()).toBe('probe');
    cb.recordFailure(true);
    expect(cb.current).toBe('open');
    expect(cb.remainingCooldownMs()).toBe(500);
    now += 500;
    expect(cb.admit()).toBe('probe');
    cb.releaseProbe();
    expect(cb.admit()).toBe('probe');
  });
});

describe('mayRetryMutation', () => {
  test.each<
    [string, Classification, 'never' | 'safe' | 'always', { idempotent?: boolean; idempotencyKey?: boolean }, boolean]
  >([
    ['429 is safe', c('rate-limited', { status: 429 }), 'safe', {}, true],
    ['503 is safe', c('server', { status: 503 }), 'safe', {}, true],
    ['connection refused is safe', c('network', { reason: 'connection-refused' }), 'safe', {}, true],
    ['502 is ambiguous', c('server', { status: 502 }), 'safe', {}, false],
    ['504 is ambiguous', c('server', { status: 504 }), 'safe', {}, false],
    ['500 is ambiguous', c('server', { status: 500 }), 'safe', {}, false],
    ['reset after send is ambiguous', c('network', { reason: 'connection-reset' }), 'safe', {}, false],
    ['timeout is ambiguous', c('network', { reason: 'timeout' }), 'safe', {}, false],
    ['502 with an idempotency key', c('server', { status: 502 }), 'safe', { idempotencyKey: true }, true],
    ['timeout marked idempotent', c('network', { reason: 'timeout' }), 'safe', { idempotent: true }, true],
    ['never means never', c('rate-limited'), 'never', { idempotent: true }, false],
    ['always retries 502', c('server', { status: 502 }), 'always', {}, true],
    ['409 is never retried', c('conflict', { status: 409 }), 'always', { idempotent: true }, false],
    ['401 is never retried', c('unauthenticated', { status: 401 }), 'always', {}, false],
  ])('%s', (_n, cls, mode, safety, expected) => {
    expect(mayRetryMutation(cls, mode, safety)).toBe(expected);
  });
  test('onlyRetryableErrors', () => {
    expect(onlyRetryableErrors([])).toBe(false);
    expect(onlyRetryableErrors([c('server'), c('network')])).toBe(true);
    expect(onlyRetryableErrors([c('server'), c('forbidden')])).toBe(false);
  });
});

describe('mergePartialResults', () => {
  const err = (path: Array<string | number>) => ({ message: 'down', path });
  test.each<[string, Record<string, unknown> | undefined, Record<string, unknown>, Record<string, unknown>]>([
    ['no previous attempt: the newest as is', undefined, { data: { a: 1 } }, { data: { a: 1 } }],
    [
      'a field that failed now but resolved before is kept, its error dropped',
      { data: { po: { id: '1', rating: 4 } } },
      { data: { po: { id: '1', rating: null } }, errors: [err(['po', 'rating'])] },
      { data: { po: { id: '1', rating: 4 } } },
    ],
    [
      'the newest attempt wins where it resolved',
      { data: { po: { id: '1', rating: 4, lead: null } }, errors: [err(['po', 'lead'])] },
      { data: { po: { id: '1', rating: 5, lead: 7 } } },
      { data: { po: { id: '1', rating: 5, lead: 7 } } },
    ],
    [
      'errors remain for paths that still fail',
      { data: { po: { rating: null, lead: 3 } }, errors: [err(['po', 'rating'])] },
      { data: { po: { rating: null, lead: null } }, errors: [err(['po', 'rating']), err(['po', 'lead'])] },
      { data: { po: { rating: null, lead: 3 } }, errors: [err(['po', 'rating'])] },
    ],
    [
      'a legitimately null newest value (no error) wins',
      { data: { po: { note: 'x' } } },
      { data: { po: { note: null } } },
      { data: { po: { note: null } } },
    ],
    [
      'lists of equal length merge item by item',
      { data: { list: [{ r: 1 }, { r: 2 }] } },
      { data: { list: [{ r: null }, { r: 3 }] }, errors: [err(['list', 0, 'r'])] },
      { data: { list: [{ r: 1 }, { r: 3 }] } },
    ],
    [
      'a newest attempt with no data keeps the earlier data and its own errors',
      { data: { a: 1 } },
      { data: null, errors: [{ message: 'x' }] },
      { data: { a: 1 }, errors: [{ message: 'x' }] },
    ],
  ])('%s', (_n, prev, next, expected) => {
    expect(mergePartialResults(prev as never, next as never)).toEqual(expected);
  });
});

describe('computeBackoffDelay bounds', () => {
  test.each<[string, number, { initialDelayMs: number; maxDelayMs: number; jitter: boolean }, number, number]>([
    // name, retry, options, random, expected
    [
      'the exponent stops at 52 (no overflow to Infinity)',
      100,
      { initialDelayMs: 1, maxDelayMs: Infinity, jitter: false },
      0.5,
      2 ** 52,
    ],
    ['exponent 52 itself', 53, { initialDelayMs: 1, maxDelayMs: Infinity, jitter: false }, 0.5, 2 ** 52],
    ['retry −5 is treated as the first retry', -5, { initialDelayMs: 100, maxDelayMs: 1000, jitter: false }, 0.5, 100],
    ['a cap below the initial delay wins', 1, { initialDelayMs: 1000, maxDelayMs: 300, jitter: false }, 0.5, 300],
    ['a negative initial delay is 0', 2, { initialDelayMs: -50, maxDelayMs: 1000, jitter: false }, 0.5, 0],
    [
      'a negative initial delay is 0 with jitter too',
      2,
      { initialDelayMs: -50, maxDelayMs: 1000, jitter: true },
      0.5,
      0,
    ],
    [
      'jitter is proportional on later retries',
      3,
      { initialDelayMs: 1000, maxDelayMs: 30_000, jitter: true },
      0.25,
      3500,
    ],
    [
      'random() of exactly 1 stays below +25 %',
      1,
      { initialDelayMs: 10_000_000, maxDelayMs: Infinity, jitter: true },
      1,
      12_499_995,
    ],
    [
      'random() of Infinity is treated as 0.5',
      1,
      { initialDelayMs: 1000, maxDelayMs: 30_000, jitter: true },
      Infinity,
      1000,
    ],
    ['jitter rounds to whole milliseconds', 1, { initialDelayMs: 3, maxDelayMs: 100, jitter: true }, 0.1, 2],
  ])('%s', (_name, retry, options, random, expected) => {
    expect(computeBackoffDelay(retry, options, () => random)).toBe(expected);
  });
  test('jitter uses Math.random by default, within ±25 %', () => {
    const spy = jest.spyOn(Math, 'random').mockReturnValue(0);
    try {
      expect(computeBackoffDelay(1, { initialDelayMs: 1000, maxDelayMs: 30_000, jitter: true })).toBe(750);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('nextDelay bounds', () => {
  const o = {
    initialDelayMs: 1000,
    maxDelayMs: 30_000,
    jitter: false,
    respectRetryAfter: true,
    maxRetryAfterMs: 60_000,
  };
  test.each<[string, number | undefined, number]>([
    ['Retry-After exactly at the cap', 60_000, 60_000],
    ['Retry-After just over the cap', 60_001, 60_000],
    ['Retry-After of Infinity falls back to the backoff', Infinity, 4000],
    ['Retry-After of 0 means now', 0, 0],
    ['Retry-After longer than the backoff cap is still honoured', 45_000, 45_000],
  ])('%s', (_name, after, expected) => {
    expect(nextDelay(3, after, o)).toBe(expected);
  });
  test('the random source reaches the backoff', () => {
    expect(nextDelay(1, undefined, { ...o, jitter: true }, () => 0)).toBe(750);
  });
});

describe('RetryBudget limits', () => {
  test('defaults: ratio 0.2, 5 per second, a 10 s window', () => {
    let now = 0;
    const b = new RetryBudget(undefined, () => now);
    for (let i = 0; i < 50; i++) b.recordFirstAttempt();
    // 50 first attempts → 10 retries by ratio; the floor gives 5 in the first second anyway.
    let granted = 0;
    for (let i = 0; i < 20; i++) if (b.tryAcquireRetry()) granted++;
    expect(granted).toBe(10);
    now = 9_999;
    expect(b.snapshot()).toEqual({ firstAttempts: 50, retries: 10, retriesLastSecond: 0 });
    now = 10_000; // the first bucket has left the 10 s window
    expect(b.snapshot()).toEqual({ firstAttempts: 0, retries: 0, retriesLastSecond: 0 });
  });

  test('the ratio is inclusive: ratio × first attempts retries, not one more', () => {
    const b = new RetryBudget({ ratio: 0.5, minPerSecond: 0 }, () => 0);
    for (let i = 0; i < 4; i++) b.recordFirstAttempt();
    expect([b.tryAcquireRetry(), b.tryAcquireRetry(), b.tryAcquireRetry()]).toEqual([true, true, false]);
  });

  test.each<[string, { ratio?: number; minPerSecond?: number }, boolean[]]>([
    ['a negative ratio is the default 0.2 (one first attempt: no retry)', { ratio: -1, minPerSecond: 0 }, [false]],
    ['a negative floor is the default 5', { ratio: 0, minPerSecond: -3 }, [true, true, true, true, true, false]],
    ['a floor of 2 per second', { ratio: 0, minPerSecond: 2 }, [true, true, false]],
  ])('%s', (_name, options, expected) => {
    const b = new RetryBudget(options, () => 0);
    b.recordFirstAttempt();
    expect(expected.map(() => b.tryAcquireRetry())).toEqual(expected);
  });

  test('the per-second floor counts the last 1000 ms exactly', () => {
    let now = 0;
    const b = new RetryBudget({ ratio: 0, minPerSecond: 1 }, () => now);
    expect(b.tryAcquireRetry()).toBe(true);
    now = 999;
    expect(b.tryAcquireRetry()).toBe(false);
    now = 1000;
    expect(b.tryAcquireRetry()).toBe(true);
    expect(b.snapshot()).toEqual({ firstAttempts: 0, retries: 2, retriesLastSecond: 1 });
  });

  test('a window below one second is one second', () => {
    let now = 0;
    const b = new RetryBudget({ ratio: 1, minPerSecond: 0, windowMs: 10 }, () => now);
    for (let i = 0; i < 16; i++) b.recordFirstAttempt();
    now = 999;
    expect(b.snapshot().firstAttempts).toBe(16);
    now = 1000;
    expect(b.snapshot().firstAttempts).toBe(0);
  });

  test('the ring of buckets wraps: old buckets are reused, never counted twice', () => {
    let now = 0;
    // A 1 s window is 4 buckets of 250 ms; 10 s of steady traffic wraps the ring ten times.
    const b = new RetryBudget({ ratio: 1, minPerSecond: 0, windowMs: 1000 }, () => now);
    for (now = 0; now < 10_000; now += 50) {
      for (let i = 0; i < 16; i++) b.recordFirstAttempt();
      b.tryAcquireRetry();
    }
    now = 9_950;
    // The window holds the buckets from t = 9000: the retries taken at t = 9000 … 9950 (20), and the
    // batches dated at the reading before them (t − 50), 19 of which fall at or after t = 9000.
    expect(b.snapshot()).toEqual({ firstAttempts: 19 * 16, retries: 20, retriesLastSecond: 20 });
  });

  test('a bucket is reset when the ring comes back to it', () => {
    let now = 0;
    const b = new RetryBudget({ ratio: 1, minPerSecond: 0, windowMs: 1000 }, () => now);
    for (let i = 0; i < 16; i++) b.recordFirstAttempt(); // bucket [0, 250)
    now = 1000; // the same slot of the ring, a new bucket
    b.snapshot(); // a clock reading: the next batch is dated t = 1000
    for (let i = 0; i < 16; i++) b.recordFirstAttempt();
    expect(b.snapshot().firstAttempts).toBe(16);
    expect(b.tryAcquireRetry()).toBe(true);
    now = 1249;
    expect(b.snapshot()).toEqual({ firstAttempts: 16, retries: 1, retriesLastSecond: 1 });
  });

  test('first attempts are dated at the previous clock reading', () => {
    let now = 0;
    const b = new RetryBudget({ ratio: 1, minPerSecond: 0, windowMs: 2000 }, () => now);
    now = 100;
    b.snapshot(); // clock reading at t = 100
    for (let i = 0; i < 3; i++) b.recordFirstAttempt();
    now = 600;
    expect([b.tryAcquireRetry(), b.tryAcquireRetry(), b.tryAcquireRetry(), b.tryAcquireRetry()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    now = 1999; // the bucket [0, 250) holding the three is still inside the 2 s window
    expect(b.snapshot()).toEqual({ firstAttempts: 3, retries: 3, retriesLastSecond: 0 });
    now = 2000;
    expect(b.snapshot()).toEqual({ firstAttempts: 0, retries: 3, retriesLastSecond: 0 });
  });

  test('a window that is not a whole number of buckets is rounded up', () => {
    let now = 0;
    const b = new RetryBudget({ ratio: 1, minPerSecond: 0, windowMs: 1100 }, () => now);
    for (let i = 0; i < 16; i++) b.recordFirstAttempt();
    now = 1249; // five buckets of 250 ms: 1250 ms
    expect(b.snapshot().firstAttempts).toBe(16);
    now = 1250;
    expect(b.snapshot().firstAttempts).toBe(0);
  });

  test('a retry at a bucket boundary opens the next bucket', () => {
    let now = 0;
    const b = new RetryBudget({ ratio: 0, minPerSecond: 10 }, () => now);
    expect(b.tryAcquireRetry()).toBe(true);
    now = 250;
    expect(b.tryAcquireRetry()).toBe(true);
    now = 1249; // [0, 250) has left the last second, [250, 500) has not
    expect(b.snapshot()).toEqual({ firstAttempts: 0, retries: 2, retriesLastSecond: 1 });
  });

  test('a clock that goes back finds its earlier bucket intact and ignores later ones', () => {
    let now = 4000;
    const b = new RetryBudget({ ratio: 0, minPerSecond: 10 }, () => now);
    expect(b.tryAcquireRetry()).toBe(true);
    now = 5000;
    expect(b.tryAcquireRetry()).toBe(true);
    now = 4000;
    expect(b.tryAcquireRetry()).toBe(true);
    expect(b.snapshot()).toEqual({ firstAttempts: 0, retries: 2, retriesLastSecond: 2 });
  });

  test('a clock that goes back dates a batch at the earlier reading', () => {
    let now = 5000;
    const b = new RetryBudget({ ratio: 1, minPerSecond: 0, windowMs: 2000 }, () => now);
    for (let i = 0; i < 2; i++) b.recordFirstAttempt();
    now = 4000;
    expect(b.snapshot().firstAttempts).toBe(2);
    now = 5999; // dated at 4000: left the window at 6000, not 7000
    expect(b.snapshot().firstAttempts).toBe(2);
    now = 6000;
    expect(b.snapshot().firstAttempts).toBe(0);
  });
});

describe('CircuitBreaker window and cooldown', () => {
  const breaker = (
    options: ConstructorParameters<typeof CircuitBreaker>[0],
    clock: { now: number },
    changes: string[] = [],
  ) =>
    new CircuitBreaker(
      options,
      (s, p) => changes.push(`${p}->${s}`),
      () => clock.now,
    );
  const failAt = (cb: CircuitBreaker, clock: { now: number }, times: number[]) => {
    for (const t of times) {
      clock.now = t;
      cb.recordFailure();
    }
  };

  test.each<[string, number[], 'closed' | 'open']>([
    ['three failures at distinct instants inside the default 30 s window open it', [0, 10_000, 20_000], 'open'],
    ['a failure exactly 30 s before still counts', [0, 15_000, 30_000], 'open'],
    ['a failure 30 001 ms before has expired', [0, 15_000, 30_001], 'closed'],
    ['two failures are not enough by default', [0, 1], 'closed'],
  ])('%s', (_name, times, state) => {
    const clock = { now: 0 };
    const cb = breaker(undefined, clock);
    failAt(cb, clock, times);
    expect(cb.current).toBe(state);
  });

  test('the default schedule: the first probe 1 s after the opening, doubling per failed probe, capped at 30 s', () => {
    const clock = { now: 0 };
    const cb = breaker(undefined, clock);
    failAt(cb, clock, [1000, 2000, 3000]);
    expect(cb.cooldownMs).toBe(30_000);
    expect(cb.remainingCooldownMs()).toBe(1000);
    expect(cb.nextProbeAt).toBe(4000);
    clock.now = 3999;
    expect(cb.remainingCooldownMs()).toBe(1);
    expect(cb.admit()).toBe('reject');
    const gaps: number[] = [];
    for (let i = 0; i < 7; i++) {
      clock.now = cb.nextProbeAt!;
      expect(cb.admit()).toBe('probe');
      expect(cb.remainingCooldownMs()).toBe(0);
      cb.recordFailure(true);
      gaps.push(cb.remainingCooldownMs());
      clock.now += gaps[i]! - 1;
      expect(cb.admit()).toBe('reject');
    }
    expect(gaps).toEqual([2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  test('a success closes at once and resets the schedule: the next opening probes after 1 s again', () => {
    const clock = { now: 0 };
    const cb = breaker({ failures: 1 }, clock);
    cb.recordFailure();
    for (const gap of [1000, 2000, 4000]) {
      expect(cb.remainingCooldownMs()).toBe(gap);
      clock.now += gap;
      expect(cb.admit()).toBe('probe');
      if (gap < 4000) cb.recordFailure(true);
    }
    cb.recordSuccess(true);
    expect(cb.current).toBe('closed');
    expect(cb.nextProbeAt).toBeUndefined();
    cb.recordFailure();
    expect(cb.remainingCooldownMs()).toBe(1000);
  });

  test('initialProbeDelayMs sets the first probe; it is capped by cooldownMs and a negative one is the default 1 s', () => {
    const clock = { now: 0 };
    const slow = breaker({ failures: 1, initialProbeDelayMs: 5000, cooldownMs: 12_000 }, clock);
    slow.recordFailure();
    expect(slow.remainingCooldownMs()).toBe(5000);
    clock.now = 5000;
    expect(slow.admit()).toBe('probe');
    slow.recordFailure(true);
    expect(slow.remainingCooldownMs()).toBe(10_000);
    clock.now = 15_000;
    expect(slow.admit()).toBe('probe');
    slow.recordFailure(true);
    expect(slow.remainingCooldownMs()).toBe(12_000);
    const capped = breaker({ failures: 1, initialProbeDelayMs: 5000, cooldownMs: 3000 }, clock);
    capped.recordFailure();
    expect(capped.remainingCooldownMs()).toBe(3000);
    const negative = breaker({ failures: 1, initialProbeDelayMs: -1 }, clock);
    negative.recordFailure();
    expect(negative.remainingCooldownMs()).toBe(1000);
    expect(negative.admit()).toBe('reject');
  });

  test.each<[number, number]>([
    [0, 750],
    [0.5, 1000],
    [0.999, 1250],
    [2, 1250], // clamped
    [-1, 750], // clamped
    [NaN, 1000], // no jitter
  ])('jitter: random %p puts the first probe %p ms after the opening', (r, delay) => {
    const clock = { now: 100 };
    const cb = new CircuitBreaker(
      { failures: 1 },
      undefined,
      () => clock.now,
      () => r,
    );
    cb.recordFailure();
    expect(cb.nextProbeAt).toBe(100 + delay);
  });

  test('jitter never passes the cap', () => {
    const clock = { now: 0 };
    const cb = new CircuitBreaker(
      { failures: 1, cooldownMs: 1100 },
      undefined,
      () => clock.now,
      () => 0.99,
    );
    cb.recordFailure();
    expect(cb.remainingCooldownMs()).toBe(1100);
    clock.now = 1100;
    expect(cb.admit()).toBe('probe');
    cb.recordFailure(true);
    expect(cb.remainingCooldownMs()).toBe(1100);
  });

  test('reset() while open or probing: no cooldown remains, and the next outage gets its own probe', () => {
    const clock = { now: 0 };
    const cb = breaker({ failures: 1 }, clock);
    cb.recordFailure();
    expect(cb.remainingCooldownMs()).toBe(1000);
    cb.reset();
    expect(cb.remainingCooldownMs()).toBe(0);
    cb.recordFailure();
    clock.now = 1000;
    expect(cb.admit()).toBe('probe');
    cb.reset(); // the probe in flight is forgotten with the outage
    cb.recordFailure();
    clock.now = 2000;
    expect(cb.admit()).toBe('probe');
  });

  test('while half-open, probeNow leaves the schedule alone: nextProbeAt is when the probe became due', () => {
    const clock = { now: 0 };
    const cb = breaker({ failures: 1 }, clock);
    cb.recordFailure();
    clock.now = 1500;
    expect(cb.admit()).toBe('probe');
    clock.now = 1700;
    cb.probeNow();
    expect(cb.current).toBe('half-open');
    expect(cb.nextProbeAt).toBe(1000);
  });

  test('one probe at a time: a probe still running when another success closed the circuit is the next outage’s probe', () => {
    const clock = { now: 0 };
    const changes: string[] = [];
    const cb = breaker({ failures: 1 }, clock, changes);
    cb.recordFailure();
    clock.now = 1000;
    expect(cb.admit()).toBe('probe');
    cb.recordSuccess(); // another operation succeeds: closed, the probe still runs
    expect(cb.current).toBe('closed');
    cb.recordFailure();
    clock.now = 2000;
    expect(cb.admit()).toBe('reject');
    cb.recordSuccess(true); // the running probe reports: it closes the circuit
    expect(changes).toEqual([
      'closed->open',
      'open->half-open',
      'half-open->closed',
      'closed->open',
      'open->half-open',
      'half-open->closed',
    ]);
    cb.recordFailure();
    clock.now = 3000;
    expect(cb.admit()).toBe('probe');
  });

  test('probeNow (back online) makes the probe due at once only while open', () => {
    const clock = { now: 0 };
    const changes: string[] = [];
    const cb = breaker({ failures: 1 }, clock, changes);
    cb.probeNow();
    expect(cb.current).toBe('closed');
    expect(cb.admit()).toBe('allow');
    cb.recordFailure();
    clock.now = 10;
    expect(cb.admit()).toBe('reject');
    cb.probeNow();
    expect(cb.remainingCooldownMs()).toBe(0);
    expect(cb.nextProbeAt).toBe(10);
    expect(cb.admit()).toBe('probe');
    cb.probeNow(); // half-open with a probe in flight: nothing more
    expect(cb.admit()).toBe('reject');
    cb.recordFailure(true);
    expect(cb.remainingCooldownMs()).toBe(2000); // an early probe that fails still doubles the schedule
    expect(changes).toEqual(['closed->open', 'open->half-open', 'half-open->open']);
  });

  test('late failures of operations that started before the opening do not extend the cooldown', () => {
    const clock = { now: 0 };
    const changes: string[] = [];
    const cb = breaker({ failures: 2, windowMs: 10_000, initialProbeDelayMs: 5000 }, clock, changes);
    failAt(cb, clock, [0, 100]);
    expect(cb.current).toBe('open');
    failAt(cb, clock, [2000, 4000]);
    expect(cb.current).toBe('open');
    expect(cb.remainingCooldownMs()).toBe(1100);
    clock.now = 5100;
    expect(cb.admit()).toBe('probe');
    expect(changes).toEqual(['closed->open', 'open->half-open']);
  });

  test('a late success while open does not close the circuit; it makes the probe due at once, and only the probe can close', () => {
    const clock = { now: 0 };
    const cb = breaker({ failures: 1, cooldownMs: 1000 }, clock);
    cb.recordFailure();
    clock.now = 200;
    expect(cb.remainingCooldownMs()).toBe(800);
    cb.recordSuccess();
    expect(cb.current).toBe('open');
    expect(cb.remainingCooldownMs()).toBe(0);
    expect(cb.admit()).toBe('probe');
    expect(cb.allowsRetry()).toBe(false);
    cb.recordSuccess(true);
    expect(cb.current).toBe('closed');
    expect(cb.allowsRetry()).toBe(true);
  });

  test('while half-open, any outcome decides: a success closes, a failure re-opens', () => {
    const clock = { now: 0 };
    const changes: string[] = [];
    const cb = breaker({ failures: 1, cooldownMs: 1000 }, clock, changes);
    cb.recordFailure();
    clock.now = 1000;
    expect(cb.admit()).toBe('probe');
    cb.recordFailure(); // an operation admitted before, failing now, counts as the probe's verdict
    expect(cb.current).toBe('open');
    expect(cb.remainingCooldownMs()).toBe(1000);
    expect(cb.admit()).toBe('reject'); // the probe slot was freed, but the cooldown runs again
    clock.now = 2000;
    expect(cb.admit()).toBe('probe');
    cb.recordSuccess();
    expect(cb.current).toBe('closed');
    expect(changes).toEqual([
      'closed->open',
      'open->half-open',
      'half-open->open',
      'open->half-open',
      'half-open->closed',
    ]);
  });

  test('a probe failure frees the probe slot for the next cooldown', () => {
    const clock = { now: 0 };
    const cb = breaker({ failures: 1, cooldownMs: 100 }, clock);
    cb.recordFailure();
    clock.now = 100;
    expect(cb.admit()).toBe('probe');
    cb.recordFailure(true);
    clock.now = 200;
    expect(cb.admit()).toBe('probe');
    cb.recordSuccess(true);
    expect(cb.admit()).toBe('allow');
    expect(cb.admit()).toBe('allow');
  });

  test('a probe success frees the slot: after a later re-opening a new probe goes through', () => {
    const clock = { now: 0 };
    const cb = breaker({ failures: 1, cooldownMs: 100 }, clock);
    cb.recordFailure();
    clock.now = 100;
    expect(cb.admit()).toBe('probe');
    cb.recordSuccess(true);
    cb.recordFailure();
    expect(cb.current).toBe('open');
    clock.now = 200;
    expect(cb.admit()).toBe('probe');
  });

  test.each<[string, { failures?: number; windowMs?: number; cooldownMs?: number }, number[], 'closed' | 'open']>([
    ['failures 0 is 1', { failures: 0 }, [0], 'open'],
    ['negative failures is the default 3', { failures: -4 }, [0, 1, 2], 'open'],
    ['a negative window is the default 30 s', { failures: 2, windowMs: -5 }, [0, 29_000], 'open'],
    ['a 0 ms window counts same-instant failures', { failures: 2, windowMs: 0 }, [7, 7], 'open'],
  ])('%s', (_name, options, times, state) => {
    const clock = { now: 0 };
    const cb = breaker(options, clock);
    failAt(cb, clock, times);
    expect(cb.current).toBe(state);
  });

  test('a negative cooldown is the default 30 s: the first probe waits initialProbeDelayMs', () => {
    const clock = { now: 0 };
    const cb = breaker({ failures: 1, cooldownMs: -10 }, clock);
    cb.recordFailure();
    expect(cb.cooldownMs).toBe(30_000);
    expect(cb.remainingCooldownMs()).toBe(1000);
    expect(cb.admit()).toBe('reject');
  });

  test('the reported cooldown never goes negative and is 0 when not open', () => {
    const clock = { now: 0 };
    const cb = breaker({ failures: 1, cooldownMs: 100 }, clock);
    expect(cb.remainingCooldownMs()).toBe(0);
    cb.recordFailure();
    clock.now = 500;
    expect(cb.current).toBe('open');
    expect(cb.remainingCooldownMs()).toBe(0);
  });

  test('no change event without a change', () => {
    const clock = { now: 0 };
    const changes: string[] = [];
    const cb = breaker({ failures: 2 }, clock, changes);
    cb.recordSuccess();
    cb.recordSuccess(true);
    cb.recordFailure();
    expect(changes).toEqual([]);
    expect(cb.current).toBe('closed');
  });

  test('uses Date.now by default', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const cb = new CircuitBreaker({ failures: 1, cooldownMs: 1000 });
      cb.recordFailure();
      jest.setSystemTime(1_000_400);
      expect(cb.remainingCooldownMs()).toBe(600);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('RetryBudget clock', () => {
  test('uses Date.now by default', () => {
    jest.useFakeTimers({ now: 50_000 });
    try {
      const b = new RetryBudget({ ratio: 0, minPerSecond: 1 });
      expect(b.tryAcquireRetry()).toBe(true);
      expect(b.tryAcquireRetry()).toBe(false);
      jest.setSystemTime(51_000);
      expect(b.tryAcquireRetry()).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('wasNotExecuted: failures where the server cannot have run the request', () => {
  test.each<[string, Classification, boolean]>([
    ['429', c('rate-limited', { status: 429 }), true],
    ['rate-limited without a status (RATE_LIMITED code)', c('rate-limited'), true],
    ['503', c('server', { status: 503 }), true],
    ['an open circuit (no request was sent)', c('server', { reason: 'circuit-open' }), true],
    ['500', c('server', { status: 500 }), false],
    ['502', c('server', { status: 502 }), false],
    ['a server error without status', c('server'), false],
    ['connection refused', c('network', { reason: 'connection-refused' }), true],
    ['DNS failure', c('network', { reason: 'dns' }), true],
    ['timeout', c('network', { reason: 'timeout' }), false],
    ['connection reset', c('network', { reason: 'connection-reset' }), false],
    ['fetch failed (unknown stage)', c('network', { reason: 'fetch-failed' }), false],
    ['503 on a category other than server', c('unknown', { status: 503 }), false],
    ['circuit-open reason on a network error', c('network', { reason: 'circuit-open' }), false],
    ['dns reason on a server error', c('server', { reason: 'dns', status: 500 }), false],
  ])('%s → %p', (_name, cls, expected) => {
    expect(wasNotExecuted(cls)).toBe(expected);
  });
});

describe("mayRetryMutation in 'safe' mode", () => {
  test.each<[string, Classification, { idempotent?: boolean; idempotencyKey?: boolean }, boolean]>([
    ['after an open circuit (nothing was sent)', c('server', { reason: 'circuit-open' }), {}, true],
    ['after a DNS failure', c('network', { reason: 'dns' }), {}, true],
    ['idempotent: false is not idempotent', c('server', { status: 502 }), { idempotent: false }, false],
    ['idempotencyKey: false is no key', c('server', { status: 502 }), { idempotencyKey: false }, false],
    [
      'a non-retryable classification, even with a key',
      c('validation', { status: 422 }),
      { idempotencyKey: true },
      false,
    ],
    ['a 503 marked non-retryable by a user rule', c('server', { status: 503, retryable: false }), {}, false],
  ])('%s → %p', (_name, cls, safety, expected) => {
    expect(mayRetryMutation(cls, 'safe', safety)).toBe(expected);
  });
  test("'never' and 'always' do not look at the failure's kind", () => {
    expect(mayRetryMutation(c('server', { status: 503 }), 'never', {})).toBe(false);
    expect(mayRetryMutation(c('network', { reason: 'timeout' }), 'always', {})).toBe(true);
    expect(mayRetryMutation(c('server', { status: 503, retryable: false }), 'always', {})).toBe(false);
  });
  test('onlyRetryableErrors needs every error retryable', () => {
    expect(onlyRetryableErrors([c('forbidden'), c('server')])).toBe(false);
    expect(onlyRetryableErrors([c('server')])).toBe(true);
  });
});

describe('mergePartialResults edges', () => {
  const err = (path?: Array<string | number>) => ({ message: 'down', ...(path ? { path } : {}) });
  test.each<[string, Record<string, unknown> | undefined, Record<string, unknown>, Record<string, unknown>]>([
    [
      'a previous attempt without data: the newest as is',
      { errors: [err()] },
      { data: { a: 1 }, errors: [err(['b'])] },
      { data: { a: 1 }, errors: [err(['b'])] },
    ],
    [
      'a previous attempt without data: the newest as is, its empty errors list too',
      { errors: [err()] },
      { data: { a: 1 }, errors: [] },
      { data: { a: 1 }, errors: [] },
    ],
    [
      'a previous attempt with null data: the newest as is, its empty errors list too',
      { data: null },
      { data: { a: 1 }, errors: [] },
      { data: { a: 1 }, errors: [] },
    ],
    [
      'a previous attempt without data and a newest with null data: null data, not undefined',
      { errors: [err()] },
      { data: null, errors: [err(['a'])] },
      { data: null, errors: [err(['a'])] },
    ],
    [
      'a failed path through a resolved string keeps its error (a string is not indexed)',
      { data: { a: 'x' } },
      { data: { a: 'xy' }, errors: [err(['a', 0])] },
      { data: { a: 'xy' }, errors: [err(['a', 0])] },
    ],
    [
      'a previous attempt with null data: the newest as is',
      { data: null },
      { data: { a: null }, errors: [err(['a'])] },
      { data: { a: null }, errors: [err(['a'])] },
    ],
    [
      'errors that are not an array are dropped once data resolved',
      { data: { a: 1 } },
      { data: { a: 2 }, errors: 'boom' },
      { data: { a: 2 } },
    ],
    [
      'an error without a path remains',
      { data: { a: 1 } },
      { data: { a: 1 }, errors: [err()] },
      { data: { a: 1 }, errors: [err()] },
    ],
    [
      'an error whose path is not an array remains',
      { data: { a: 1 } },
      { data: { a: 1 }, errors: [{ message: 'x', path: 'a' }] },
      { data: { a: 1 }, errors: [{ message: 'x', path: 'a' }] },
    ],
    [
      'a field missing from the newest attempt is kept',
      { data: { a: 1, b: 2 } },
      { data: { a: 3 } },
      { data: { a: 3, b: 2 } },
    ],
    [
      'a failed field absent before stays null with its error',
      { data: { a: 1 } },
      { data: { a: 1, b: null }, errors: [err(['b'])] },
      { data: { a: 1, b: null }, errors: [err(['b'])] },
    ],
    [
      'an undefined newest value at a failed path keeps the earlier one',
      { data: { a: 5 } },
      { data: { a: undefined }, errors: [err(['a'])] },
      { data: { a: 5 } },
    ],
    [
      'a null newest value at another failed path is not replaced',
      { data: { a: 5, b: 6 } },
      { data: { a: null, b: 7 }, errors: [err(['b'])] },
      { data: { a: null, b: 7 } },
    ],
    [
      'only an exactly equal path counts as failed',
      { data: { po: { a: 5 } } },
      { data: { po: { a: null } }, errors: [err(['po'])] },
      { data: { po: { a: null } } },
    ],
    [
      'a longer failed path does not match a shorter one',
      { data: { po: 5 } },
      { data: { po: null }, errors: [err(['po', 'a'])] },
      { data: { po: null }, errors: [err(['po', 'a'])] },
    ],
    [
      'a failed path with the same length but another segment does not match',
      { data: { a: 5, b: 6 } },
      { data: { a: null, b: 6 }, errors: [err(['b'])] },
      { data: { a: null, b: 6 } },
    ],
    [
      'lists of different length: the newest list',
      { data: { l: [1, 2] } },
      { data: { l: [null] }, errors: [err(['l', 0])] },
      { data: { l: [null] }, errors: [err(['l', 0])] },
    ],
    [
      'a list against an object: the newest value',
      { data: { l: [1] } },
      { data: { l: { x: 1 } } },
      { data: { l: { x: 1 } } },
    ],
    ['an object against a scalar: the newest value', { data: { o: { x: 1 } } }, { data: { o: 3 } }, { data: { o: 3 } }],
    [
      'a failed path through a scalar keeps its error',
      { data: { a: 1 } },
      { data: { a: 2 }, errors: [err(['a', 'b'])] },
      { data: { a: 2 }, errors: [err(['a', 'b'])] },
    ],
    [
      'a resolved failed path drops its error even deep in a list',
      { data: { l: [{ x: { y: 1 } }] } },
      { data: { l: [{ x: { y: null } }] }, errors: [err(['l', 0, 'x', 'y'])] },
      { data: { l: [{ x: { y: 1 } }] } },
    ],
    [
      'a newest attempt without a data key keeps the earlier data',
      { data: { a: 1 } },
      { errors: [err()] },
      { data: { a: 1 }, errors: [err()] },
    ],
    [
      'a failed path that shares only its first segment does not match',
      { data: { po: { a: 5, b: 6 } } },
      { data: { po: { a: null, b: 6 } }, errors: [err(['po', 'b'])] },
      { data: { po: { a: null, b: 6 } } },
    ],
    [
      'a failed path through null keeps its error',
      { data: { a: null } },
      { data: { a: null }, errors: [err(['a', 'b'])] },
      { data: { a: null }, errors: [err(['a', 'b'])] },
    ],
    [
      'a path that is not a list never matches a failed field',
      { data: { a: 5 } },
      { data: { a: null }, errors: [{ message: 'x', path: 'a' }] },
      { data: { a: null }, errors: [{ message: 'x', path: 'a' }] },
    ],
    [
      'other result fields (extensions) are kept',
      { data: { a: 1 } },
      { data: { a: 2 }, extensions: { cost: 3 } },
      { data: { a: 2 }, extensions: { cost: 3 } },
    ],
  ])('%s', (_n, prev, next, expected) => {
    expect(mergePartialResults(prev as never, next as never)).toEqual(expected);
  });
  test('the inputs are not mutated', () => {
    const prev = { data: { po: { a: 1, b: 2 } } };
    const next = { data: { po: { a: null, b: 3 } }, errors: [err(['po', 'a'])] };
    const before = JSON.stringify([prev, next]);
    const merged = mergePartialResults(prev as never, next as never);
    expect(JSON.stringify([prev, next])).toBe(before);
    expect(merged).toEqual({ data: { po: { a: 1, b: 3 } } });
    expect('errors' in merged).toBe(false);
  });
});
