// A timeout option longer than 24.8 days (2^31 − 1 ms) must mean "a long time", not "at once":
// browsers and Node fire such a `setTimeout` after 1 ms (jest's fake timers do the same). An app that
// writes `decisionTimeoutMs: 30 * DAY` to let a person take their time must not see every decision
// time out immediately. Each option is capped to 2^31 − 1 ms instead.
import { ApolloLink } from '@apollo/client/core/index.js';
import { parse } from 'graphql';
import { AuthRefreshLink } from '../auth/AuthRefreshLink';
import { getClassifications } from '../classify/getClassifications';
import { EtagConflictLink } from '../etag/EtagConflictLink';
import type { ResilienceEvent } from '../events';
import { answer as ask } from '../guard';
import { later, MAX_TIMER_MS } from '../later';
import { manualConnectivity } from '../offline/connectivity';
import { RetryBackoffLink } from '../retry/RetryBackoffLink';
import { execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../__testUtils__/harness';
import { answer, conflict409, noJitter, server, serverError, unauthorized } from '../__testUtils__/fixtures';

const DAY = 86_400_000;
const MONTH = 30 * DAY; // 2 592 000 000 ms, over 2^31 − 1
const HOUR = 3_600_000;
const ok = { data: { po: { id: '1' } } };

useFakeTimersAndCheckTeardown();

describe('later()', () => {
  test.each<[string, number, number]>([
    ['a month: capped to 2^31 − 1 ms, not 1 ms', MONTH, MAX_TIMER_MS],
    ['exactly 2^31 − 1 ms', MAX_TIMER_MS, MAX_TIMER_MS],
    ['one hour', HOUR, HOUR],
    ['a negative delay: at once', -5, 0],
  ])('%s', async (_name, ms, firesAfter) => {
    const fired = jest.fn();
    later(fired, ms);
    if (firesAfter > 0) {
      await jest.advanceTimersByTimeAsync(firesAfter - 1);
      expect(fired).not.toHaveBeenCalled();
    }
    await jest.advanceTimersByTimeAsync(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  test('clearTimeout cancels it', async () => {
    const fired = jest.fn();
    clearTimeout(later(fired, MONTH));
    await jest.advanceTimersByTimeAsync(MAX_TIMER_MS);
    expect(fired).not.toHaveBeenCalled();
  });
});

test("a user callback's answer after an hour, bounded by a month: the answer, not a timeout", async () => {
  const done = jest.fn();
  ask(
    () => new Promise<string>((r) => setTimeout(() => r('late answer'), HOUR)),
    MONTH,
    () => 'timeout',
    done,
  );
  await jest.advanceTimersByTimeAsync(HOUR - 1);
  expect(done).not.toHaveBeenCalled();
  await jest.advanceTimersByTimeAsync(1);
  expect(done).toHaveBeenCalledWith({ ok: true, value: 'late answer' });
});

describe('RetryBackoffLink', () => {
  test('attemptTimeoutMs of a month: a server answering after a minute is heard, not aborted', async () => {
    const s = scripted((sink) => {
      const t = setTimeout(() => answer(sink, ok), 60_000);
      return () => clearTimeout(t);
    });
    const out = execute(ApolloLink.from([new RetryBackoffLink({ ...noJitter, attemptTimeoutMs: MONTH }), s.link]));
    await jest.advanceTimersByTimeAsync(60_000);
    await out.done;
    expect(out.next).toEqual([ok]);
    expect(s.requests).toHaveLength(1);
    expect(s.teardowns.count).toBe(1);
  });

  test('a backoff of a month (initialDelayMs, maxDelayMs): no retry within an hour', async () => {
    const events: ResilienceEvent[] = [];
    const s = server([serverError(503), ok]);
    const link = new RetryBackoffLink({
      ...noJitter,
      initialDelayMs: MONTH,
      maxDelayMs: MONTH,
      onEvent: (e) => events.push(e),
    });
    const out = execute(ApolloLink.from([link, s.link]));
    await flush();
    expect(events).toEqual([expect.objectContaining({ type: 'retry', delayMs: MONTH })]);
    await jest.advanceTimersByTimeAsync(HOUR);
    expect(s.requests).toHaveLength(1);
    out.unsubscribe();
    expect(jest.getTimerCount()).toBe(0);
  });

  test('maxPausedMs of a month: an hour offline pauses, it does not give up', async () => {
    const conn = manualConnectivity(false);
    const s = scripted((sink) => (conn.isOnline() ? answer(sink, ok) : sink.error(new TypeError('Failed to fetch'))));
    const events: ResilienceEvent[] = [];
    const link = new RetryBackoffLink({
      jitter: false,
      connectivity: conn,
      maxPausedMs: MONTH,
      onEvent: (e) => events.push(e),
    });
    const out = execute(ApolloLink.from([link, s.link]));
    await jest.advanceTimersByTimeAsync(HOUR);
    expect(events.map((e) => e.type)).toEqual(['paused']);
    conn.setOnline(true);
    await flush();
    await out.done;
    expect(out.next).toEqual([ok]);
    expect(events.map((e) => e.type)).toEqual(['paused', 'resumed']);
  });
});

describe('AuthRefreshLink refreshTimeoutMs of a month', () => {
  test('a refresh that takes a minute: the operation is replayed with its token', async () => {
    const s = server([unauthorized(), ok]);
    const refresh = () => new Promise<string>((r) => setTimeout(() => r('token-bbbb-2222'), 60_000));
    const link = new AuthRefreshLink({ getToken: () => 'token-aaaa-1111', refresh, refreshTimeoutMs: MONTH });
    const out = execute(ApolloLink.from([link, s.link]));
    await jest.advanceTimersByTimeAsync(60_000);
    await out.done;
    expect(out.next).toEqual([ok]);
    expect(s.requests).toHaveLength(2);
    link.dispose();
  });

  test('a getToken that answers after a minute: sent, not token-timeout', async () => {
    const s = server([ok]);
    const getToken = () => new Promise<string>((r) => setTimeout(() => r('token-aaaa-1111'), 60_000));
    const link = new AuthRefreshLink({ getToken, refresh: async () => 'token-bbbb-2222', refreshTimeoutMs: MONTH });
    const out = execute(ApolloLink.from([link, s.link]));
    await jest.advanceTimersByTimeAsync(60_000);
    await out.done;
    expect(out.next).toEqual([ok]);
    link.dispose();
  });
});

test('EtagConflictLink decisionTimeoutMs of a month: a person who answers after an hour is heard', async () => {
  const UPDATE = parse('mutation UpdatePo($input: PoInput!) { updatePo(input: $input) { id _etag notes } }');
  const READ = parse('query Po($id: ID!) { po(id: $id) { id _etag notes } }');
  const s = scripted((sink, _n, operation) =>
    answer(
      sink,
      operation.operationName === 'Po'
        ? { data: { po: { id: '1', _etag: 'e2', notes: 'theirs' } } }
        : conflict409('etag mismatch'),
    ),
  );
  const onConflict = jest.fn(() => new Promise<'abort'>((r) => setTimeout(() => r('abort'), HOUR)));
  const link = new EtagConflictLink({
    decisionTimeoutMs: MONTH,
    onConflict,
    mutations: { UpdatePo: { reread: () => ({ query: READ, variables: { id: '1' } }) } },
  });
  const out = execute(
    ApolloLink.from([link, s.link]),
    { query: UPDATE, operationName: 'UpdatePo', variables: { input: { id: '1', _etag: 'e1', notes: 'mine' } } },
    { cache: { readQuery: () => ({ po: { id: '1', _etag: 'e1', notes: 'base' } }), writeQuery: () => undefined } },
  );
  await jest.advanceTimersByTimeAsync(HOUR - 1);
  expect(onConflict).toHaveBeenCalledTimes(1);
  expect(out.error).toBeUndefined();
  await jest.advanceTimersByTimeAsync(1);
  await out.done;
  expect(getClassifications(out.error)[0]).toMatchObject({ category: 'conflict', reason: 'edit-conflict' });
});
