// Connectivity-aware retry (#17, item 1): while the connectivity source says offline, a network
// failure that would be retried pauses the operation instead of spending an attempt, the budget or
// the circuit; the network's return resumes paused operations (a burst spread), and the pause is bounded.
import { ApolloLink } from '@apollo/client/core/index.js';
import { parse } from 'graphql';
import { getClassifications } from '../../classify/getClassifications';
import type { ResilienceEvent } from '../../core/events';
import { manualConnectivity, type Connectivity, type ManualConnectivity } from '../../offline/connectivity';
import { MUTATION, execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { answer, networkError, serverError } from '../../__testUtils__/fixtures';
import { RetryBackoffLink } from '../RetryBackoffLink';

const ok = { data: { po: { id: '1', supplier: 'Acme' } } };
/** What a browser's fetch throws while the device is offline (classified network / fetch-failed). */
const offlineFetch = () => new TypeError('Failed to fetch');

/** A server behind the device's network: offline, every request fails before any response. */
function behind(conn: Connectivity, online: (n: number) => unknown = () => ok) {
  return scripted((sink, n) => (conn.isOnline() ? answer(sink, online(n)) : sink.error(offlineFetch())));
}

/** A connectivity source that counts its subscribers (the gate subscribes only while something waits). */
function counting(initial: boolean): ManualConnectivity & { readonly listeners: number } {
  const inner = manualConnectivity(initial);
  let listeners = 0;
  return {
    isOnline: inner.isOnline,
    setOnline: inner.setOnline,
    subscribe(listener) {
      listeners += 1;
      const remove = inner.subscribe(listener);
      let on = true;
      return () => {
        if (on) listeners -= 1;
        on = false;
        remove();
      };
    },
    get listeners() {
      return listeners;
    },
  };
}

function setup(conn: Connectivity, options: RetryBackoffLink.Options = {}) {
  const events: ResilienceEvent[] = [];
  const link = new RetryBackoffLink({ jitter: false, connectivity: conn, onEvent: (e) => events.push(e), ...options });
  return { link, events, types: () => events.map((e) => e.type) };
}

useFakeTimersAndCheckTeardown();

describe('RetryBackoffLink offline (connectivity)', () => {
  test('a network failure while offline pauses without spending anything; online resumes it at once', async () => {
    const conn = manualConnectivity(false);
    const s = behind(conn);
    const { link, events, types } = setup(conn);
    const out = execute(ApolloLink.from([link, s.link]));
    await flush();
    expect(s.requests).toHaveLength(1);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'paused',
        operationName: 'Q',
        at: expect.any(Number),
        attempt: 1,
        waiting: 1,
        classification: expect.objectContaining({ category: 'network', reason: 'fetch-failed' }),
      }),
    ]);
    await jest.advanceTimersByTimeAsync(120_000); // two minutes without network: no request, no retry
    expect(s.requests).toHaveLength(1);
    conn.setOnline(true);
    await flush();
    await out.done;
    expect(s.requests).toHaveLength(2);
    expect(out.next).toEqual([ok]);
    expect(types()).toEqual(['paused', 'resumed']);
    expect(events[1]).toMatchObject({ type: 'resumed', operationName: 'Q', attempt: 2, pausedMs: 120_000 });
  });

  test('attempts that failed offline do not count against maxAttempts; online failures do', async () => {
    const conn = manualConnectivity(false);
    const s = behind(conn, () => networkError('ECONNRESET')); // online, the server keeps failing
    const { link, events, types } = setup(conn, { maxAttempts: 2 });
    const out = execute(ApolloLink.from([link, s.link]));
    await flush();
    conn.setOnline(true);
    await flush();
    expect(s.requests).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1000); // the first backoff: the offline attempt was not counted
    await out.done;
    expect(s.requests).toHaveLength(3);
    expect(types()).toEqual(['paused', 'resumed', 'retry', 'give-up']);
    expect(events[2]).toMatchObject({ attempt: 3, delayMs: 1000 });
    expect(events[3]).toMatchObject({ reason: 'max-attempts', attempt: 3 });
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'network', reason: 'connection-reset' });
  });

  test('a retry that comes due while offline fails offline and pauses (its attempt not spent)', async () => {
    const conn = manualConnectivity(true);
    let n = 0;
    const s = scripted((sink) => {
      n += 1;
      if (!conn.isOnline()) return sink.error(offlineFetch());
      answer(sink, n === 1 ? serverError(503) : ok);
    });
    const { link, types } = setup(conn, { maxAttempts: 2 });
    const out = execute(ApolloLink.from([link, s.link]));
    await flush();
    conn.setOnline(false);
    await jest.advanceTimersByTimeAsync(1000);
    expect(s.requests).toHaveLength(2);
    expect(types()).toEqual(['retry', 'paused']);
    conn.setOnline(true);
    await flush();
    await out.done;
    expect(out.next).toEqual([ok]); // attempt 3, yet maxAttempts 2: the offline one was free
    expect(s.requests).toHaveLength(3);
  });

  test('a network failure while online (a captive portal) is still bounded by maxAttempts and counts for the circuit', async () => {
    const conn = manualConnectivity(true);
    const s = behind(conn, () => offlineFetch());
    const { link, types } = setup(conn, { circuitBreaker: { failures: 1 } });
    const out = execute(ApolloLink.from([link, s.link]));
    await jest.advanceTimersByTimeAsync(1000 + 2000 + 4000);
    await out.done;
    expect(s.requests).toHaveLength(4);
    expect(types()).toEqual(['retry', 'retry', 'retry', 'give-up', 'circuit-open']);
    expect(link.circuitState).toBe('open');
    link.dispose();
  });

  test('an offline burst neither opens the circuit nor spends the budget (queries pause, unsafe mutations fail)', async () => {
    const conn = manualConnectivity(false);
    const s = behind(conn);
    const { link, types } = setup(conn, {
      circuitBreaker: { failures: 3 },
      budget: { ratio: 0, minPerSecond: 0 }, // no retry at all would be allowed
    });
    const queries = Array.from({ length: 20 }, (_, i) =>
      execute(ApolloLink.from([link, s.link]), { variables: { id: i } }),
    );
    // Mutations without a key whose fetch failed: not replayable (they may have reached the server),
    // they fail now, and still tell the circuit nothing about the server.
    const mutations = Array.from({ length: 5 }, (_, i) =>
      execute(ApolloLink.from([link, s.link]), { query: MUTATION, variables: { id: i } }),
    );
    await flush();
    await Promise.all(mutations.map((m) => m.done));
    for (const m of mutations) expect(getClassifications(m.error)[0]).toMatchObject({ reason: 'fetch-failed' });
    await jest.advanceTimersByTimeAsync(60_000);
    expect(link.circuitState).toBe('closed');
    expect(types().filter((t) => t.startsWith('circuit'))).toEqual([]);
    expect(types().filter((t) => t === 'paused')).toHaveLength(20);
    conn.setOnline(true);
    await flush();
    await Promise.all(queries.map((q) => q.done));
    for (const q of queries) expect(q.next).toEqual([ok]);
    expect(s.requests).toHaveLength(20 + 5 + 20);
    expect(link.circuitState).toBe('closed');
    expect(types().filter((t) => t === 'resumed')).toHaveLength(20);
  });

  test('control: the same mutation failures while online do open the circuit', async () => {
    const conn = manualConnectivity(true);
    const s = scripted((sink) => sink.error(offlineFetch()));
    const { link } = setup(conn, { circuitBreaker: { failures: 3 } });
    const mutations = Array.from({ length: 3 }, (_, i) =>
      execute(ApolloLink.from([link, s.link]), { query: MUTATION, variables: { id: i } }),
    );
    await flush();
    await Promise.all(mutations.map((m) => m.done));
    expect(link.circuitState).toBe('open');
    link.dispose();
  });

  test('a burst resumes spread over 1 s with jitter: the first at once, the others at random', async () => {
    const conn = manualConnectivity(false);
    const s = behind(conn);
    const randoms = [0.25, 0.75];
    const { link } = setup(conn, { jitter: true, random: () => randoms.shift() ?? 0 });
    const outs = ['a', 'b', 'c'].map((id) => execute(ApolloLink.from([link, s.link]), { variables: { id } }));
    await flush();
    expect(s.requests).toHaveLength(3);
    conn.setOnline(true);
    await flush();
    expect(s.requests.map((r) => r.variables.id)).toEqual(['a', 'b', 'c', 'a']);
    await jest.advanceTimersByTimeAsync(250);
    expect(s.requests.map((r) => r.variables.id).slice(3)).toEqual(['a', 'b']);
    await jest.advanceTimersByTimeAsync(500);
    expect(s.requests.map((r) => r.variables.id).slice(3)).toEqual(['a', 'b', 'c']);
    await Promise.all(outs.map((o) => o.done));
    for (const o of outs) expect(o.next).toEqual([ok]);
  });

  test('partial data already received is shown at once when the device goes offline, not held through the outage', async () => {
    // The first answer has data and one failing field (held for a quick retry, 250 ms); the device
    // goes offline meanwhile. Waiting for the network would keep the data from the user for as
    // long as the outage lasts (maxPausedMs: 5 min); it is shown now, with the offline error.
    const conn = manualConnectivity(true);
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
    const s = behind(conn, () => partial);
    const { link, types } = setup(conn);
    const out = execute(ApolloLink.from([link, s.link]));
    await flush();
    conn.setOnline(false);
    await jest.advanceTimersByTimeAsync(250);
    await flush();
    expect(out.complete).toBe(true);
    expect(s.requests).toHaveLength(2);
    const [result] = out.next as Array<{ data: unknown }>;
    expect(result!.data).toEqual(partial.data);
    expect(getClassifications(result).map((c) => c.reason)).toEqual(expect.arrayContaining(['offline']));
    expect(types()).toEqual(['retry', 'give-up']);
    expect(link.circuitState).toBe('closed');
  });

  describe('the bound on a pause', () => {
    test('deadlineMs counts only online time: two minutes offline do not fail a 5 s deadline', async () => {
      const conn = manualConnectivity(false);
      const s = behind(conn);
      const { link } = setup(conn, { deadlineMs: 5000 });
      const out = execute(ApolloLink.from([link, s.link]));
      await jest.advanceTimersByTimeAsync(120_000);
      conn.setOnline(true);
      await flush();
      await out.done;
      expect(out.next).toEqual([ok]);
    });

    test('the deadline still bounds the time spent trying online, before and after the pause', async () => {
      const conn = manualConnectivity(true);
      let n = 0;
      const s = scripted((sink) => {
        n += 1;
        if (!conn.isOnline()) return sink.error(offlineFetch());
        answer(sink, serverError(503));
      });
      const { link, events } = setup(conn, { deadlineMs: 5000, maxAttempts: 10 });
      const out = execute(ApolloLink.from([link, s.link]));
      await flush(); // t=0: 503, retry at 1 s
      conn.setOnline(false);
      await jest.advanceTimersByTimeAsync(1000); // t=1 s: offline, paused (1 s of the deadline spent)
      await jest.advanceTimersByTimeAsync(60_000);
      conn.setOnline(true); // resumed: 503, retry after 2 s (3 s spent), then 4 s would pass 5 s
      await jest.advanceTimersByTimeAsync(2000);
      await out.done;
      expect(n).toBe(4);
      expect(events.map((e) => e.type)).toEqual(['retry', 'paused', 'resumed', 'retry', 'give-up']);
      expect(events.at(-1)).toMatchObject({ reason: 'deadline' });
      expect(getClassifications(out.error)[0]).toMatchObject({ reason: 'deadline-exceeded' });
    });

    test('maxPausedMs (default 5 min) ends a pause that lasts: network / offline, give-up reason offline', async () => {
      const conn = counting(false);
      const s = behind(conn);
      const { link, events } = setup(conn);
      const out = execute(ApolloLink.from([link, s.link]));
      await flush();
      expect(conn.listeners).toBe(2); // the circuit's early probe + the gate
      await jest.advanceTimersByTimeAsync(299_999);
      expect(out.error).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      await out.done;
      const [c] = getClassifications(out.error);
      expect(c).toMatchObject({
        category: 'network',
        reason: 'offline',
        retryable: true,
        details: { lastReason: 'fetch-failed', pausedMs: 300_000, maxPausedMs: 300_000, attempts: 1 },
      });
      expect(events.at(-1)).toMatchObject({ type: 'give-up', reason: 'offline', attempt: 1 });
      expect(link.circuitState).toBe('closed');
      expect(conn.listeners).toBe(1);
      link.dispose();
      expect(conn.listeners).toBe(0);
    });

    test('maxPausedMs counts every pause of the operation, and is per operation (context.retry)', async () => {
      const conn = manualConnectivity(false);
      let n = 0;
      const s = scripted((sink) => {
        n += 1;
        if (n === 2) conn.setOnline(false); // the network drops again as the resumed attempt goes out
        if (!conn.isOnline()) return sink.error(offlineFetch());
        answer(sink, ok);
      });
      const { link, types } = setup(conn);
      const out = execute(ApolloLink.from([link, s.link]), { context: { retry: { maxPausedMs: 10_000 } } });
      await jest.advanceTimersByTimeAsync(6000);
      conn.setOnline(true);
      await flush();
      expect(types()).toEqual(['paused', 'resumed', 'paused']);
      await jest.advanceTimersByTimeAsync(3999);
      expect(out.error).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      await out.done;
      expect(getClassifications(out.error)[0]).toMatchObject({ reason: 'offline', details: { pausedMs: 10_000 } });
    });

    test('maxPausedMs: Infinity waits until the network returns', async () => {
      const conn = manualConnectivity(false);
      const s = behind(conn);
      const { link } = setup(conn, { maxPausedMs: Infinity });
      const out = execute(ApolloLink.from([link, s.link]));
      await flush();
      expect(jest.getTimerCount()).toBe(0); // no timer while it waits
      await jest.advanceTimersByTimeAsync(24 * 3600_000);
      conn.setOnline(true);
      await flush();
      await out.done;
      expect(out.next).toEqual([ok]);
    });

    test('maxPausedMs: 0 means never pause: it fails at once as offline', async () => {
      const conn = manualConnectivity(false);
      const s = behind(conn);
      const { link, types } = setup(conn, { maxPausedMs: 0 });
      const out = execute(ApolloLink.from([link, s.link]));
      await flush();
      await out.done;
      expect(types()).toEqual(['give-up']);
      expect(getClassifications(out.error)[0]).toMatchObject({ reason: 'offline' });
    });
  });

  describe('teardown', () => {
    test('unsubscribing a paused operation removes it from the gate: nothing is sent when the network returns', async () => {
      const conn = counting(false);
      const s = behind(conn);
      const { link, types } = setup(conn);
      const gone = execute(ApolloLink.from([link, s.link]), { variables: { id: 'gone' } });
      const kept = execute(ApolloLink.from([link, s.link]), { variables: { id: 'kept' } });
      await flush();
      expect(conn.listeners).toBe(2);
      gone.unsubscribe();
      expect(jest.getTimerCount()).toBe(1); // only the kept operation's maxPausedMs timer
      conn.setOnline(true);
      await flush();
      await kept.done;
      expect(s.requests.map((r) => r.variables.id)).toEqual(['gone', 'kept', 'kept']);
      expect(types()).toEqual(['paused', 'paused', 'resumed']);
      expect(conn.listeners).toBe(1); // the gate stopped listening once nothing waits
      link.dispose();
      expect(conn.listeners).toBe(0);
    });

    test('unsubscribing the last paused operation releases the gate (no listener, no timer)', async () => {
      const conn = counting(false);
      const s = behind(conn);
      const { link } = setup(conn, { circuitBreaker: false });
      const out = execute(ApolloLink.from([link, s.link]));
      await flush();
      expect(conn.listeners).toBe(1);
      out.unsubscribe();
      expect(conn.listeners).toBe(0);
      expect(jest.getTimerCount()).toBe(0);
    });

    test('dispose() ends a paused operation with link-disposed and drops the gate', async () => {
      const conn = counting(false);
      const s = behind(conn);
      const { link } = setup(conn);
      const out = execute(ApolloLink.from([link, s.link]));
      await flush();
      link.dispose();
      await out.done;
      expect(getClassifications(out.error)[0]).toMatchObject({ reason: 'link-disposed' });
      expect(conn.listeners).toBe(0);
      conn.setOnline(true);
      await flush();
      expect(s.requests).toHaveLength(1);
    });

    test('a half-open probe that fails offline pauses and frees the probe slot (the outage is not the server)', async () => {
      const conn = manualConnectivity(true);
      const state = { failing: true };
      const s = scripted((sink) => {
        if (!conn.isOnline()) return sink.error(offlineFetch());
        answer(sink, state.failing ? serverError(503) : ok);
      });
      const { link, types } = setup(conn, {
        circuitBreaker: { failures: 1, initialProbeDelayMs: 1000 },
        jitter: true, // the burst is spread: the second resumes 500 ms after the probe
        random: () => 0.5,
      });
      const opener = execute(ApolloLink.from([link, s.link]), { context: { retry: { maxAttempts: 1 } } });
      await flush();
      await opener.done;
      conn.setOnline(false);
      await jest.advanceTimersByTimeAsync(1000);
      const first = execute(ApolloLink.from([link, s.link]), { variables: { id: 'a' } });
      await flush();
      expect(link.circuitState).toBe('half-open');
      // Without the release, this one would be rejected behind a probe that waits for the network.
      const second = execute(ApolloLink.from([link, s.link]), { variables: { id: 'b' } });
      await flush();
      expect(types().filter((t) => t === 'paused')).toHaveLength(2);
      state.failing = false;
      conn.setOnline(true);
      await jest.advanceTimersByTimeAsync(500);
      await Promise.all([first.done, second.done]);
      expect(first.next).toEqual([ok]); // the probe, resumed first: it closes the circuit
      expect(second.next).toEqual([ok]); // resumed after it: the circuit is closed
      expect(link.circuitState).toBe('closed');
    });

    test('a resume whose operation the circuit rejects fails fast, like a new operation', async () => {
      const conn = manualConnectivity(true);
      const state = { failing: true };
      const s = scripted((sink) => {
        if (!conn.isOnline()) return sink.error(offlineFetch());
        answer(sink, state.failing ? serverError(503) : ok);
      });
      const { link } = setup(conn, { circuitBreaker: { failures: 1, initialProbeDelayMs: 60_000 } });
      const opener = execute(ApolloLink.from([link, s.link]), { context: { retry: { maxAttempts: 1 } } });
      await flush();
      await opener.done;
      expect(link.circuitState).toBe('open');
      conn.setOnline(false);
      // Rejected without a request while open and offline: fail fast as before.
      const rejected = execute(ApolloLink.from([link, s.link]), { variables: { id: 'r' } });
      await flush();
      await rejected.done;
      expect(getClassifications(rejected.error)[0]).toMatchObject({ reason: 'circuit-open' });
      state.failing = false;
      conn.setOnline(true); // the early probe: the next operation is the probe, and closes the circuit
      const probe = execute(ApolloLink.from([link, s.link]), { variables: { id: 'p' } });
      await flush();
      await probe.done;
      expect(probe.next).toEqual([ok]);
      expect(link.circuitState).toBe('closed');
    });
  });

  describe('a listener that unsubscribes its operation (a UI that unmounts as it hears the event)', () => {
    // An app's listener may end the operation it hears about synchronously (React 17 renders
    // setState outside handlers at once; the component unmounts; useQuery unsubscribes). After
    // that, nothing of the operation may go on: no request, no timer, no wait at the gate, no
    // further event, and never a half-open probe slot taken and kept (every later operation would
    // be rejected with circuit-open for good).
    type Case = {
      on: ResilienceEvent['type'];
      /** Drives the victim to the event; the listener unsubscribes it there. */
      drive: (t: { conn: ManualConnectivity; state: { failing: boolean }; start: () => void }) => Promise<void>;
      circuitBreaker?: RetryBackoffLink.Options['circuitBreaker'];
    };
    const cases: Array<[string, Case]> = [
      [
        'retry (during the backoff)',
        {
          on: 'retry',
          drive: async ({ start }) => {
            start();
            await jest.advanceTimersByTimeAsync(10);
          },
        },
      ],
      [
        'paused (offline)',
        {
          on: 'paused',
          drive: async ({ conn, state, start }) => {
            state.failing = false;
            conn.setOnline(false);
            start();
            await jest.advanceTimersByTimeAsync(10);
            conn.setOnline(true);
          },
        },
      ],
      [
        "resumed (the network is back; the victim is due as the half-open circuit's probe)",
        {
          on: 'resumed',
          circuitBreaker: { failures: 1, initialProbeDelayMs: 1000 },
          drive: async ({ conn, state, start }) => {
            const opener = execute(ApolloLink.from([current!.link, current!.s.link]), {
              context: { retry: { maxAttempts: 1 } },
            });
            await jest.advanceTimersByTimeAsync(10);
            await opener.done; // the circuit is open
            conn.setOnline(false);
            await jest.advanceTimersByTimeAsync(1000);
            start(); // admitted as the probe, fails offline, pauses (the slot freed)
            await jest.advanceTimersByTimeAsync(10);
            state.failing = false;
            conn.setOnline(true); // it resumes, and would be the probe again
          },
        },
      ],
      [
        "circuit-half-open (its retry comes due as the circuit's probe)",
        {
          on: 'circuit-half-open',
          circuitBreaker: { failures: 1, initialProbeDelayMs: 500 },
          drive: async ({ state, start }) => {
            start(); // 503, retry in 1 s
            const opener = execute(ApolloLink.from([current!.link, current!.s.link]), {
              variables: { id: 'opener' },
              context: { retry: { maxAttempts: 1 } },
            });
            await jest.advanceTimersByTimeAsync(10);
            await opener.done; // the circuit opens; the probe is due in 500 ms
            state.failing = false;
            await jest.advanceTimersByTimeAsync(1000); // the victim's retry is admitted as the probe
          },
        },
      ],
    ];
    const VICTIM = parse('query Victim($id: ID) { po(id: $id) { id supplier } }');
    let current: { link: RetryBackoffLink; s: ReturnType<typeof scripted> } | undefined;

    test.each(cases)('on %s', async (_name, c) => {
      const conn = manualConnectivity(true);
      const state = { failing: true };
      const s = scripted((sink) => {
        const timer = setTimeout(() => {
          if (!conn.isOnline()) return sink.error(offlineFetch());
          answer(sink, state.failing ? serverError(503) : ok);
        }, 10);
        return () => clearTimeout(timer);
      });
      let victim: ReturnType<typeof execute> | undefined;
      let unsubscribedAt = -1;
      const events: ResilienceEvent[] = [];
      const link = new RetryBackoffLink({
        jitter: false,
        connectivity: conn,
        circuitBreaker: c.circuitBreaker ?? false,
        onEvent: (e) => {
          events.push(e);
          const mine = e.operationName === 'Victim' || e.type.startsWith('circuit');
          if (e.type === c.on && mine && victim && unsubscribedAt < 0) {
            unsubscribedAt = events.length;
            victim.unsubscribe();
          }
        },
      });
      current = { link, s };
      await c.drive({
        conn,
        state,
        start: () => {
          victim = execute(ApolloLink.from([link, s.link]), { query: VICTIM, variables: { id: 'victim' } });
        },
      });
      expect(unsubscribedAt).toBeGreaterThan(0);
      const sent = s.requests.filter((r) => r.variables.id === 'victim').length;
      await jest.advanceTimersByTimeAsync(600_000);
      expect(s.requests.filter((r) => r.variables.id === 'victim')).toHaveLength(sent); // nothing more sent
      expect(events.slice(unsubscribedAt).filter((e) => e.type !== 'circuit-close')).toEqual([]);
      expect(victim!.error).toBeUndefined();
      // The circuit (if any) lets the next operation through.
      state.failing = false;
      const after = execute(ApolloLink.from([link, s.link]), { variables: { id: 'after' } });
      await jest.advanceTimersByTimeAsync(10);
      await after.done;
      expect(after.next).toEqual([ok]);
      link.dispose();
    });
  });

  describe('mutations: the replay rules of today', () => {
    test('without a key, a fetch that failed offline is not replayed (it may have reached the server)', async () => {
      const conn = manualConnectivity(false);
      const s = behind(conn);
      const { link, types } = setup(conn);
      const out = execute(ApolloLink.from([link, s.link]), { query: MUTATION });
      await flush();
      await out.done;
      expect(s.requests).toHaveLength(1);
      expect(types()).toEqual(['give-up']);
      expect(getClassifications(out.error)[0]).toMatchObject({ category: 'network', reason: 'fetch-failed' });
    });

    test('with an idempotency key it pauses and resumes with the same key', async () => {
      const conn = manualConnectivity(false);
      const s = behind(conn, () => ({ data: { updatePo: { id: '1' } } }));
      const { link, types } = setup(conn, { idempotencyKey: { generate: () => 'key-1' } });
      const out = execute(ApolloLink.from([link, s.link]), { query: MUTATION });
      await flush();
      conn.setOnline(true);
      await flush();
      await out.done;
      expect(types()).toEqual(['paused', 'resumed']);
      expect(s.requests.map((r) => (r.context.headers as Record<string, string>)['Idempotency-Key'])).toEqual([
        'key-1',
        'key-1',
      ]);
      expect(out.next).toEqual([{ data: { updatePo: { id: '1' } } }]);
    });

    test('refused before sending (it cannot have run) it pauses without a key', async () => {
      const conn = manualConnectivity(false);
      const s = scripted((sink) =>
        conn.isOnline() ? answer(sink, { data: { updatePo: { id: '1' } } }) : sink.error(networkError('ECONNREFUSED')),
      );
      const { link, types } = setup(conn);
      const out = execute(ApolloLink.from([link, s.link]), { query: MUTATION });
      await flush();
      conn.setOnline(true);
      await flush();
      await out.done;
      expect(types()).toEqual(['paused', 'resumed']);
      expect(s.requests).toHaveLength(2);
    });
  });

  describe('the default connectivity source', () => {
    test("in a browser: navigator.onLine and the window's online/offline events", async () => {
      const g = globalThis as unknown as Record<string, unknown>;
      const listeners = new Map<string, () => void>();
      const nav = { onLine: false };
      const had = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
      g.addEventListener = (type: string, l: () => void) => listeners.set(type, l);
      g.removeEventListener = (type: string, l: () => void) => {
        if (listeners.get(type) === l) listeners.delete(type);
      };
      Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
      try {
        const s = scripted((sink) => (nav.onLine ? answer(sink, ok) : sink.error(offlineFetch())));
        const events: ResilienceEvent[] = [];
        const link = new RetryBackoffLink({ jitter: false, onEvent: (e) => events.push(e) });
        const out = execute(ApolloLink.from([link, s.link]));
        await flush();
        expect(events.map((e) => e.type)).toEqual(['paused']);
        nav.onLine = true;
        listeners.get('online')!();
        await flush();
        await out.done;
        expect(out.next).toEqual([ok]);
        link.dispose();
        expect(listeners.size).toBe(0);
      } finally {
        delete g.addEventListener;
        delete g.removeEventListener;
        if (had) Object.defineProperty(globalThis, 'navigator', had);
        else delete g.navigator;
      }
    });

    test('a source whose isOnline throws counts as online (network failures retried as before), reported once', async () => {
      const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      const conn = {
        isOnline: (): boolean => {
          throw new TypeError("Cannot read properties of null (reading 'isConnected')");
        },
        subscribe: () => () => undefined,
      };
      const s = scripted((sink, n) => (n < 3 ? sink.error(offlineFetch()) : answer(sink, ok)));
      const { link, types } = setup(conn);
      const out = execute(ApolloLink.from([link, s.link]));
      await jest.advanceTimersByTimeAsync(3000);
      await out.done;
      expect(out.next).toEqual([ok]);
      expect(types()).toEqual(['retry', 'retry']);
      expect(error).toHaveBeenCalledTimes(1);
      expect(String(error.mock.calls[0]![0])).toContain('the connectivity callback threw');
      error.mockRestore();
      link.dispose();
    });

    test('in Node (no window): always online, network failures are retried as before', async () => {
      const s = scripted((sink, n) => (n < 3 ? sink.error(offlineFetch()) : answer(sink, ok)));
      const events: ResilienceEvent[] = [];
      const link = new RetryBackoffLink({ jitter: false, onEvent: (e) => events.push(e) });
      const out = execute(ApolloLink.from([link, s.link]));
      await jest.advanceTimersByTimeAsync(3000);
      await out.done;
      expect(out.next).toEqual([ok]);
      expect(events.map((e) => e.type)).toEqual(['retry', 'retry']);
    });
  });
});
