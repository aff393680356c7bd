import type { Classification } from '../../classify/types';
import { computeBackoffDelay, nextDelay } from '../backoff';
import { CircuitBreaker } from '../circuitBreaker';
import { mergePartialResults } from '../mergePartialResults';
import { mayRetryMutation, onlyRetryableErrors } from '../retryDecision';
import { RetryBudget } from '../retryBudget';

const c = (category: Classification['category'], extra: Partial<Classification> = {}): Classification => ({ category, message: 'm', retryable: ['server', 'network', 'rate-limited'].includes(category), refreshable: false, remediation: 'r', ...extra });

describe('computeBackoffDelay', () => {
  const opts = { initialDelayMs: 1000, maxDelayMs: 30_000, jitter: false };
  test.each([[1, 1000], [2, 2000], [3, 4000], [4, 8000], [5, 16_000], [6, 30_000], [50, 30_000], [2000, 30_000], [0, 1000]])('retry %i without jitter → %i ms', (retry, ms) => {
    expect(computeBackoffDelay(retry, opts)).toBe(ms);
  });
  test.each([[0, 750], [0.5, 1000], [0.999999, 1250], [NaN, 1000], [-3, 750], [7, 1250]])('jitter with random %p → %i ms on the first retry', (r, ms) => {
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
  const o = { initialDelayMs: 1000, maxDelayMs: 30_000, jitter: false, respectRetryAfter: true, maxRetryAfterMs: 60_000 };
  test.each<[number | undefined, boolean, number]>([
    [7000, true, 7000], [0, true, 0], [120_000, true, 60_000], [undefined, true, 2000], [7000, false, 2000], [NaN, true, 2000], [-5, true, 2000],
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
    const cb = new CircuitBreaker({ failures: 3, windowMs: 30_000, cooldownMs: 30_000 }, (s, p) => changes.push(`${p}->${s}`), () => now);
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
  test.each<[string, Classification, 'never' | 'safe' | 'always', { idempotent?: boolean; idempotencyKey?: boolean }, boolean]>([
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
    ['a field that failed now but resolved before is kept, its error dropped',
      { data: { po: { id: '1', rating: 4 } } }, { data: { po: { id: '1', rating: null } }, errors: [err(['po', 'rating'])] }, { data: { po: { id: '1', rating: 4 } } }],
    ['the newest attempt wins where it resolved',
      { data: { po: { id: '1', rating: 4, lead: null } }, errors: [err(['po', 'lead'])] }, { data: { po: { id: '1', rating: 5, lead: 7 } } }, { data: { po: { id: '1', rating: 5, lead: 7 } } }],
    ['errors remain for paths that still fail',
      { data: { po: { rating: null, lead: 3 } }, errors: [err(['po', 'rating'])] }, { data: { po: { rating: null, lead: null } }, errors: [err(['po', 'rating']), err(['po', 'lead'])] }, { data: { po: { rating: null, lead: 3 } }, errors: [err(['po', 'rating'])] }],
    ['a legitimately null newest value (no error) wins', { data: { po: { note: 'x' } } }, { data: { po: { note: null } } }, { data: { po: { note: null } } }],
    ['lists of equal length merge item by item',
      { data: { list: [{ r: 1 }, { r: 2 }] } }, { data: { list: [{ r: null }, { r: 3 }] }, errors: [err(['list', 0, 'r'])] }, { data: { list: [{ r: 1 }, { r: 3 }] } }],
    ['a newest attempt with no data keeps the earlier data and its own errors',
      { data: { a: 1 } }, { data: null, errors: [{ message: 'x' }] }, { data: { a: 1 }, errors: [{ message: 'x' }] }],
  ])('%s', (_n, prev, next, expected) => {
    expect(mergePartialResults(prev as never, next as never)).toEqual(expected);
  });
});
