// What the retry link tells the app when it stops: the classification of a timed-out attempt, of a
// deadline, of the circuit's fail-fast rejection and of an outage that outlasted `maxPausedMs` —
// messages, remediation and details an app shows or logs — and the default idempotency key.
import { ApolloLink } from '@apollo/client/core/index.js';
import { getClassifications } from '../../classify/getClassifications';
import type { ResilienceEvent } from '../../core/events';
import { manualConnectivity } from '../../offline/connectivity';
import { MUTATION, execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { noJitter, server, serverError } from '../../__testUtils__/fixtures';
import { RetryBackoffLink } from '../RetryBackoffLink';

useFakeTimersAndCheckTeardown();

const ok = { data: { po: { id: '1', supplier: 'Acme' } } };

/** Runs one query against a server that never answers; returns what the app and the events saw. */
async function hangingQuery(options: RetryBackoffLink.Options, waitMs: number) {
  const events: ResilienceEvent[] = [];
  const s = scripted(() => undefined);
  const out = execute(
    ApolloLink.from([new RetryBackoffLink({ ...noJitter, ...options, onEvent: (e) => events.push(e) }), s.link]),
  );
  await jest.advanceTimersByTimeAsync(waitMs);
  await out.done;
  const giveUps = events.filter((e) => e.type === 'give-up').map((e) => [e.attempt, e.reason]);
  return { out, s, giveUps, classification: getClassifications(out.error)[0] };
}

describe('an attempt that does not answer', () => {
  test('attemptTimeoutMs: the attempt is aborted, and the error says which attempt and after how long', async () => {
    const { s, giveUps, classification } = await hangingQuery({ attemptTimeoutMs: 5000, maxAttempts: 1 }, 5000);
    expect(s.teardowns.count).toBe(1);
    expect(classification).toEqual({
      category: 'network',
      reason: 'timeout',
      message: 'Attempt 1 timed out after 5000 ms and was aborted',
      retryable: true,
      refreshable: false,
      remediation: 'The server did not answer in time; it is retried, and if it keeps timing out, narrow the request.',
      details: { timeoutMs: 5000, attempt: 1 },
    });
    expect(giveUps).toEqual([[1, 'max-attempts']]);
  });

  test('the deadline cuts an attempt short: deadline-exceeded, not retryable, give-up deadline-passed', async () => {
    const { s, giveUps, classification } = await hangingQuery({ deadlineMs: 3000 }, 3000);
    expect(s.requests).toHaveLength(1);
    expect(s.teardowns.count).toBe(1);
    expect(classification).toEqual({
      category: 'network',
      reason: 'deadline-exceeded',
      message: 'Deadline of 3000 ms passed during attempt 1',
      retryable: false,
      refreshable: false,
      remediation: 'The operation ran out of time; try again later or allow a longer deadline.',
      details: { timeoutMs: 3000, attempt: 1 },
    });
    expect(giveUps).toEqual([[1, 'deadline-passed']]);
  });

  test('a deadline equal to attemptTimeoutMs: the attempt times out, and no time is left to retry it', async () => {
    const { s, giveUps, classification } = await hangingQuery({ deadlineMs: 5000, attemptTimeoutMs: 5000 }, 5000);
    expect(s.requests).toHaveLength(1);
    expect(classification).toEqual({
      category: 'network',
      reason: 'deadline-exceeded',
      message: 'Deadline of 5000 ms passed after 1 attempt: Attempt 1 timed out after 5000 ms and was aborted',
      retryable: true,
      refreshable: false,
      remediation:
        'The operation ran out of time while the server kept failing; try again later or allow a longer deadline.',
      details: { timeoutMs: 5000, attempt: 1, lastReason: 'timeout', attempts: 1, deadlineMs: 5000 },
    });
    expect(giveUps).toEqual([[1, 'deadline']]);
  });
});

test("the circuit's fail-fast rejection says when the next probe is (whole seconds, rounded up)", async () => {
  const events: ResilienceEvent[] = [];
  const s = server([serverError(503)]);
  const link = new RetryBackoffLink({
    ...noJitter,
    maxAttempts: 1,
    circuitBreaker: { failures: 1, initialProbeDelayMs: 1500 },
    onEvent: (e) => events.push(e),
  });
  const opener = execute(ApolloLink.from([link, s.link]));
  await flush();
  await opener.done;
  await jest.advanceTimersByTimeAsync(1);
  const rejected = execute(ApolloLink.from([link, s.link]));
  await flush();
  await rejected.done;
  expect(s.requests).toHaveLength(1);
  expect(getClassifications(rejected.error)).toEqual([
    {
      category: 'server',
      reason: 'circuit-open',
      message: 'Requests are paused: the server failed repeatedly; the next probe is in 2 s.',
      retryable: true,
      refreshable: false,
      remediation: 'The service is down; the app retries once it recovers.',
      details: { retryAfterMs: 1499 },
    },
  ]);
  expect(events.filter((e) => e.type === 'give-up').map((e) => [e.attempt, e.reason])).toEqual([
    [1, 'max-attempts'],
    [0, 'circuit-open'],
  ]);
});

test('an outage longer than maxPausedMs: the network failure with how long it waited, and its own remediation', async () => {
  const conn = manualConnectivity(false);
  const s = scripted((sink) => sink.error(new TypeError('Failed to fetch')));
  const out = execute(
    ApolloLink.from([new RetryBackoffLink({ jitter: false, connectivity: conn, maxPausedMs: 10_000 }), s.link]),
  );
  await jest.advanceTimersByTimeAsync(10_000);
  await out.done;
  expect((out.error as Error).message).toBe('Offline for 10000 ms: Failed to fetch');
  expect((out.error as Error & { cause?: unknown }).cause).toBeInstanceOf(TypeError); // the network failure itself
  expect(getClassifications(out.error)).toEqual([
    {
      category: 'network',
      reason: 'offline',
      message: 'Offline for 10000 ms: Failed to fetch',
      retryable: true,
      refreshable: false,
      remediation: 'No connection; check your network and try again.',
      details: { lastReason: 'fetch-failed', attempts: 1, pausedMs: 10_000, maxPausedMs: 10_000 },
    },
  ]);
});

test('a retry event carries `partial` only for a partial result', async () => {
  const events: ResilienceEvent[] = [];
  const s = server([serverError(503), ok]);
  const out = execute(ApolloLink.from([new RetryBackoffLink({ ...noJitter, onEvent: (e) => events.push(e) }), s.link]));
  await jest.advanceTimersByTimeAsync(1000);
  await out.done;
  expect(out.next).toEqual([ok]);
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ type: 'retry', attempt: 2, delayMs: 1000 });
  expect(events[0]).not.toHaveProperty('partial');
});

