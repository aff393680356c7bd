// The combined link: one executor with the four policies. The happy path costs one request and one
// Observable; a first attempt that goes wrong is judged by the policies exactly once (budget,
// token, classification). These tests pin that down.
import { ApolloLink, Observable } from '@apollo/client/core/index.js';
import { parse } from 'graphql';
import { getClassifications } from '../classify/getClassifications';
import { MUTATION, execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../__testUtils__/harness';
import { createResilienceLink } from '../createResilienceLink';
import type { ResilienceEvent } from '../events';
import { answer, authHeader, noJitter, server, serverError, type Sink } from '../__testUtils__/fixtures';

const ok = { data: { po: { id: '1', supplier: 'Acme' } } };

useFakeTimersAndCheckTeardown();

describe('createResilienceLink: happy path and hand-over', () => {
  test('a clean result passes through as is, with the token attached, in one request', async () => {
    const getToken = jest.fn(() => 'token-aaaaaaaa');
    const s = server([ok]);
    const out = execute(
      createResilienceLink({ auth: { getToken, refresh: async () => 'token-bbbbbbbb' } }).concat(s.link),
    );
    await flush();
    await out.done;
    expect(out.next).toEqual([ok]);
    expect(out.next[0]).toBe(ok);
    expect(s.requests.map(authHeader)).toEqual(['Bearer token-aaaaaaaa']);
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(s.teardowns.count).toBe(1);
  });

  test('headers already in the context are kept beside the token', async () => {
    const s = server([ok]);
    const out = execute(
      createResilienceLink({ auth: { getToken: () => 'token-aaaaaaaa', refresh: async () => 'x' } }).concat(s.link),
      { context: { headers: { 'x-tenant': 'acme' } } },
    );
    await flush();
    await out.done;
    expect(s.requests[0]!.context.headers).toEqual({ 'x-tenant': 'acme', Authorization: 'Bearer token-aaaaaaaa' });
  });

  test('a 503 on the first attempt is handed to the retry link: retried after the backoff, one retry event', async () => {
    const events: ResilienceEvent[] = [];
    const s = server([serverError(503), ok]);
    const out = execute(createResilienceLink({ retry: noJitter, onEvent: (e) => events.push(e) }).concat(s.link));
    await flush();
    expect(s.requests).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1000);
    await out.done;
    expect(s.requests).toHaveLength(2);
    expect(out.next).toEqual([ok]);
    expect(events.map((e) => [e.type, e.attempt])).toEqual([['retry', 2]]);
  });

  test('a 401 on the first attempt: one refresh, one replay with the new token', async () => {
    let token = 'token-old-aaaaaaa';
    const refresh = jest.fn(async () => (token = 'token-new-bbbbbbb'));
    const s = server([
      { data: null, errors: [{ message: 'Token is expired', extensions: { code: 'UNAUTHENTICATED' } }] },
      ok,
    ]);
    const out = execute(createResilienceLink({ auth: { getToken: () => token, refresh } }).concat(s.link));
    await flush(6);
    await out.done;
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(s.requests.map(authHeader)).toEqual(['Bearer token-old-aaaaaaa', 'Bearer token-new-bbbbbbb']);
    expect(out.next).toEqual([ok]);
  });

  test('partial data with a non-retryable error: data and the classified error travel together, no retry', async () => {
    const partial = {
      data: { po: { id: '1', supplier: null } },
      errors: [{ message: 'Forbidden', path: ['po', 'supplier'], extensions: { code: 'FORBIDDEN' } }],
    };
    const s = server([partial]);
    const out = execute(createResilienceLink({ retry: noJitter }).concat(s.link));
    await flush();
    await out.done;
    expect(s.requests).toHaveLength(1);
    const [result] = out.next as Array<{ data: unknown; errors: unknown[] }>;
    expect(result!.data).toEqual(partial.data);
    expect(getClassifications(result)[0]).toMatchObject({ category: 'forbidden', retryable: false });
  });

  test('a slow first attempt is aborted after attemptTimeoutMs and retried by the retry link', async () => {
    let n = 0;
    const s = scripted((sink) => {
      n += 1;
      if (n === 1) return; // never answers
      answer(sink, ok);
    });
    const out = execute(
      createResilienceLink({ retry: { ...noJitter, attemptTimeoutMs: 300, initialDelayMs: 100 } }).concat(s.link),
    );
    await flush();
    await jest.advanceTimersByTimeAsync(299);
    expect(s.teardowns.count).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(s.teardowns.count).toBe(1); // the first attempt was stopped (HttpLink aborts its fetch)
    await jest.advanceTimersByTimeAsync(100);
    await out.done;
    expect(s.requests).toHaveLength(2);
    expect(out.next).toEqual([ok]);
  });

  test('a slow first attempt of a keyless mutation times out and is not replayed', async () => {
    const s = scripted(() => undefined);
    const out = execute(createResilienceLink({ retry: { ...noJitter, attemptTimeoutMs: 300 } }).concat(s.link), {
      query: MUTATION,
    });
    await flush();
    await jest.advanceTimersByTimeAsync(300);
    await out.done;
    expect(s.requests).toHaveLength(1);
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'network', reason: 'timeout' });
  });

  test('unsubscribing during the first attempt stops it and leaves no timer', async () => {
    const s = scripted(() => undefined);
    const out = execute(
      createResilienceLink({ auth: { getToken: () => 'token-aaaaaaaa', refresh: async () => 'x' } }).concat(s.link),
    );
    await flush();
    expect(jest.getTimerCount()).toBe(1); // the attempt timeout
    out.unsubscribe();
    expect(s.teardowns.count).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('unsubscribing during the backoff after a hand-over cancels the retry', async () => {
    const s = server([serverError(503), ok]);
    const out = execute(createResilienceLink({ retry: noJitter }).concat(s.link));
    await flush();
    expect(jest.getTimerCount()).toBe(1); // the backoff
    out.unsubscribe();
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(5000);
    expect(s.requests).toHaveLength(1);
  });

  test('a later result with errors, after a clean one went out (@defer), passes on classified', async () => {
    const chunk = {
      data: { po: { id: '1', supplier: null } },
      errors: [
        { message: 'Service unavailable', path: ['po', 'supplier'], extensions: { code: 'SERVICE_UNAVAILABLE' } },
      ],
    };
    const s = scripted((sink) => {
      sink.next(ok);
      sink.next(chunk);
      sink.complete();
    });
    const out = execute(createResilienceLink({ retry: noJitter }).concat(s.link));
    await flush();
    await out.done;
    expect(s.requests).toHaveLength(1);
    expect(out.next).toHaveLength(2);
    expect(out.next[0]).toBe(ok);
    expect(getClassifications(out.next[1])[0]).toMatchObject({ category: 'server', retryable: true });
  });

  test('a subscription goes through the links: no attempt timeout, results pass, errors classified', async () => {
    const s = scripted((sink) => {
      sink.next(ok);
      sink.next({ data: null, errors: [{ message: 'Forbidden', extensions: { code: 'FORBIDDEN' } }] });
    });
    const out = execute(createResilienceLink({ retry: { ...noJitter, attemptTimeoutMs: 100 } }).concat(s.link), {
      query: parse('subscription S { poChanged { id } }'),
    });
    await flush();
    await jest.advanceTimersByTimeAsync(1000);
    expect(s.requests).toHaveLength(1);
    expect(out.next[0]).toEqual(ok);
    expect(getClassifications(out.next[1])[0]).toMatchObject({ category: 'forbidden' });
    expect(out.error).toBeUndefined();
    out.unsubscribe();
    expect(s.teardowns.count).toBe(1);
  });

  test('a link below that throws is a classified failed attempt, retried like any other', async () => {
    let calls = 0;
    const s = server([ok]);
    const throwing = new ApolloLink((op, forward) => {
      calls += 1;
      if (calls === 1) throw new TypeError('fetch failed');
      return forward(op);
    });
    const out = execute(createResilienceLink({ retry: noJitter }).concat(throwing).concat(s.link));
    await flush();
    await jest.advanceTimersByTimeAsync(1000);
    await out.done;
    expect(calls).toBe(2);
    expect(out.next).toEqual([ok]);
  });

  test('an error after data went out is classified and not retried', async () => {
    const s = scripted((sink) => {
      sink.next(ok);
      sink.error(serverError(502));
    });
    const out = execute(createResilienceLink({ retry: noJitter }).concat(s.link));
    await flush();
    await out.done;
    expect(s.requests).toHaveLength(1);
    expect(out.next).toEqual([ok]);
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'server', reason: 'bad-gateway' });
  });
});

