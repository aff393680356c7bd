// Review finding: an operation that was waiting in backoff when the circuit opened, and is rejected
// when its retry comes due (another operation is the probe), must not report its old failure: that
// re-opened the half-open circuit and freed the probe slot while the real probe still ran.
import { ApolloLink } from '@apollo/client/core/index.js';
import { getClassifications } from '../../classify/getClassifications';
import type { ResilienceEvent } from '../../core/events';
import { execute, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { serverError } from '../../__testUtils__/fixtures';
import { RetryBackoffLink } from '../RetryBackoffLink';

useFakeTimersAndCheckTeardown();

test('a waiting operation rejected at its retry leaves the half-open circuit and its probe alone', async () => {
  const events: ResilienceEvent[] = [];
  const seen = new Map<string, number>();
  const s = scripted((sink, _attempt, operation) => {
    const id = String(operation.variables.id);
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    if (n === 1) return sink.error(serverError(503));
    // The probe (A's second attempt) answers after 50 ms.
    const timer = setTimeout(() => {
      sink.next({ data: { po: { id } } });
      sink.complete();
    }, 50);
    return () => clearTimeout(timer);
  });
  const link = ApolloLink.from([
    new RetryBackoffLink({
      jitter: false,
      budget: false,
      initialDelayMs: 1000,
      circuitBreaker: { failures: 1, windowMs: 30_000, initialProbeDelayMs: 100, cooldownMs: 30_000 },
      onEvent: (e) => events.push(e),
    }),
    s.link,
  ]);
  const a = execute(link, { variables: { id: 'A' } });
  const b = execute(link, { variables: { id: 'B' } });
  // C fails for good at once and opens the circuit (one failure is the threshold here).
  const c = execute(link, { variables: { id: 'C' }, context: { retry: { maxAttempts: 1 } } });
  await jest.advanceTimersByTimeAsync(0);
  expect(getClassifications(c.error)[0]).toMatchObject({ category: 'server', reason: 'service-unavailable' });
  await jest.advanceTimersByTimeAsync(1000); // A and B come due: A is the probe, B is rejected
  await jest.advanceTimersByTimeAsync(100); // the probe succeeds
  await Promise.all([a.done, b.done]);
  expect(a.complete).toBe(true);
  // B is told its own last failure; the give-up says the circuit stopped it.
  expect(getClassifications(b.error)[0]).toMatchObject({ category: 'server', reason: 'service-unavailable' });
  const giveUps = events.filter((e) => e.type === 'give-up').map((e) => [e.operationName, e.attempt, e.reason]);
  expect(giveUps).toEqual([
    ['Q', 1, 'max-attempts'],
    ['Q', 1, 'circuit-open'],
  ]);
  expect(seen.get('B')).toBe(1); // B never sent into the outage
  const circuit = events.filter((e) => e.type.startsWith('circuit-')).map((e) => e.type);
  expect(circuit).toEqual(['circuit-open', 'circuit-half-open', 'circuit-close']);
});

test('an operation that was sent before the circuit opened and is unsubscribed while the probe runs does not free the probe slot', async () => {
  // 'slow' hangs; 'fail' fails for good (maxAttempts 1) and opens the circuit; 'probe' is admitted half-open and hangs.
  const s = scripted((sink, _attempt, operation) => {
    if (operation.variables.id === 'fail') sink.error(serverError(503));
  });
  const link = ApolloLink.from([
    new RetryBackoffLink({
      jitter: false,
      budget: false,
      maxAttempts: 1,
      circuitBreaker: { failures: 1, windowMs: 30_000, initialProbeDelayMs: 100, cooldownMs: 30_000 },
    }),
    s.link,
  ]);
  const slow = execute(link, { variables: { id: 'slow' } });
  const fail = execute(link, { variables: { id: 'fail' } });
  await fail.done; // the circuit is open
  await jest.advanceTimersByTimeAsync(200);
  const probe = execute(link, { variables: { id: 'probe' } }); // the half-open probe, in flight
  slow.unsubscribe(); // not the probe: the slot stays taken
  const late = execute(link, { variables: { id: 'late' } });
  await late.done;
  expect(getClassifications(late.error)[0]).toMatchObject({ reason: 'circuit-open' });
  expect(s.requests.map((r) => r.variables.id)).toEqual(['slow', 'fail', 'probe']);
  probe.unsubscribe();
});
