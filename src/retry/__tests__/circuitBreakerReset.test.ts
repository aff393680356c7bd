// `resetCircuit()` while a half-open probe is in flight: the probe's late outcome belongs to the
// outage the app declared over, so its failure counts like any other one and does not re-open
// the circuit at once.
import { ApolloLink } from '@apollo/client/core/index.js';
import { execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { serverError, type Sink } from '../../__testUtils__/fixtures';
import { CircuitBreaker } from '../circuitBreaker';
import { RetryBackoffLink } from '../RetryBackoffLink';

useFakeTimersAndCheckTeardown();

test('a probe that fails after resetCircuit() is one ordinary failure: failures 3 still need three', async () => {
  const held: Sink[] = [];
  // Requests 1–3 and 5–6 fail at once; the 4th (the probe) hangs until the test fails it.
  const s = scripted((sink, n) => (n === 4 ? void held.push(sink) : sink.error(serverError(503))));
  const link = new RetryBackoffLink({ jitter: false, budget: false, maxAttempts: 1, circuitBreaker: { failures: 3 } });
  const run = async () => {
    const out = execute(ApolloLink.from([link, s.link]));
    await flush();
    return out;
  };
  for (let i = 0; i < 3; i++) await (await run()).done;
  expect(link.circuitState).toBe('open');
  await jest.advanceTimersByTimeAsync(1000);
  const probe = await run();
  expect([s.requests.length, link.circuitState]).toEqual([4, 'half-open']);
  link.resetCircuit();
  held[0]!.error(serverError(503));
  await flush();
  await probe.done;
  expect(link.circuitState).toBe('closed');
  await (
    await run()
  ).done;
  expect(link.circuitState).toBe('closed');
  await (
    await run()
  ).done;
  expect(link.circuitState).toBe('open');
});

test('unit: after reset() a late probe failure counts towards failures; a late success keeps it closed', () => {
  const clock = { t: 0 };
  const b = new CircuitBreaker({ failures: 2 }, undefined, () => clock.t);
  b.recordFailure();
  b.recordFailure();
  clock.t = 1000;
  expect(b.admit()).toBe('probe');
  b.reset();
  b.recordFailure(true);
  expect(b.current).toBe('closed');
  b.recordFailure();
  expect(b.current).toBe('open');
  const c = new CircuitBreaker({ failures: 1 }, undefined, () => clock.t);
  c.recordFailure();
  clock.t = 2000;
  expect(c.admit()).toBe('probe');
  c.reset();
  c.recordSuccess(true);
  expect([c.current, c.admit()]).toEqual(['closed', 'allow']);
});
