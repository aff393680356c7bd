// What the app receives when attempts end in partial results, in a result and then an error (AC3's
// order), or without a result; what counts against the circuit; and a `retryIf` that never answers.
import { ApolloLink } from '@apollo/client/core/index.js';
import { getClassifications } from '../../classify/getClassifications';
import { manualConnectivity } from '../../offline/connectivity';
import { MUTATION, execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { answer, noJitter, server, serverError } from '../../__testUtils__/fixtures';
import { RetryBackoffLink } from '../RetryBackoffLink';

useFakeTimersAndCheckTeardown();

const down = (field: string) => ({
  message: `${field} service unavailable`,
  path: ['po', field],
  extensions: { code: 'INTERNAL_SERVER_ERROR' },
});
/** Attempt 1 resolved the supplier but not the price; attempt 2 the price but not the supplier. */
const noPrice = { data: { po: { id: '1', supplier: 'Acme', price: null } }, errors: [down('price')] };
const noSupplier = { data: { po: { id: '1', supplier: null, price: 10 } }, errors: [down('supplier')] };
/** A result without data: a failure, not a partial result. */
const failure = { data: null, errors: [{ message: 'down', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };

describe('partial results across attempts', () => {
  test('the last attempt passed on is merged with what earlier attempts resolved', async () => {
    const s = server([noPrice, noSupplier]);
    const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), s.link]));
    await jest.advanceTimersByTimeAsync(250);
    await out.done;
    expect(s.requests).toHaveLength(2);
    expect(out.next).toEqual([{ data: { po: { id: '1', supplier: 'Acme', price: 10 } } }]);
    expect(out.complete).toBe(true);
  });

  test('a partial result on the last attempt is passed on as it came (merged), not held for a retry that cannot come', async () => {
    const events: string[] = [];
    const s = server([noPrice, noPrice]);
    const link = new RetryBackoffLink({
      ...noJitter,
      maxAttempts: 2,
      partialRetries: 5,
      onEvent: (e) => events.push(e.type),
    });
    const out = execute(ApolloLink.from([link, s.link]));
    await jest.advanceTimersByTimeAsync(250);
    await out.done;
    expect(s.requests).toHaveLength(2);
    expect(out.next).toEqual([noPrice]); // its own error only: no give-up error added
    expect(events).toEqual(['retry']);
  });

  test('an attempt that failed offline does not count toward the last attempt: a partial result after it still gets its retry', async () => {
    const conn = manualConnectivity(false);
    const s = scripted((sink) =>
      conn.isOnline() ? answer(sink, noPrice) : sink.error(new TypeError('Failed to fetch')),
    );
    const link = new RetryBackoffLink({ ...noJitter, connectivity: conn, maxAttempts: 2 });
    const out = execute(ApolloLink.from([link, s.link]));
    await flush();
    conn.setOnline(true); // attempt 2: partial, held; attempt 3 (the second that counts): passed on
    await jest.advanceTimersByTimeAsync(250);
    await out.done;
    expect(s.requests).toHaveLength(3);
    expect(out.next).toEqual([noPrice]);
  });

  test('a partial result, then the attempt times out: the data is kept and shown with the last failure', async () => {
    // Attempt 1 sends its partial result but never completes; attempt 2 fails for good.
    const s = scripted((sink, n) => (n === 1 ? sink.next(noPrice) : answer(sink, serverError(502))));
    const out = execute(
      ApolloLink.from([new RetryBackoffLink({ ...noJitter, maxAttempts: 2, attemptTimeoutMs: 5000 }), s.link]),
    );
    await jest.advanceTimersByTimeAsync(5000 + 1000);
    await out.done;
    expect(s.requests).toHaveLength(2);
    expect(out.error).toBeUndefined();
    expect(out.next).toHaveLength(1);
    const [result] = out.next as [{ data: unknown }];
    expect(result.data).toEqual(noPrice.data);
    expect(getClassifications(result).map((c) => c.reason)).toEqual(['internal-error', 'bad-gateway']);
  });

  test('AC3 order (the body, then the ServerError) and a failed retry: the body’s data is shown with the failure', async () => {
    const s = scripted((sink, n) => {
      if (n > 1) return sink.error(serverError(502));
      sink.next(noPrice);
      sink.error(Object.assign(serverError(500), { result: noPrice }));
    });
    const out = execute(ApolloLink.from([new RetryBackoffLink({ ...noJitter, maxAttempts: 2 }), s.link]));
    await jest.advanceTimersByTimeAsync(1000);
    await out.done;
    expect(s.requests).toHaveLength(2);
    expect(out.error).toBeUndefined();
    const [result] = out.next as [{ data: unknown }];
    expect(result.data).toEqual(noPrice.data);
    expect(getClassifications(result).map((c) => c.reason)).toContain('bad-gateway');
  });

  test('an attempt that completes without a result after earlier partial data: the app gets that data', async () => {
    const s = scripted((sink, n) => (n === 1 ? answer(sink, noPrice) : sink.complete()));
    const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), s.link]));
    await jest.advanceTimersByTimeAsync(250);
    await out.done;
    expect(s.requests).toHaveLength(2);
    expect(out.next).toEqual([noPrice]);
    expect(out.complete).toBe(true);
  });

  test('a result without data is passed on as the answer after the last attempt', async () => {
    const s = server([failure]);
    const out = execute(ApolloLink.from([new RetryBackoffLink({ ...noJitter, maxAttempts: 2 }), s.link]));
    await jest.advanceTimersByTimeAsync(1000);
    await out.done;
    expect(s.requests).toHaveLength(2);
    expect(out.next).toEqual([failure]);
    expect(out.complete).toBe(true);
  });

  test('a data-less result that retryIf refuses to retry is passed on as the answer', async () => {
    const s = server([failure]);
    const out = execute(ApolloLink.from([new RetryBackoffLink({ ...noJitter, retryIf: () => false }), s.link]));
    await flush();
    await out.done;
    expect(s.requests).toHaveLength(1);
    expect(out.next).toEqual([failure]);
    expect(out.complete).toBe(true);
  });

  test('partialRetries: 0 does not stop the retries of a result without data (a failure, not a partial result)', async () => {
    const s = server([failure]);
    const out = execute(ApolloLink.from([new RetryBackoffLink({ ...noJitter, partialRetries: 0 }), s.link]));
    await jest.advanceTimersByTimeAsync(7000);
    await out.done;
    expect(s.requests).toHaveLength(4);
  });

  test('a failure, then a partial result: the partial result still gets its quick retry', async () => {
    const s = server([serverError(503), noPrice, noSupplier]);
    const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), s.link]));
    await jest.advanceTimersByTimeAsync(1000 + 250);
    await out.done;
    expect(s.requests).toHaveLength(3);
    expect(out.next).toEqual([{ data: { po: { id: '1', supplier: 'Acme', price: 10 } } }]);
  });

  test("a mutation's partial result is its answer: passed on at once, never re-sent (even when idempotent)", async () => {
    const result = { data: { updatePo: { id: '1', note: null } }, errors: [down('note')] };
    const s = server([result]);
    const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), s.link]), {
      query: MUTATION,
      context: { idempotent: true },
    });
    await flush();
    await out.done;
    expect(s.requests).toHaveLength(1);
    expect(out.next).toEqual([result]);
  });
});