describe('createResilienceLink: what the links count and read is the same on the happy path', () => {
  test('an asynchronous getToken is called once per operation, not once by the fast path and again by the link', async () => {
    const getToken = jest.fn(async () => 'token-aaaaaaaa');
    const s = server([ok]);
    const out = execute(createResilienceLink({ auth: { getToken, refresh: async () => 'x' } }).concat(s.link));
    await flush(6);
    await out.done;
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(s.requests.map(authHeader)).toEqual(['Bearer token-aaaaaaaa']);
  });

  test('a getToken that throws fails the operation, classified, and nothing is sent', async () => {
    const s = server([ok]);
    const out = execute(
      createResilienceLink({
        auth: {
          getToken: () => {
            throw new Error('storage unavailable');
          },
          refresh: async () => 'x',
        },
      }).concat(s.link),
    );
    await flush();
    await out.done;
    expect(s.requests).toHaveLength(0);
    expect(getClassifications(out.error)[0]).toMatchObject({
      category: 'unauthenticated',
      reason: 'token-unavailable',
    });
  });

  test('successful first attempts count for the retry budget, as they do in the retry link', async () => {
    const budget = { ratio: 0.5, minPerSecond: 0 };
    // No success yet: the budget allows no retry.
    const cold = server([serverError(503), ok]);
    const first = execute(
      createResilienceLink({ retry: { jitter: false, circuitBreaker: false, budget } }).concat(cold.link),
    );
    await flush();
    await first.done;
    expect(cold.requests).toHaveLength(1);
    // Four successes through the fast path: now two retries are allowed.
    const warm = server([ok, ok, ok, ok, serverError(503), ok]);
    const link = createResilienceLink({ retry: { jitter: false, circuitBreaker: false, budget } }).concat(warm.link);
    for (let i = 0; i < 4; i++) await execute(link, { variables: { id: String(i) } }).done;
    const out = execute(link, { variables: { id: 'x' } });
    await flush();
    await jest.advanceTimersByTimeAsync(1000);
    await out.done;
    expect(warm.requests).toHaveLength(6);
    expect(out.next).toEqual([ok]);
  });

  test('first attempts count for the budget when they start (a burst of failures gets ratio × burst retries)', async () => {
    const s = scripted((sink, n) => answer(sink, n <= 20 ? serverError(503) : ok));
    const link = createResilienceLink({
      retry: { jitter: false, circuitBreaker: false, maxAttempts: 2, budget: { ratio: 0.5, minPerSecond: 0 } },
    }).concat(s.link);
    const outs = Array.from({ length: 20 }, (_, i) => execute(link, { variables: { id: String(i) } }));
    await flush();
    await jest.advanceTimersByTimeAsync(1000);
    await Promise.all(outs.map((o) => o.done));
    expect(s.requests).toHaveLength(30); // 20 first attempts, 10 retries
    expect(outs.filter((o) => o.error === undefined)).toHaveLength(10);
  });

  test("a circuit that opened while a first attempt ran does not drop that attempt's partial data", async () => {
    const sinks: Sink[] = [];
    const s = scripted((sink) => void sinks.push(sink));
    const link = createResilienceLink({
      retry: { jitter: false, budget: false, maxAttempts: 1, circuitBreaker: { failures: 1 } },
    }).concat(s.link);
    const a = execute(link, { variables: { id: 'a' } });
    const b = execute(link, { variables: { id: 'b' } });
    await flush();
    expect(sinks).toHaveLength(2);
    answer(sinks[0]!, serverError(503)); // a fails: the circuit opens
    await flush();
    await a.done;
    const partial = {
      data: { po: { id: 'b', supplier: null } },
      errors: [
        { message: 'Service unavailable', path: ['po', 'supplier'], extensions: { code: 'SERVICE_UNAVAILABLE' } },
      ],
    };
    answer(sinks[1]!, partial);
    await flush();
    await b.done;
    expect(b.error).toBeUndefined();
    const [result] = b.next as Array<{ data: unknown; errors: unknown[] }>;
    expect(result!.data).toEqual(partial.data);
    expect(getClassifications(result)[0]).toMatchObject({ category: 'server' });
  });

  test('a 401 for a token that another operation already refreshed is replayed without a second refresh', async () => {
    let token = 'token-old-aaaaaaa';
    const refresh = jest.fn(async () => (token = 'token-new-bbbbbbb'));
    const sinks: Array<[Sink, string | undefined]> = [];
    const s = scripted(
      (sink, _n, op) => void sinks.push([sink, (op.getContext().headers as Record<string, string>).Authorization]),
    );
    const link = createResilienceLink({ auth: { getToken: () => token, refresh } }).concat(s.link);
    const expired = { data: null, errors: [{ message: 'Token is expired', extensions: { code: 'UNAUTHENTICATED' } }] };
    const a = execute(link, { variables: { id: 'a' } });
    const b = execute(link, { variables: { id: 'b' } });
    await flush();
    answer(sinks[0]![0], expired);
    await flush(6);
    expect(refresh).toHaveBeenCalledTimes(1);
    answer(sinks[1]![0], expired); // b was sent with the old token too
    await flush(6);
    for (const [sink, header] of sinks.slice(2)) answer(sink, header === 'Bearer token-new-bbbbbbb' ? ok : expired);
    await flush(6);
    await Promise.all([a.done, b.done]);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(sinks.map(([, header]) => header)).toEqual([
      'Bearer token-old-aaaaaaa',
      'Bearer token-old-aaaaaaa',
      'Bearer token-new-bbbbbbb',
      'Bearer token-new-bbbbbbb',
    ]);
    expect([a.next, b.next]).toEqual([[ok], [ok]]);
  });

  test('no token yet: the token is obtained before the first request (no 401), and later operations take the fast path with it', async () => {
    const refresh = jest.fn(async () => 'token-first-aaaaa');
    const events: ResilienceEvent[] = [];
    const s = server([ok]);
    const link = createResilienceLink({
      auth: { getToken: () => null, refresh },
      onEvent: (e) => events.push(e),
    }).concat(s.link);
    for (const id of ['1', '2']) {
      const out = execute(link, { variables: { id } });
      await flush();
      await out.done;
      expect(out.next).toEqual([ok]);
    }
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(refresh).toHaveBeenCalledWith({ failedToken: undefined, reason: 'missing' });
    expect(s.requests.map(authHeader)).toEqual(['Bearer token-first-aaaaa', 'Bearer token-first-aaaaa']);
    expect(events.map((e) => e.type)).toEqual(['refresh-start', 'refresh-success']);
  });

  test('refreshWhenMissing: false: operations without a token go out without one, as the link alone sends them', async () => {
    const refresh = jest.fn(async () => 'token-first-aaaaa');
    const s = server([ok]);
    const out = execute(
      createResilienceLink({ auth: { getToken: () => undefined, refresh, refreshWhenMissing: false } }).concat(s.link),
    );
    await flush();
    await out.done;
    expect(out.next).toEqual([ok]);
    expect(refresh).not.toHaveBeenCalled();
    expect(s.requests.map(authHeader)).toEqual([undefined]);
  });

  test('an open circuit fails fast without a request', async () => {
    const s = server([serverError(503)]);
    const link = createResilienceLink({
      retry: { maxAttempts: 1, budget: false, circuitBreaker: { failures: 2 } },
    }).concat(s.link);
    for (let i = 0; i < 2; i++) await execute(link, { variables: { id: String(i) } }).done;
    expect(s.requests).toHaveLength(2);
    const out = execute(link, { variables: { id: 'x' } });
    await flush();
    await out.done;
    expect(s.requests).toHaveLength(2);
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'server', reason: 'circuit-open' });
  });

  test('per-operation overrides go through the links: context.retry and context.auth', async () => {
    const s = server([serverError(503), ok]);
    const link = createResilienceLink({
      retry: noJitter,
      auth: { getToken: () => 'token-aaaaaaaa', refresh: async () => 'x' },
    }).concat(s.link);
    const out = execute(link, { context: { retry: false, auth: false } });
    await flush();
    await out.done;
    expect(s.requests).toHaveLength(1);
    expect(authHeader(s.requests[0]!)).toBeUndefined();
    expect(getClassifications(out.error)[0]).toMatchObject({ reason: 'service-unavailable' });
  });
});

