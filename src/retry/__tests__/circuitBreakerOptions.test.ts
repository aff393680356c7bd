// The circuit breaker's numeric options as an app may set them: a value that is not a number ≥ 0
// (NaN from `Number(process.env.X)`, negative, null) takes its default, so a misread setting
// never leaves the circuit open for good or never opening.
import { ApolloLink } from '@apollo/client/core/index.js';
import { execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { answer, BAD_NUMBERS as BAD, serverError } from '../../__testUtils__/fixtures';
import { CircuitBreaker, type CircuitBreakerOptions } from '../circuitBreaker';
import { RetryBackoffLink } from '../RetryBackoffLink';

useFakeTimersAndCheckTeardown();

const ok = { data: { po: { id: '1', supplier: 'Acme' } } };

/** A breaker on a clock the test moves. */
function breaker(options: CircuitBreakerOptions) {
  const clock = { t: 0 };
  const b = new CircuitBreaker(options, undefined, () => clock.t);
  return { b, clock };
}

/** How many consecutive failures (1 ms apart) open it, up to 10. */
function failuresToOpen(options: CircuitBreakerOptions): number {
  const { b, clock } = breaker(options);
  for (let n = 1; n <= 10; n++) {
    b.recordFailure();
    if (b.current === 'open') return n;
    clock.t += 1;
  }
  return Infinity;
}

describe.each(BAD)('an option that is %s takes its default', (_name, bad) => {
  test('failures: 3', () => {
    expect(failuresToOpen({ failures: bad })).toBe(3);
  });

  test('windowMs: 30 s', () => {
    const { b, clock } = breaker({ failures: 2, windowMs: bad });
    b.recordFailure();
    clock.t += 29_000;
    b.recordFailure();
    expect(b.current).toBe('open');
    const late = breaker({ failures: 2, windowMs: bad });
    late.b.recordFailure();
    late.clock.t += 31_000;
    late.b.recordFailure();
    expect(late.b.current).toBe('closed');
  });

  test('initialProbeDelayMs: 1 s', () => {
    const { b } = breaker({ failures: 1, initialProbeDelayMs: bad });
    b.recordFailure();
    expect(b.nextProbeAt).toBe(1000);
  });

  test('cooldownMs: 30 s (the cap of the probe schedule)', () => {
    const { b, clock } = breaker({ failures: 1, initialProbeDelayMs: 20_000, cooldownMs: bad });
    expect(b.cooldownMs).toBe(30_000);
    b.recordFailure();
    expect(b.nextProbeAt).toBe(20_000);
    clock.t = 20_000;
    expect(b.admit()).toBe('probe');
    b.recordFailure(true);
    expect(b.nextProbeAt).toBe(50_000);
  });
});

test('valid values are kept as given, with failures at least 1', () => {
  expect(failuresToOpen({ failures: 0 })).toBe(1);
  expect(failuresToOpen({ failures: 5 })).toBe(5);
  expect(failuresToOpen({ failures: Infinity })).toBe(Infinity);
  const { b } = breaker({ failures: 1, initialProbeDelayMs: 0, cooldownMs: 0 });
  b.recordFailure();
  expect([b.cooldownMs, b.nextProbeAt, b.admit()]).toEqual([0, 0, 'probe']);
});

test.each<[string, RetryBackoffLink.Options['circuitBreaker']]>([
  ['cooldownMs', { failures: 1, cooldownMs: NaN }],
  ['initialProbeDelayMs', { failures: 1, initialProbeDelayMs: NaN }],
])('an open circuit with %s NaN still probes: an hour later a query reaches the server', async (_n, circuit) => {
  const state = { failing: true };
  const s = scripted((sink) => answer(sink, state.failing ? serverError(503) : ok));
  const link = new RetryBackoffLink({ jitter: false, budget: false, maxAttempts: 1, circuitBreaker: circuit });
  const first = execute(ApolloLink.from([link, s.link]));
  await flush();
  await first.done;
  expect(link.circuitState).toBe('open');
  await jest.advanceTimersByTimeAsync(3_600_000);
  state.failing = false;
  const later = execute(ApolloLink.from([link, s.link]));
  await flush();
  await later.done;
  expect(later.next).toEqual([ok]);
  expect(s.requests).toHaveLength(2);
  expect(link.circuitState).toBe('closed');
});