describe('idempotencyKey: true', () => {
  const keysOf = (requests: Array<{ context: Record<string, unknown> }>) =>
    requests.map((r) => (r.context.headers as Record<string, string>)['Idempotency-Key']);

  async function twoMutations() {
    const s = server([serverError(502), { data: { updatePo: { id: '1' } } }]);
    const link = new RetryBackoffLink({ ...noJitter, idempotencyKey: true, initialDelayMs: 10 });
    for (let i = 0; i < 2; i++) {
      const out = execute(ApolloLink.from([link, s.link]), { query: MUTATION });
      await jest.advanceTimersByTimeAsync(10);
      await out.done;
    }
    return keysOf(s.requests);
  }

  test('sends an Idempotency-Key header: a random UUID per mutation, the same on its retry', async () => {
    const keys = await twoMutations();
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  test("a per-operation override that does not name idempotencyKey keeps the link's key", async () => {
    const s = server([serverError(502), { data: { updatePo: { id: '1' } } }]);
    const link = new RetryBackoffLink({ ...noJitter, idempotencyKey: true, initialDelayMs: 10 });
    const out = execute(ApolloLink.from([link, s.link]), { query: MUTATION, context: { retry: { maxAttempts: 2 } } });
    await jest.advanceTimersByTimeAsync(10);
    await out.done;
    const keys = keysOf(s.requests);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toEqual(expect.any(String));
    expect(keys[1]).toBe(keys[0]);
  });

  test('without crypto (no randomUUID) the key is still unique: time and two random parts in base 36', async () => {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
    Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true, writable: true });
    try {
      const keys = await twoMutations();
      expect(keys).toHaveLength(3);
      for (const key of keys) expect(key).toMatch(/^[0-9a-z]+-[0-9a-z]{4,}-[0-9a-z]{4,}$/);
      expect(keys[1]).toBe(keys[0]);
      expect(keys[2]).not.toBe(keys[0]);
      // The first part is the time it was made (the first mutation, 10 ms before the second began).
      expect(Date.now() - parseInt(keys[0]!.split('-')[0]!, 36)).toBe(20);
    } finally {
      if (descriptor) Object.defineProperty(globalThis, 'crypto', descriptor);
    }
  });
});

test('idempotencyKey.generate throws: the mutation fails unsent, and the error names the callback', async () => {
  const bug = new Error('no entropy');
  const s = server([{ data: { updatePo: { id: '1' } } }]);
  const link = new RetryBackoffLink({
    ...noJitter,
    idempotencyKey: {
      generate: () => {
        throw bug;
      },
    },
  });
  const out = execute(ApolloLink.from([link, s.link]), { query: MUTATION });
  await flush();
  await out.done;
  expect(s.requests).toHaveLength(0);
  expect((out.error as Error & { cause?: unknown }).cause).toBe(bug);
  expect(getClassifications(out.error)[0]).toMatchObject({
    category: 'unknown',
    reason: 'link-error',
    message: 'RetryBackoffLink idempotencyKey.generate failed: no entropy',
    retryable: false,
  });
});

test.each<[string, RetryBackoffLink.Options]>([
  [
    'retryIf',
    {
      retryIf: () => {
        throw new Error('bug');
      },
    },
  ],
  [
    'onRetry',
    {
      onRetry: () => {
        throw new Error('bug');
      },
    },
  ],
  [
    'onGiveUp',
    {
      onGiveUp: () => {
        throw new Error('bug');
      },
    },
  ],
  [
    'onCircuitChange',
    {
      circuitBreaker: { failures: 1 },
      onCircuitChange: () => {
        throw new Error('bug');
      },
    },
  ],
])('a throwing %s is reported once, by its name, and the operation settles', async (name, options) => {
  const report = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const s = server([serverError(503)]);
    const out = execute(ApolloLink.from([new RetryBackoffLink({ ...noJitter, maxAttempts: 2, ...options }), s.link]));
    await jest.advanceTimersByTimeAsync(1000);
    await out.done;
    expect(getClassifications(out.error)[0]).toMatchObject({ reason: 'service-unavailable' });
    expect(report).toHaveBeenCalledTimes(1);
    expect(String(report.mock.calls[0]![0])).toContain(`the ${name} callback threw`);
  } finally {
    report.mockRestore();
  }
});