test('ApolloLink composes with it like any link', async () => {
  const s = server([ok]);
  const out = execute(ApolloLink.from([createResilienceLink(), s.link]));
  await flush();
  await out.done;
  expect(out.next).toEqual([ok]);
});

// AC4 only: the attempt is its own rxjs subscriber; operators between it and the HttpLink must see
// their teardown when it stops (rxjs registers them with `add`).
const isRxjs = typeof (Observable.prototype as { pipe?: unknown }).pipe === 'function';
(isRxjs ? test : test.skip)('an rxjs-operator link below it is torn down with the attempt', async () => {
  const s = scripted(() => undefined);
  type Pipeable = { pipe(...ops: unknown[]): unknown };
  const { map } = await import('rxjs');
  const piping = new ApolloLink(
    (op, forward) => (forward(op) as unknown as Pipeable).pipe(map((r: unknown) => r)) as never,
  );
  const out = execute(createResilienceLink().concat(piping).concat(s.link));
  await flush();
  expect(s.requests).toHaveLength(1);
  out.unsubscribe();
  expect(s.teardowns.count).toBe(1);
  expect(jest.getTimerCount()).toBe(0);
});

describe('createResilienceLink: what an app drives its UI with', () => {
  test('circuitState, resetCircuit() and the circuit-close event (a moment to refetch)', async () => {
    const events: ResilienceEvent[] = [];
    const s = server([serverError(503), serverError(503), ok]);
    const link = createResilienceLink({
      retry: { jitter: false, maxAttempts: 1, circuitBreaker: { failures: 2 } },
      onEvent: (e) => events.push(e),
    });
    const chain = link.concat(s.link);
    expect(link.circuitState).toBe('closed');
    for (const id of ['a', 'b']) {
      const out = execute(chain, { variables: { id } });
      await flush();
      await out.done;
    }
    expect(link.circuitState).toBe('open');
    const rejected = execute(chain, { variables: { id: 'c' } });
    await flush();
    expect(getClassifications(rejected.error)[0]).toMatchObject({ reason: 'circuit-open' });
    link.resetCircuit();
    expect(link.circuitState).toBe('closed');
    const close = events.find((e) => e.type === 'circuit-close');
    expect(close).toMatchObject({ type: 'circuit-close', state: 'closed', previous: 'open', operationName: undefined });
    const after = execute(chain, { variables: { id: 'd' } });
    await flush();
    await after.done;
    expect(after.next).toEqual([ok]);
    expect(s.requests).toHaveLength(3);
    expect(createResilienceLink({ retry: false }).circuitState).toBe('closed');
  });

  test('events are typed by `type`: a retry event carries its attempt, delay and classification', async () => {
    const events: ResilienceEvent[] = [];
    const s = server([serverError(503), ok]);
    const out = execute(createResilienceLink({ retry: noJitter, onEvent: (e) => events.push(e) }).concat(s.link));
    await jest.advanceTimersByTimeAsync(1000);
    await out.done;
    const retry = events[0]!;
    if (retry.type !== 'retry') throw new Error('expected a retry event');
    const { attempt, delayMs, classification, at, operationName } = retry;
    expect({ attempt, delayMs, category: classification.category, operationName }).toEqual({
      attempt: 2,
      delayMs: 1000,
      category: 'server',
      operationName: 'Q',
    });
    expect(typeof at).toBe('number');
  });
});
