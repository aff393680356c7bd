import { ApolloLink } from '@apollo/client/core/index.js';
import { getClassifications } from '../../classify/getClassifications';
import type { Classification } from '../../classify/types';
import type { ResilienceEvent } from '../../core/events';
import { MUTATION, QUERY, execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { RetryBackoffLink } from '../RetryBackoffLink';
import { answer, networkError, noJitter, server, serverError } from '../../__testUtils__/fixtures';

const ok = { data: { po: { id: '1', supplier: 'Acme' } } };

useFakeTimersAndCheckTeardown();

describe('RetryBackoffLink', () => {
  test('503, 503, then success: retried after 1 s and 2 s', async () => {
    const retries: unknown[] = [];
    const s = server([serverError(503), serverError(503), ok]);
    const out = execute(
      ApolloLink.from([
        new RetryBackoffLink({
          ...noJitter,
          onRetry: (e) => retries.push([e.attempt, e.delayMs, (e.classification as Classification).reason]),
        }),
        s.link,
      ]),
    );
    await flush();
    expect(s.requests).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(999);
    expect(s.requests).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(s.requests).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(2000);
    await out.done;
    expect(s.requests).toHaveLength(3);
    expect(out.next).toEqual([ok]);
    expect(out.complete).toBe(true);
    expect(retries).toEqual([
      [2, 1000, 'service-unavailable'],
      [3, 2000, 'service-unavailable'],
    ]);
  });

  test.each([400, 401, 403, 404, 409, 422])('HTTP %i is never retried and is not a give-up', async (status) => {
    const giveUps: unknown[] = [];
    const s = server([serverError(status)]);
    const out = execute(
      ApolloLink.from([new RetryBackoffLink({ ...noJitter, onGiveUp: (e) => giveUps.push(e) }), s.link]),
    );
    await flush();
    await out.done;
    expect(s.requests).toHaveLength(1);
    expect(getClassifications(out.error)[0]!.status).toBe(status);
    expect(giveUps).toEqual([]);
  });

  test('gives up after maxAttempts with the last classification', async () => {
    const giveUps: Array<Record<string, unknown>> = [];
    const s = server([serverError(502)]);
    const out = execute(
      ApolloLink.from([new RetryBackoffLink({ ...noJitter, onGiveUp: (e) => giveUps.push(e) }), s.link]),
    );
    await jest.advanceTimersByTimeAsync(1000 + 2000 + 4000);
    await out.done;
    expect(s.requests).toHaveLength(4);
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'server', reason: 'bad-gateway' });
    expect(giveUps).toEqual([
      expect.objectContaining({ type: 'give-up', operationName: 'Q', attempt: 4, reason: 'max-attempts' }),
    ]);
  });

  test('Retry-After sets the delay (capped by maxRetryAfterMs)', async () => {
    const s = server([serverError(429, { 'Retry-After': '5' }), serverError(429, { 'Retry-After': '3600' }), ok]);
    const out = execute(ApolloLink.from([new RetryBackoffLink({ ...noJitter, maxRetryAfterMs: 10_000 }), s.link]));
    await flush();
    await jest.advanceTimersByTimeAsync(4999);
    expect(s.requests).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(s.requests).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(10_000);
    await out.done;
    expect(s.requests).toHaveLength(3);
    expect(out.next).toEqual([ok]);
  });

  describe('mutations', () => {
    // The app sees the last attempt's own classification, and the give-up says why it stopped.
    test.each<[string, unknown, Record<string, unknown>, Record<string, unknown>, number, string, string]>([
      [
        '502 is not replayed (the server may have executed it)',
        serverError(502),
        {},
        {},
        1,
        'server/bad-gateway',
        'unsafe-mutation',
      ],
      [
        'a reset after sending is not replayed',
        networkError('ECONNRESET'),
        {},
        {},
        1,
        'network/connection-reset',
        'unsafe-mutation',
      ],
      ['503 is replayed (not executed)', serverError(503), {}, {}, 4, 'server/service-unavailable', 'max-attempts'],
      ['429 is replayed', serverError(429), {}, {}, 4, 'rate-limited/rate-limited', 'max-attempts'],
      [
        'connection refused is replayed',
        networkError('ECONNREFUSED'),
        {},
        {},
        4,
        'network/connection-refused',
        'max-attempts',
      ],
      [
        '502 with context.idempotent is replayed',
        serverError(502),
        {},
        { idempotent: true },
        4,
        'server/bad-gateway',
        'max-attempts',
      ],
      [
        '502 with an idempotency key is replayed',
        serverError(502),
        { idempotencyKey: true },
        {},
        4,
        'server/bad-gateway',
        'max-attempts',
      ],
      [
        "mutations: 'never' never replays",
        serverError(503),
        { mutations: 'never' },
        {},
        1,
        'server/service-unavailable',
        'unsafe-mutation',
      ],
      [
        "mutations: 'always' replays a 502",
        serverError(502),
        { mutations: 'always' },
        {},
        4,
        'server/bad-gateway',
        'max-attempts',
      ],
    ])('%s', async (_n, failure, options, context, requests, classified, giveUp) => {
      const giveUps: unknown[] = [];
      const s = server([failure]);
      const out = execute(
        ApolloLink.from([
          new RetryBackoffLink({ ...noJitter, ...options, onGiveUp: (e) => giveUps.push([e.attempt, e.reason]) }),
          s.link,
        ]),
        { query: MUTATION, context },
      );
      await jest.advanceTimersByTimeAsync(10_000);
      await out.done;
      expect(s.requests).toHaveLength(requests);
      const [category, reason] = classified.split('/');
      expect(getClassifications(out.error)[0]).toMatchObject({ category, reason });
      expect(giveUps).toEqual([[requests, giveUp]]);
    });

    test('one idempotency key per logical mutation, the same on every attempt', async () => {
      let n = 0;
      const s = server([serverError(502), serverError(504), ok]);
      const link = new RetryBackoffLink({
        ...noJitter,
        idempotencyKey: { header: 'X-Key', generate: () => `key-${++n}` },
      });
      const first = execute(ApolloLink.from([link, s.link]), { query: MUTATION });
      await jest.advanceTimersByTimeAsync(3000);
      await first.done;
      const keys = s.requests.map((r) => (r.context.headers as Record<string, string>)['X-Key']);
      expect(keys).toEqual(['key-1', 'key-1', 'key-1']);
      const second = execute(ApolloLink.from([link, s.link]), { query: MUTATION });
      await flush();
      await second.done;
      expect((s.requests[3]!.context.headers as Record<string, string>)['X-Key']).toBe('key-2');
      const query = execute(ApolloLink.from([link, s.link]), { query: QUERY });
      await flush();
      await query.done;
      expect((s.requests[4]!.context.headers as Record<string, string> | undefined)?.['X-Key']).toBeUndefined();
    });
  });

  test('per-operation overrides: retry: false, and partial options', async () => {
    const s = server([serverError(503)]);
    const link = new RetryBackoffLink(noJitter);
    const off = execute(ApolloLink.from([link, s.link]), { context: { retry: false } });
    await flush();
    await off.done;
    expect(s.requests).toHaveLength(1);
    const two = execute(ApolloLink.from([link, s.link]), {
      context: { retry: { maxAttempts: 2, initialDelayMs: 10 } },
    });
    await jest.advanceTimersByTimeAsync(10);
    await two.done;
    expect(s.requests).toHaveLength(3);
  });

  test('retryIf may be async and may refuse', async () => {
    const s = server([serverError(503), ok]);
    const seen: number[] = [];
    const out = execute(
      ApolloLink.from([
        new RetryBackoffLink({
          ...noJitter,
          retryIf: async (c, { attempt }) => {
            seen.push(attempt);
            return c.status === 503;
          },
        }),
        s.link,
      ]),
    );
    await jest.advanceTimersByTimeAsync(1000);
    await out.done;
    expect(out.next).toEqual([ok]);
    expect(seen).toEqual([1]);
    const s2 = server([serverError(503)]);
    const report = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const refused = execute(
      ApolloLink.from([
        new RetryBackoffLink({
          ...noJitter,
          retryIf: () => {
            throw new Error('bug');
          },
        }),
        s2.link,
      ]),
    );
    await flush();
    await refused.done;
    expect(s2.requests).toHaveLength(1);
    expect(report).toHaveBeenCalledTimes(1); // a throwing retryIf means "do not retry", and is reported
    report.mockRestore();
  });

  describe('partial results', () => {
    const partial = {
      data: { po: { id: '1', supplier: null } },
      errors: [
        {
          message: 'Supplier service unavailable',
          path: ['po', 'supplier'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ],
    };
    test('a query with data and only retryable errors is retried, and the attempts merged', async () => {
      const s = server([partial, ok]);
      const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), s.link]));
      await jest.advanceTimersByTimeAsync(1000);
      await out.done;
      expect(s.requests).toHaveLength(2);
      expect(out.next).toEqual([ok]);
    });
    test('a persistent partial error ends with the data and the error after one quick retry (partialRetries 1, 250 ms)', async () => {
      const s = server([partial]);
      const events: ResilienceEvent[] = [];
      const out = execute(
        ApolloLink.from([new RetryBackoffLink({ ...noJitter, onEvent: (e) => events.push(e) }), s.link]),
      );
      await jest.advanceTimersByTimeAsync(249);
      expect(s.requests).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      await out.done;
      expect(s.requests).toHaveLength(2);
      expect(out.error).toBeUndefined();
      expect(out.next).toHaveLength(1);
      expect(out.next[0]).toMatchObject({
        data: { po: { id: '1', supplier: null } },
        errors: [{ path: ['po', 'supplier'] }],
      });
      expect(events.map((e) => e.type)).toEqual(['retry']);
      expect(events[0]).toMatchObject({ attempt: 2, delayMs: 250, partial: true });
    });
    test('partialRetries and partialRetryDelayMs retry a partial result more often (the full schedule: partialRetries = maxAttempts - 1)', async () => {
      const s = server([partial]);
      const out = execute(
        ApolloLink.from([new RetryBackoffLink({ ...noJitter, partialRetries: 3, partialRetryDelayMs: 1000 }), s.link]),
      );
      await jest.advanceTimersByTimeAsync(3000);
      await out.done;
      expect(s.requests).toHaveLength(4);
      expect(out.next[0]).toMatchObject({
        data: { po: { id: '1', supplier: null } },
        errors: [{ path: ['po', 'supplier'] }],
      });
    });
    test('partialRetries: 0 shows partial data at once; a per-operation override works too', async () => {
      const s = server([partial]);
      const link = new RetryBackoffLink({ ...noJitter, partialRetries: 0 });
      const out = execute(ApolloLink.from([link, s.link]));
      await flush();
      await out.done;
      expect(s.requests).toHaveLength(1);
      const more = execute(ApolloLink.from([link, s.link]), {
        context: { retry: { partialRetries: 2, partialRetryDelayMs: 10 } },
      });
      await jest.advanceTimersByTimeAsync(20);
      await more.done;
      expect(s.requests).toHaveLength(4);
    });
    test('a result without data and only retryable errors is a failure: the normal schedule', async () => {
      const failure = {
        data: null,
        errors: [{ message: 'Service unavailable', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
      };
      const s = server([failure]);
      const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), s.link]));
      await jest.advanceTimersByTimeAsync(999);
      expect(s.requests).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(7000);
      await out.done;
      expect(s.requests).toHaveLength(4);
    });
    test('data from an earlier attempt survives a later transport failure', async () => {
      const s = server([partial, serverError(502)]);
      const out = execute(ApolloLink.from([new RetryBackoffLink({ ...noJitter, maxAttempts: 2 }), s.link]));
      await jest.advanceTimersByTimeAsync(1000);
      await out.done;
      const result = out.next[0] as {
        data: unknown;
        errors: Array<{ extensions?: { classification?: Classification } }>;
      };
      expect(result.data).toEqual(partial.data);
      expect(getClassifications(result).map((c) => c.reason)).toEqual(expect.arrayContaining(['bad-gateway']));
    });
    test('a result with a non-retryable error passes through at once', async () => {
      const forbidden = {
        data: { po: null },
        errors: [{ message: 'User does not have permission to perform READ on Purchase Order.' }],
      };
      const s = server([forbidden]);
      const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), s.link]));
      await flush();
      await out.done;
      expect(s.requests).toHaveLength(1);
      expect(out.next).toEqual([forbidden]);
    });
    test('AC3 order (the body as a result, then the ServerError) is retried as one failure', async () => {
      const body = {
        data: { po: { id: '1', supplier: null } },
        errors: [{ message: 'boom', path: ['po', 'supplier'] }],
      };
      const s = scripted((sink, n, operation) => {
        if (n === 1) {
          // as HttpLink does: the response is in the context before the body is emitted
          (operation as unknown as { setContext(c: object): void }).setContext({
            response: { status: 500, headers: new Headers() },
          });
          sink.next(body);
          sink.error(Object.assign(serverError(500), { result: body }));
        } else answer(sink, ok);
      });
      const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), s.link]));
      await jest.advanceTimersByTimeAsync(1000);
      await out.done;
      expect(s.requests).toHaveLength(2);
      expect(out.next).toEqual([ok]);
    });
  });

  describe('cancellation', () => {
    test('unsubscribing during the backoff clears the timer and sends nothing more', async () => {
      const s = server([serverError(503)]);
      const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), s.link]));
      await flush();
      expect(jest.getTimerCount()).toBe(1); // the backoff (the attempt's timeout was cleared)
      out.unsubscribe();
      expect(jest.getTimerCount()).toBe(0);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(s.requests).toHaveLength(1);
    });
    test('unsubscribing during an attempt tears the attempt down (HttpLink aborts its fetch)', async () => {
      const s = scripted(() => undefined);
      const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), s.link]));
      await flush();
      expect(s.requests).toHaveLength(1);
      out.unsubscribe();
      expect(s.teardowns.count).toBe(1);
      expect(jest.getTimerCount()).toBe(0);
    });
  });

  describe('timeouts and deadlines', () => {
    test('an attempt past attemptTimeoutMs is aborted and retried for a query', async () => {
      const s = scripted((sink, n) => (n === 1 ? undefined : answer(sink, ok)));
      const out = execute(ApolloLink.from([new RetryBackoffLink({ ...noJitter, attemptTimeoutMs: 5000 }), s.link]));
      await jest.advanceTimersByTimeAsync(5000);
      expect(s.teardowns.count).toBe(1);
      await jest.advanceTimersByTimeAsync(1000);
      await out.done;
      expect(out.next).toEqual([ok]);
    });
    test('a timed-out keyless mutation is not replayed', async () => {
      const s = scripted(() => undefined);
      const out = execute(ApolloLink.from([new RetryBackoffLink({ ...noJitter, attemptTimeoutMs: 5000 }), s.link]), {
        query: MUTATION,
      });
      await jest.advanceTimersByTimeAsync(5000);
      await out.done;
      expect(s.requests).toHaveLength(1);
      expect(s.teardowns.count).toBe(1);
      expect(getClassifications(out.error)[0]).toMatchObject({ category: 'network', reason: 'timeout' });
    });
    test('the deadline bounds the whole operation and the error says so', async () => {
      const s = server([serverError(503)]);
      const started = Date.now();
      const out = execute(
        ApolloLink.from([new RetryBackoffLink({ ...noJitter, maxAttempts: 10, deadlineMs: 5000 }), s.link]),
      );
      await jest.advanceTimersByTimeAsync(60_000);
      await out.done;
      expect(s.requests).toHaveLength(3); // t=0, 1 s, 3 s; the next wait (4 s) would pass 5 s
      expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
      const [c] = getClassifications(out.error);
      expect(c).toMatchObject({ reason: 'deadline-exceeded' });
      expect(c!.message).toMatch(/Deadline of 5000 ms passed after 3 attempts/);
    });
  });

  describe('budget and circuit breaker', () => {
    test('a retry budget caps retries across operations', async () => {
      const s = server([serverError(503)]);
      const link = new RetryBackoffLink({
        jitter: false,
        circuitBreaker: false,
        budget: { ratio: 0.1, minPerSecond: 2 },
      });
      const outs = Array.from({ length: 50 }, (_, i) =>
        execute(ApolloLink.from([link, s.link]), { variables: { id: String(i) } }),
      );
      await jest.advanceTimersByTimeAsync(20_000);
      await Promise.all(outs.map((o) => o.done));
      // 50 first attempts; ratio 0.1 → 5 retries, plus at most 2 per second from the floor.
      expect(s.requests.length).toBeLessThanOrEqual(50 + 5 + 2 * 3);
      expect(s.requests.length).toBeGreaterThan(50);
    });
    test('the circuit opens after 3 failed operations, fails fast, and closes after a good probe', async () => {
      const changes: string[] = [];
      let failing = true;
      const s = scripted((sink) => answer(sink, failing ? serverError(503) : ok));
      const link = new RetryBackoffLink({
        jitter: false,
        budget: false,
        maxAttempts: 1,
        circuitBreaker: { failures: 3, windowMs: 30_000, cooldownMs: 30_000 },
        onCircuitChange: (e) => changes.push(e.type),
      });
      for (let i = 0; i < 3; i++) {
        const o = execute(ApolloLink.from([link, s.link]), { variables: { id: String(i) } });
        await flush();
        await o.done;
      }
      expect(link.circuitState).toBe('open');
      const fast = execute(ApolloLink.from([link, s.link]), { variables: { id: 'x' } });
      await flush();
      await fast.done;
      expect(s.requests).toHaveLength(3);
      expect(getClassifications(fast.error)[0]).toMatchObject({ category: 'server', reason: 'circuit-open' });
      failing = false;
      await jest.advanceTimersByTimeAsync(30_000);
      const probe = execute(ApolloLink.from([link, s.link]), { variables: { id: 'p' } });
      await flush();
      await probe.done;
      expect(probe.next).toEqual([ok]);
      expect(link.circuitState).toBe('closed');
      expect(changes).toEqual(['circuit-open', 'circuit-half-open', 'circuit-close']);
    });
  });

  describe('circuit recovery (#20)', () => {
    type Failing = { failing: boolean };
    const setup = (state: Failing, options: RetryBackoffLink.Options = {}) => {
      const events: ResilienceEvent[] = [];
      const s = scripted((sink, _attempt, op) =>
        answer(sink, state.failing || op.variables.id === 'bad' ? serverError(503) : ok),
      );
      const link = new RetryBackoffLink({
        jitter: false,
        budget: false,
        maxAttempts: 1,
        circuitBreaker: { failures: 1 },
        onEvent: (e) => events.push(e),
        ...options,
      });
      const run = async (id: string) => {
        const o = execute(ApolloLink.from([link, s.link]), { variables: { id } });
        await flush();
        return o;
      };
      const circuit = () => events.filter((e) => e.type.startsWith('circuit-'));
      return { s, link, run, events, circuit };
    };

    test('probes on a backoff: 1 s, then 2 s, 4 s… while the outage lasts; events carry nextProbeAt', async () => {
      const state = { failing: true };
      const { s, link, run, circuit } = setup(state);
      const t0 = Date.now();
      await run('a');
      expect(link.circuitState).toBe('open');
      expect(circuit()).toEqual([
        expect.objectContaining({ type: 'circuit-open', cooldownMs: 30_000, nextProbeAt: t0 + 1000 }),
      ]);
      await jest.advanceTimersByTimeAsync(999);
      const early = await run('b');
      expect(getClassifications(early.error)[0]).toMatchObject({ reason: 'circuit-open' });
      expect(s.requests).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      await run('p1'); // the first probe, 1 s after the opening: fails
      expect(s.requests).toHaveLength(2);
      expect(circuit().slice(1)).toEqual([
        expect.objectContaining({ type: 'circuit-half-open', nextProbeAt: t0 + 1000 }),
        expect.objectContaining({ type: 'circuit-open', previous: 'half-open', nextProbeAt: t0 + 3000 }),
      ]);
      await jest.advanceTimersByTimeAsync(1999);
      await run('c');
      expect(s.requests).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(1);
      await run('p2'); // 2 s later: fails again, the next one 4 s later
      expect(circuit().at(-1)).toMatchObject({ type: 'circuit-open', nextProbeAt: t0 + 7000 });
      state.failing = false;
      await jest.advanceTimersByTimeAsync(4000);
      const good = await run('p3');
      expect(good.next).toEqual([ok]);
      expect(link.circuitState).toBe('closed');
      expect(circuit().at(-1)).toMatchObject({ type: 'circuit-close', cooldownMs: 30_000 });
      expect(circuit().at(-1)!.nextProbeAt).toBeUndefined();
      expect(s.requests).toHaveLength(4);
    });

    test('the jitter of the schedule uses the random option', async () => {
      const { run, circuit } = setup({ failing: true }, { jitter: true, random: () => 0 });
      const t0 = Date.now();
      await run('a');
      expect(circuit()[0]).toMatchObject({ type: 'circuit-open', nextProbeAt: t0 + 750 });
    });

    test('a success of any operation through the link makes the next admission the probe', async () => {
      const state = { failing: false };
      const slow: Array<() => void> = [];
      const s = scripted((sink, _attempt, op) => {
        if (op.variables.id === 'slow') slow.push(() => answer(sink, ok));
        else answer(sink, state.failing ? serverError(503) : ok);
      });
      const link = new RetryBackoffLink({
        jitter: false,
        budget: false,
        maxAttempts: 1,
        circuitBreaker: { failures: 1 },
      });
      const exec = (id: string) => execute(ApolloLink.from([link, s.link]), { variables: { id } });
      const pending = exec('slow'); // admitted before the opening
      await flush();
      state.failing = true;
      await exec('a').done;
      expect(link.circuitState).toBe('open');
      state.failing = false;
      await jest.advanceTimersByTimeAsync(100);
      slow[0]!();
      await pending.done;
      expect(pending.next).toEqual([ok]);
      expect(link.circuitState).toBe('open'); // not closed by a late success, but the probe is due
      const probe = exec('b');
      await flush();
      await probe.done;
      expect(probe.next).toEqual([ok]);
      expect(link.circuitState).toBe('closed');
      expect(s.requests).toHaveLength(3);
    });

    test('an operation waiting in backoff becomes the probe when its retry is due (no extra request)', async () => {
      const state = { failing: true };
      const { s, link, circuit } = setup(state, { maxAttempts: 4, circuitBreaker: { failures: 1 } });
      const waiting = execute(ApolloLink.from([link, s.link]), { variables: { id: 'w' }, context: {} });
      await flush(); // attempt 1 fails; its retry is due in 1 s (the circuit does not count it yet)
      expect(link.circuitState).toBe('closed');
      const opener = execute(ApolloLink.from([link, s.link]), {
        variables: { id: 'o' },
        context: { retry: { maxAttempts: 1 } },
      });
      await flush();
      await opener.done;
      expect(link.circuitState).toBe('open'); // the probe is due 1 s from now
      state.failing = false;
      await jest.advanceTimersByTimeAsync(999);
      expect(s.requests).toHaveLength(2);
      expect(link.circuitState).toBe('open');
      await jest.advanceTimersByTimeAsync(1);
      await waiting.done;
      expect(waiting.next).toEqual([ok]);
      expect(s.requests).toHaveLength(3);
      expect(circuit().map((e) => e.type)).toEqual(['circuit-open', 'circuit-half-open', 'circuit-close']);
    });

    test('a waiting operation that became the probe and is unsubscribed frees the probe slot', async () => {
      const state = { failing: true };
      const held: Array<() => void> = [];
      const s = scripted((sink, attempt) => {
        if (attempt === 3)
          held.push(() => answer(sink, ok)); // the waiting operation's probe hangs
        else answer(sink, state.failing ? serverError(503) : ok);
      });
      const link = new RetryBackoffLink({ jitter: false, budget: false, circuitBreaker: { failures: 1 } });
      const waiting = execute(ApolloLink.from([link, s.link]), { variables: { id: 'w' } });
      await flush();
      const opener = execute(ApolloLink.from([link, s.link]), {
        variables: { id: 'o' },
        context: { retry: { maxAttempts: 1 } },
      });
      await flush();
      await opener.done;
      await jest.advanceTimersByTimeAsync(1000);
      expect(s.requests).toHaveLength(3); // the waiting operation's retry is the probe
      expect(link.circuitState).toBe('half-open');
      const blocked = execute(ApolloLink.from([link, s.link]), { variables: { id: 'b' } });
      await flush();
      await blocked.done;
      expect(getClassifications(blocked.error)[0]).toMatchObject({ reason: 'circuit-open' });
      waiting.unsubscribe();
      state.failing = false;
      const next = execute(ApolloLink.from([link, s.link]), { variables: { id: 'n' } });
      await flush();
      await next.done;
      expect(next.next).toEqual([ok]);
      expect(link.circuitState).toBe('closed');
      expect(held).toHaveLength(1);
    });

    test('an operation whose retry is due before the probe fails fast instead of sending into the outage', async () => {
      const state = { failing: true };
      const { s, link, events } = setup(state, {
        maxAttempts: 4,
        initialDelayMs: 500,
        circuitBreaker: { failures: 1, initialProbeDelayMs: 2000 },
      });
      const waiting = execute(ApolloLink.from([link, s.link]), { variables: { id: 'w' } });
      await flush();
      const opener = execute(ApolloLink.from([link, s.link]), {
        variables: { id: 'o' },
        context: { retry: { maxAttempts: 1 } },
      });
      await flush();
      await opener.done;
      await jest.advanceTimersByTimeAsync(500);
      await waiting.done;
      expect(s.requests).toHaveLength(2);
      expect(getClassifications(waiting.error)[0]).toMatchObject({ reason: 'service-unavailable' });
      expect(events.filter((e) => e.type === 'give-up').at(-1)).toMatchObject({ reason: 'circuit-open', attempt: 1 });
    });

    test('coming back online (the connectivity source) makes the probe due at once; dispose() stops listening', async () => {
      const listeners = new Set<(online: boolean) => void>();
      const connectivity = {
        isOnline: () => true,
        subscribe: (l: (online: boolean) => void) => {
          listeners.add(l);
          return () => void listeners.delete(l);
        },
      };
      const state = { failing: true };
      const { s, link, run } = setup(state, { connectivity });
      expect(listeners.size).toBe(1);
      await run('a');
      expect(link.circuitState).toBe('open');
      for (const l of listeners) l(false);
      // Going offline does not make the probe due: the app is told the circuit is open, and no request goes.
      expect(getClassifications((await run('b')).error)[0]).toMatchObject({
        category: 'server',
        reason: 'circuit-open',
        retryable: true,
        details: { retryAfterMs: 1000 },
      });
      expect(s.requests).toHaveLength(1);
      state.failing = false;
      for (const l of listeners) l(true);
      const probe = await run('c');
      expect(probe.next).toEqual([ok]);
      expect(link.circuitState).toBe('closed');
      link.dispose();
      expect(listeners.size).toBe(0);
    });

    test("the window's online event makes the probe due at once, and is removed on dispose()", async () => {
      const g = globalThis as unknown as Record<string, unknown>;
      const added = new Map<string, () => void>();
      g.addEventListener = (type: string, l: () => void) => added.set(type, l);
      g.removeEventListener = (type: string, l: () => void) => {
        if (added.get(type) === l) added.delete(type);
      };
      try {
        const state = { failing: true };
        const { link, run } = setup(state);
        // The default connectivity source (browserConnectivity) listens to both signals.
        expect([...added.keys()]).toEqual(['online', 'offline']);
        await run('a');
        state.failing = false;
        added.get('offline')!(); // a browser fires `online` only after `offline`
        added.get('online')!();
        expect((await run('b')).next).toEqual([ok]);
        expect(link.circuitState).toBe('closed');
        link.dispose();
        expect(added.size).toBe(0);
      } finally {
        delete g.addEventListener;
        delete g.removeEventListener;
      }
    });

    test('without a window (Node) nothing is listened to, and a link without a breaker never listens', () => {
      const listeners: unknown[] = [];
      const connectivity = { isOnline: () => true, subscribe: (l: unknown) => (listeners.push(l), () => undefined) };
      new RetryBackoffLink({ circuitBreaker: false, connectivity }).dispose();
      expect(listeners).toEqual([]);
      expect(() => new RetryBackoffLink().dispose()).not.toThrow();
    });
  });

  test('subscriptions pass through untouched', async () => {
    const s = server([serverError(503)]);
    const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), s.link]), {
      query: require('graphql').parse('subscription S { po { id } }'),
    });
    await flush();
    await out.done;
    expect(s.requests).toHaveLength(1);
  });
});