describe('what the circuit hears', () => {
  const link = () =>
    new RetryBackoffLink({ jitter: false, budget: false, maxAttempts: 1, circuitBreaker: { failures: 1 } });

  test('a result with only retryable errors, passed on after the last attempt, counts as a failure', async () => {
    const l = link();
    const out = execute(ApolloLink.from([l, server([{ data: null, errors: [down('supplier')] }]).link]));
    await flush();
    await out.done;
    expect(l.circuitState).toBe('open');
  });

  test('a result with a non-retryable error is a success for the circuit', async () => {
    const l = link();
    const out = execute(
      ApolloLink.from([l, server([{ data: { po: null }, errors: [{ message: 'Not allowed' }] }]).link]),
    );
    await flush();
    await out.done;
    expect(l.circuitState).toBe('closed');
  });
});

describe('a retryIf that never answers', () => {
  const pending = () => new Promise<boolean>(() => undefined);

  test('is "do not retry" after attemptTimeoutMs: the failure is the answer, and no bug is reported', async () => {
    const report = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const s = server([serverError(503)]);
      const out = execute(
        ApolloLink.from([new RetryBackoffLink({ ...noJitter, attemptTimeoutMs: 2000, retryIf: pending }), s.link]),
      );
      await jest.advanceTimersByTimeAsync(1999);
      expect(out.error).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      await out.done;
      expect(s.requests).toHaveLength(1);
      expect(getClassifications(out.error)[0]).toMatchObject({ reason: 'service-unavailable' });
      expect(report).not.toHaveBeenCalled();
    } finally {
      report.mockRestore();
    }
  });

  test('is bounded by the deadline when that is sooner', async () => {
    const s = server([serverError(503)]);
    const out = execute(
      ApolloLink.from([new RetryBackoffLink({ ...noJitter, deadlineMs: 500, retryIf: pending }), s.link]),
    );
    await jest.advanceTimersByTimeAsync(500);
    await out.done;
    expect(getClassifications(out.error)[0]).toMatchObject({ reason: 'service-unavailable' });
  });

  test('unsubscribing while it decides leaves no timer and sends nothing more', async () => {
    const s = server([serverError(503)]);
    const out = execute(ApolloLink.from([new RetryBackoffLink({ ...noJitter, retryIf: pending }), s.link]));
    await flush();
    expect(jest.getTimerCount()).toBe(1);
    out.unsubscribe();
    expect(jest.getTimerCount()).toBe(0);
    expect(s.requests).toHaveLength(1);
  });
});

test('the budget ratio: retries up to that share of first attempts', async () => {
  const s = server([serverError(503)]);
  const link = new RetryBackoffLink({
    jitter: false,
    maxAttempts: 2,
    circuitBreaker: false,
    budget: { ratio: 0.5, minPerSecond: 0 },
  });
  const outs = Array.from({ length: 20 }, (_, i) =>
    execute(ApolloLink.from([link, s.link]), { variables: { id: String(i) } }),
  );
  await jest.advanceTimersByTimeAsync(1000);
  await Promise.all(outs.map((o) => o.done));
  expect(s.requests).toHaveLength(30);
});

test('resumed after an outage and answered later: the pause’s bound no longer applies (no late give-up)', async () => {
  const conn = manualConnectivity(false);
  const types: string[] = [];
  const ok = { data: { po: { id: '1', supplier: 'Acme', price: 10 } } };
  const s = scripted((sink) => {
    if (!conn.isOnline()) return sink.error(new TypeError('Failed to fetch'));
    const timer = setTimeout(() => answer(sink, ok), 10);
    return () => clearTimeout(timer);
  });
  const link = new RetryBackoffLink({
    jitter: false,
    connectivity: conn,
    maxPausedMs: 1000,
    onEvent: (e) => types.push(e.type),
  });
  const out = execute(ApolloLink.from([link, s.link]));
  await flush();
  conn.setOnline(true);
  await jest.advanceTimersByTimeAsync(10);
  await out.done;
  expect(out.next).toEqual([ok]);
  await jest.advanceTimersByTimeAsync(1000);
  expect(types).toEqual(['paused', 'resumed']);
});
