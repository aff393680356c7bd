// A connectivity source whose `subscribe` throws can never say "online again": the online gate
// reports it once and from then on counts the source as online, so a paused operation is sent
// again at once and ends like any online failure (bounded by maxAttempts), never waiting for good.
import { ApolloLink } from '@apollo/client/core/index.js';
import { getClassifications } from '../../classify/getClassifications';
import { execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { answer } from '../../__testUtils__/fixtures';
import { RetryBackoffLink } from '../../retry/RetryBackoffLink';
import { createOnlineGate, type Connectivity } from '../connectivity';

useFakeTimersAndCheckTeardown();

const ok = { data: { po: { id: '1', supplier: 'Acme' } } };
const offlineFetch = () => new TypeError('Failed to fetch');

/** Says offline, and its `subscribe` throws. */
function broken(): Connectivity & { subscribe: jest.Mock } {
  return {
    isOnline: () => false,
    subscribe: jest.fn(() => {
      throw new Error('no NetInfo in this build');
    }),
  };
}

let error: jest.SpyInstance;
beforeEach(() => (error = jest.spyOn(console, 'error').mockImplementation(() => undefined)));
afterEach(() => error.mockRestore());

test('the gate: a throwing subscribe is reported once, the waiter resumes at once, none is left', () => {
  const c = broken();
  const gate = createOnlineGate(c, { spreadMs: 1000, random: () => 0.5 });
  const resume = jest.fn();
  gate.wait(resume);
  expect(resume).toHaveBeenCalledTimes(1);
  expect(gate.size).toBe(0);
  expect(gate.online()).toBe(true);
  gate.wait(resume);
  expect(resume).toHaveBeenCalledTimes(2);
  expect(c.subscribe).toHaveBeenCalledTimes(1);
  expect(error).toHaveBeenCalledTimes(1);
  expect(String(error.mock.calls[0]![0])).toMatch(/connectivity.*no NetInfo/);
});

describe.each([Infinity, 60_000])('retry link, maxPausedMs %s, circuit off', (maxPausedMs) => {
  const link = () =>
    new RetryBackoffLink({ connectivity: broken(), circuitBreaker: false, budget: false, jitter: false, maxPausedMs });

  test('a failing operation ends with its network classification after maxAttempts, not paused for good', async () => {
    const s = scripted((sink) => sink.error(offlineFetch()));
    const out = execute(ApolloLink.from([link(), s.link]), { context: { retry: { maxAttempts: 3 } } });
    await flush();
    await jest.advanceTimersByTimeAsync(10_000);
    await out.done;
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'network' });
    expect(s.requests).toHaveLength(4); // the paused attempt is sent again, then 2 retries
    expect(error).toHaveBeenCalledTimes(1);
  });

  test('an operation whose network comes back is not lost: the re-sent attempt gets the result', async () => {
    const s = scripted((sink, n) => answer(sink, n === 1 ? offlineFetch() : ok));
    const out = execute(ApolloLink.from([link(), s.link]));
    await flush();
    await out.done;
    expect(out.next).toEqual([ok]);
    expect(s.requests).toHaveLength(2);
  });
});
