import type { Classification } from '../../classify/types';
import { CircuitBreaker } from '../circuitBreaker';
import { decideRetry, retryDelay, type RetryFacts, type RetrySchedule } from '../decideRetry';

const c = (category: Classification['category'], extra: Partial<Classification> = {}): Classification => ({
  category,
  message: 'm',
  retryable: ['server', 'network', 'rate-limited'].includes(category),
  refreshable: false,
  remediation: 'r',
  ...extra,
});

const schedule: RetrySchedule = {
  maxAttempts: 4,
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  jitter: false,
  respectRetryAfter: true,
  maxRetryAfterMs: 60_000,
  mutations: 'safe',
  partialRetryDelayMs: 250,
};

const facts = (over: Partial<RetryFacts> = {}): RetryFacts => {
  const classification = over.classification ?? c('server', { status: 503 });
  return {
    classification,
    wanted: classification.retryable,
    attempt: 1,
    kind: 'query',
    partial: false,
    idempotent: false,
    keyed: false,
    now: 0,
    deadlineAt: Infinity,
    circuitBlocks: false,
    ...over,
  };
};

describe('decideRetry', () => {
  test.each<[string, Partial<RetryFacts>, Partial<RetrySchedule>, ReturnType<typeof decideRetry>]>([
    ['a 503 on the first attempt: the first backoff', {}, {}, { delayMs: 1000 }],
    ['a 503 on the third attempt: the third backoff', { attempt: 3 }, {}, { delayMs: 4000 }],
    ['the last attempt failed', { attempt: 4 }, {}, { giveUp: 'max-attempts' }],
    ['maxAttempts 1: no retry at all', {}, { maxAttempts: 1 }, { giveUp: 'max-attempts' }],
    [
      'a 404 on the first attempt is the answer, not a give-up',
      { classification: c('not-found', { status: 404 }) },
      {},
      { answer: true },
    ],
    [
      'a 404 after a retry is a give-up',
      { classification: c('not-found', { status: 404 }), attempt: 2 },
      {},
      { giveUp: 'not-retryable' },
    ],
    ['retryIf refused a retryable failure', { wanted: false }, {}, { giveUp: 'not-retryable' }],
    [
      'retryIf wants a non-retryable failure on a query',
      { classification: c('validation'), wanted: true },
      {},
      { delayMs: 1000 },
    ],
    [
      'a 502 mutation without a key may have run',
      { kind: 'mutation', classification: c('server', { status: 502 }) },
      {},
      { giveUp: 'unsafe-mutation' },
    ],
    ['a 503 mutation never ran', { kind: 'mutation' }, {}, { delayMs: 1000 }],
    [
      'a 502 mutation with an idempotency key',
      { kind: 'mutation', keyed: true, classification: c('server', { status: 502 }) },
      {},
      { delayMs: 1000 },
    ],
    [
      'a 502 mutation marked idempotent',
      { kind: 'mutation', idempotent: true, classification: c('server', { status: 502 }) },
      {},
      { delayMs: 1000 },
    ],
    ["mutations: 'never'", { kind: 'mutation' }, { mutations: 'never' }, { giveUp: 'unsafe-mutation' }],
    [
      "mutations: 'always' with a 502",
      { kind: 'mutation', classification: c('server', { status: 502 }) },
      { mutations: 'always' },
      { delayMs: 1000 },
    ],
    [
      'Retry-After wins over the backoff',
      { classification: c('rate-limited', { status: 429, details: { retryAfterMs: 7000 } }) },
      {},
      { delayMs: 7000 },
    ],
    [
      'Retry-After is capped',
      { classification: c('rate-limited', { details: { retryAfterMs: 120_000 } }) },
      {},
      { delayMs: 60_000 },
    ],
    ['the wait would pass the deadline', { now: 1000, deadlineAt: 1999 }, {}, { giveUp: 'deadline' }],
    ['the wait ends just before the deadline', { now: 1000, deadlineAt: 2001 }, {}, { delayMs: 1000 }],
    [
      'the wait ends at the deadline: no time is left for the retry',
      { now: 1000, deadlineAt: 2000 },
      {},
      { giveUp: 'deadline' },
    ],
    ['the circuit blocks retries', { circuitBlocks: true }, {}, { giveUp: 'circuit-open' }],
    ['a partial result: the short delay', { partial: true }, {}, { delayMs: 250 }],
    [
      'a partial result with Retry-After: the server decides',
      { partial: true, classification: c('server', { details: { retryAfterMs: 3000 } }) },
      {},
      { delayMs: 3000 },
    ],
    [
      'a partial result, Retry-After not respected',
      { partial: true, classification: c('server', { details: { retryAfterMs: 3000 } }) },
      { respectRetryAfter: false },
      { delayMs: 250 },
    ],
  ])('%s', (_name, over, scheduleOver, expected) => {
    expect(decideRetry(facts(over), { ...schedule, ...scheduleOver })).toEqual(expected);
  });

  test('checks in order: wanted, attempts, mutation safety, deadline, circuit', () => {
    const all = {
      wanted: true,
      attempt: 4,
      kind: 'mutation' as const,
      classification: c('server', { status: 502 }),
      deadlineAt: 0,
      circuitBlocks: true,
    };
    expect(decideRetry(facts({ ...all, wanted: false }), schedule)).toEqual({ giveUp: 'not-retryable' });
    expect(decideRetry(facts(all), schedule)).toEqual({ giveUp: 'max-attempts' });
    expect(decideRetry(facts({ ...all, attempt: 1 }), schedule)).toEqual({ giveUp: 'unsafe-mutation' });
    expect(decideRetry(facts({ ...all, attempt: 1, keyed: true }), schedule)).toEqual({ giveUp: 'deadline' });
    expect(decideRetry(facts({ ...all, attempt: 1, keyed: true, deadlineAt: Infinity }), schedule)).toEqual({
      giveUp: 'circuit-open',
    });
  });

  describe('offline (connectivity): pause instead of spending the attempt', () => {
    const refused = c('network', { reason: 'connection-refused' });
    const failed = c('network', { reason: 'fetch-failed' });
    test.each<[string, Partial<RetryFacts>, Partial<RetrySchedule>, ReturnType<typeof decideRetry>]>([
      ['a network failure offline pauses', { offline: true, classification: failed }, {}, { pause: true }],
      [
        'even on the last attempt (it is not spent)',
        { offline: true, classification: failed, attempt: 4 },
        {},
        { pause: true },
      ],
      [
        'even with the circuit blocking (the circuit decides again on resume)',
        { offline: true, classification: failed, circuitBlocks: true },
        {},
        { pause: true },
      ],
      ['online: the usual backoff', { offline: false, classification: failed }, {}, { delayMs: 1000 }],
      ['a 503 offline is not a network failure: backoff', { offline: true }, {}, { delayMs: 1000 }],
      [
        'a network failure retryIf refused is not paused',
        { offline: true, classification: failed, wanted: false },
        {},
        { giveUp: 'not-retryable' },
      ],
      [
        'a partial result is never paused',
        { offline: true, classification: failed, partial: true },
        {},
        { delayMs: 250 },
      ],
      [
        'data from an earlier attempt is waiting: shown now with the offline error, not held through the outage',
        { offline: true, classification: failed, held: true },
        {},
        { giveUp: 'offline' },
      ],
      ['held data online: the usual backoff', { classification: failed, held: true }, {}, { delayMs: 1000 }],
      [
        'past the deadline already: the deadline decides',
        { offline: true, classification: failed, now: 5000, deadlineAt: 5000 },
        {},
        { giveUp: 'deadline' },
      ],
      [
        'a mutation that may have reached the server (fetch failed, no key) is not replayed',
        { offline: true, kind: 'mutation', classification: failed },
        {},
        { giveUp: 'unsafe-mutation' },
      ],
      [
        'a mutation refused before sending pauses',
        { offline: true, kind: 'mutation', classification: refused },
        {},
        { pause: true },
      ],
      [
        'a mutation with an idempotency key pauses',
        { offline: true, kind: 'mutation', classification: failed, keyed: true },
        {},
        { pause: true },
      ],
      [
        "mutations: 'never' never pauses",
        { offline: true, kind: 'mutation', classification: refused },
        { mutations: 'never' },
        { giveUp: 'unsafe-mutation' },
      ],
    ])('%s', (_name, over, scheduleOver, expected) => {
      expect(decideRetry(facts(over), { ...schedule, ...scheduleOver })).toEqual(expected);
    });
  });

  test('jitter uses the injected randomness', () => {
    expect(decideRetry(facts(), { ...schedule, jitter: true }, () => 0)).toEqual({ delayMs: 750 });
    expect(
      retryDelay(
        { attempt: 2, partial: false, classification: c('server') },
        { ...schedule, jitter: true },
        () => 0.999999,
      ),
    ).toBe(2500);
  });
});

describe('CircuitBreaker.reset', () => {
  test('closes an open circuit, forgets failures, and tells once', () => {
    const changes: string[] = [];
    const breaker = new CircuitBreaker(
      { failures: 2 },
      (state, previous) => changes.push(`${previous}->${state}`),
      () => 0,
    );
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.current).toBe('open');
    breaker.reset();
    breaker.reset();
    expect(breaker.current).toBe('closed');
    expect(changes).toEqual(['closed->open', 'open->closed']);
    breaker.recordFailure();
    expect(breaker.current).toBe('closed'); // the count started again
  });
});
