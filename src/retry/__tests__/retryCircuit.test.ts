// The retry link's shared state as an app sees it: the circuit's events, `circuitState` and
// `resetCircuit()`, what counts against the circuit, the default retry budget, and a probe that
// ends offline without telling the circuit.
import { ApolloLink } from '@apollo/client/core/index.js';
import { getClassifications } from '../../classify/getClassifications';
import { manualConnectivity } from '../../offline/connectivity';
import { MUTATION, execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { answer, server, serverError } from '../../__testUtils__/fixtures';
import { RetryBackoffLink } from '../RetryBackoffLink';

useFakeTimersAndCheckTeardown();

const ok = { data: { po: { id: '1', supplier: 'Acme' } } };

async function run(link: RetryBackoffLink, terminal: ApolloLink, request: Parameters<typeof execute>[1] = {}) {
  const out = execute(ApolloLink.from([link, terminal]), request);
  await flush();
  await out.done;
  return out;
}

test('onCircuitChange hears each transition with the state before it and the probe schedule', async () => {
  const changes: unknown[] = [];
  const state = { failing: true };
  const s = scripted((sink) => answer(sink, state.failing ? serverError(503) : ok));
  const link = new RetryBackoffLink({
    jitter: false,
    budget: false,
    maxAttempts: 1,
    circuitBreaker: { failures: 1, initialProbeDelayMs: 2000, cooldownMs: 10_000 },
    onCircuitChange: (e) =>
      changes.push({ type: e.type, state: e.state, previous: e.previous, cooldownMs: e.cooldownMs, at: e.nextProbeAt }),
  });
  const t0 = Date.now();
  await run(link, s.link);
  await jest.advanceTimersByTimeAsync(2000);
  state.failing = false;
  expect((await run(link, s.link)).next).toEqual([ok]);
  expect(changes).toEqual([
    { type: 'circuit-open', state: 'open', previous: 'closed', cooldownMs: 10_000, at: t0 + 2000 },
    { type: 'circuit-half-open', state: 'half-open', previous: 'open', cooldownMs: 10_000, at: t0 + 2000 },
    { type: 'circuit-close', state: 'closed', previous: 'half-open', cooldownMs: 10_000, at: undefined },
  ]);
});

test('resetCircuit() closes an open circuit at once: the next operation reaches the server', async () => {
  const types: string[] = [];
  const s = server([serverError(503), ok]);
  const link = new RetryBackoffLink({
    jitter: false,
    budget: false,
    maxAttempts: 1,
    circuitBreaker: { failures: 1, initialProbeDelayMs: 60_000 },
    onEvent: (e) => types.push(e.type),
  });
  await run(link, s.link);
  expect(link.circuitState).toBe('open');
  link.resetCircuit();
  expect(link.circuitState).toBe('closed');
  expect((await run(link, s.link)).next).toEqual([ok]);
  expect(types).toEqual(['give-up', 'circuit-open', 'circuit-close']);
});

test('without a circuit breaker the circuit is always closed, and resetCircuit() does nothing', async () => {
  const s = server([serverError(503)]);
  const link = new RetryBackoffLink({ jitter: false, budget: false, maxAttempts: 1, circuitBreaker: false });
  for (let i = 0; i < 5; i++) await run(link, s.link);
  expect(link.circuitState).toBe('closed');
  expect(() => link.resetCircuit()).not.toThrow();
  expect(s.requests).toHaveLength(5);
});

test('a request the app aborted does not count against the circuit; a server failure does', async () => {
  const aborted = () => Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
  const link = new RetryBackoffLink({ jitter: false, budget: false, circuitBreaker: { failures: 1 } });
  const s = scripted((sink) => sink.error(aborted()));
  const out = await run(link, s.link);
  expect(getClassifications(out.error)[0]).toMatchObject({ category: 'network', reason: 'aborted', retryable: false });
  expect(s.requests).toHaveLength(1);
  expect(link.circuitState).toBe('closed');
  await run(link, server([serverError(503)]).link, { context: { retry: { maxAttempts: 1 } } });
  expect(link.circuitState).toBe('open');
});

describe('the retry budget', () => {
  /** 20 operations fail at once, each allowed 2 attempts: how many requests went out, and the give-ups. */
  async function burst(options: RetryBackoffLink.Options) {
    const reasons: string[] = [];
    const s = server([serverError(503)]);
    const link = new RetryBackoffLink({
      jitter: false,
      maxAttempts: 2,
      circuitBreaker: false,
      onGiveUp: (e) => reasons.push(e.reason),
      ...options,
    });
    const outs = Array.from({ length: 20 }, (_, i) =>
      execute(ApolloLink.from([link, s.link]), { variables: { id: String(i) } }),
    );
    await jest.advanceTimersByTimeAsync(2000);
    await Promise.all(outs.map((o) => o.done));
    return { requests: s.requests.length, budget: reasons.filter((r) => r === 'budget-exhausted').length };
  }

  test('is on by default: a burst gets 5 retries in its second (minPerSecond), the rest give up', async () => {
    expect(await burst({})).toEqual({ requests: 25, budget: 15 });
  });

  test('budget: false retries every operation', async () => {
    expect(await burst({ budget: false })).toEqual({ requests: 40, budget: 0 });
  });
});

test('context.retry: null is the link’s options', async () => {
  const s = server([serverError(503)]);
  const link = new RetryBackoffLink({ jitter: false, budget: false, circuitBreaker: false, maxAttempts: 2 });
  const out = execute(ApolloLink.from([link, s.link]), { context: { retry: null } });
  await jest.advanceTimersByTimeAsync(1000);
  await out.done;
  expect(s.requests).toHaveLength(2);
});

test('a keyless mutation that is the probe and fails offline frees the probe slot as it gives up', async () => {
  const conn = manualConnectivity(true);
  const state = { failing: true };
  const s = scripted((sink) => {
    if (!conn.isOnline()) return sink.error(new TypeError('Failed to fetch'));
    answer(sink, state.failing ? serverError(503) : ok);
  });
  const link = new RetryBackoffLink({
    jitter: false,
    budget: false,
    connectivity: conn,
    circuitBreaker: { failures: 1, initialProbeDelayMs: 1000 },
  });
  await run(link, s.link, { context: { retry: { maxAttempts: 1 } } });
  expect(link.circuitState).toBe('open');
  await jest.advanceTimersByTimeAsync(1000);
  conn.setOnline(false);
  // The probe: a mutation that may have reached the server is not replayed, nor paused.
  const mutation = await run(link, s.link, { query: MUTATION });
  expect(getClassifications(mutation.error)[0]).toMatchObject({ category: 'network', reason: 'fetch-failed' });
  expect(link.circuitState).toBe('half-open');
  conn.setOnline(true);
  state.failing = false;
  // The outage said nothing about the server: the next operation is the probe, and closes the circuit.
  expect((await run(link, s.link)).next).toEqual([ok]);
  expect(link.circuitState).toBe('closed');
});

test('a failure that comes while the circuit is open gives up at once (circuit-open), without waiting a backoff', async () => {
  const giveUps: unknown[] = [];
  const s = scripted((sink, _n, op) => {
    if (op.variables.id !== 'slow') return answer(sink, serverError(503));
    const timer = setTimeout(() => answer(sink, serverError(503)), 50);
    return () => clearTimeout(timer);
  });
  const link = new RetryBackoffLink({
    jitter: false,
    budget: false,
    circuitBreaker: { failures: 1, initialProbeDelayMs: 60_000 },
    onGiveUp: (e) => giveUps.push([e.operationName, e.attempt, e.reason]),
  });
  const slow = execute(ApolloLink.from([link, s.link]), { variables: { id: 'slow' } });
  await run(link, s.link, { variables: { id: 'opener' }, context: { retry: { maxAttempts: 1 } } });
  expect(link.circuitState).toBe('open');
  await jest.advanceTimersByTimeAsync(50);
  expect(getClassifications(slow.error)[0]).toMatchObject({ reason: 'service-unavailable' });
  expect(giveUps).toEqual([
    ['Q', 1, 'max-attempts'],
    ['Q', 1, 'circuit-open'],
  ]);
  expect(s.requests).toHaveLength(2);
});
