import fc from 'fast-check';
import { useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import {
  browserConnectivity,
  createOnlineGate,
  manualConnectivity,
  resumeDelays,
  whenOnline,
  type ConnectivityTarget,
} from '../connectivity';

useFakeTimersAndCheckTeardown();

/** A window stand-in: `online`/`offline` listeners and `navigator.onLine`. */
function fakeWindow(onLine: boolean | undefined = true) {
  const listeners = { online: new Set<() => void>(), offline: new Set<() => void>() };
  const target: ConnectivityTarget & { navigator: { onLine?: boolean } } = {
    navigator: onLine === undefined ? {} : { onLine },
    addEventListener: (type, fn) => void listeners[type].add(fn),
    removeEventListener: (type, fn) => void listeners[type].delete(fn),
  };
  const go = (online: boolean) => {
    target.navigator.onLine = online;
    for (const fn of [...listeners[online ? 'online' : 'offline']]) fn();
  };
  return { target, listeners, go, count: () => listeners.online.size + listeners.offline.size };
}

describe('manualConnectivity', () => {
  test('reports changes only, to every subscriber, until unsubscribed', () => {
    const c = manualConnectivity(true);
    const a: boolean[] = [];
    const b: boolean[] = [];
    const offA = c.subscribe((o) => a.push(o));
    c.subscribe((o) => b.push(o));
    c.setOnline(true); // no change
    c.setOnline(false);
    c.setOnline(false);
    offA();
    c.setOnline(true);
    expect(a).toEqual([false]);
    expect(b).toEqual([false, true]);
    expect(c.isOnline()).toBe(true);
  });

  test('defaults to online; a throwing listener is reported once and the others still hear', () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const c = manualConnectivity();
    const heard: boolean[] = [];
    c.subscribe(() => {
      throw new Error('listener bug');
    });
    c.subscribe((o) => heard.push(o));
    c.setOnline(false);
    c.setOnline(true);
    expect(heard).toEqual([false, true]);
    expect(error).toHaveBeenCalledTimes(1);
    error.mockRestore();
  });
});

describe('browserConnectivity', () => {
  test('reads navigator.onLine and reports the online/offline events', () => {
    const w = fakeWindow(true);
    const c = browserConnectivity({ target: w.target });
    const seen: boolean[] = [];
    const off = c.subscribe((o) => seen.push(o));
    w.go(false);
    expect(c.isOnline()).toBe(false);
    w.go(false); // a repeated event is not a change
    w.go(true);
    off();
    expect(seen).toEqual([false, true]);
  });

  test('attaches window listeners only while subscribed (no leak), detaches after the last one', () => {
    const w = fakeWindow(true);
    const c = browserConnectivity({ target: w.target });
    expect(w.count()).toBe(0);
    const off1 = c.subscribe(() => undefined);
    const off2 = c.subscribe(() => undefined);
    expect(w.count()).toBe(2);
    off1();
    off1(); // twice is harmless
    expect(w.count()).toBe(2);
    off2();
    expect(w.count()).toBe(0);
  });

  test('a change while nobody listened is not reported to a later subscriber', () => {
    const w = fakeWindow(true);
    const c = browserConnectivity({ target: w.target });
    w.target.navigator.onLine = false;
    const seen: boolean[] = [];
    const off = c.subscribe((o) => seen.push(o));
    w.go(false);
    expect(seen).toEqual([]);
    w.go(true);
    expect(seen).toEqual([true]);
    off();
  });

  test.each([
    ['navigator.onLine true', true, true],
    ['navigator.onLine false', false, false],
    ['no navigator.onLine (unknown is online)', undefined, true],
  ])('%s', (_name, onLine, expected) => {
    expect(browserConnectivity({ target: fakeWindow(onLine).target }).isOnline()).toBe(expected);
  });

  test('in Node (no window events) it is inert and always online', () => {
    expect(typeof (globalThis as { addEventListener?: unknown }).addEventListener).toBe('undefined');
    const c = browserConnectivity();
    const listener = jest.fn();
    const off = c.subscribe(listener);
    expect(c.isOnline()).toBe(true);
    off();
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('whenOnline', () => {
  test('runs at once when online', () => {
    const run = jest.fn();
    whenOnline(manualConnectivity(true), run);
    expect(run).toHaveBeenCalledTimes(1);
  });

  test('waits for the change to online, runs once, and unsubscribes', () => {
    const c = manualConnectivity(false);
    const subscribe = jest.spyOn(c, 'subscribe');
    const run = jest.fn();
    whenOnline(c, run);
    c.setOnline(false);
    expect(run).not.toHaveBeenCalled();
    c.setOnline(true);
    c.setOnline(false);
    c.setOnline(true);
    expect(run).toHaveBeenCalledTimes(1);
    expect(subscribe).toHaveBeenCalledTimes(1);
  });

  test('cancel drops the wait (an unsubscribed paused operation never resumes)', () => {
    const w = fakeWindow(false);
    const c = browserConnectivity({ target: w.target });
    const run = jest.fn();
    const cancel = whenOnline(c, run);
    expect(w.count()).toBe(2);
    cancel();
    cancel();
    expect(w.count()).toBe(0);
    w.go(true);
    expect(run).not.toHaveBeenCalled();
  });
});

describe('resumeDelays', () => {
  test.each([
    ['nobody paused', 0, 1000, [0.5], []],
    ['one paused resumes at once', 1, 1000, [0.9], [0]],
    ['a burst: the first at once, the others spread', 4, 1000, [0.25, 0.5, 0.999], [0, 250, 500, 999]],
    ['no spread', 3, 0, [0.5], [0, 0, 0]],
    ['negative spread', 2, -5, [0.5], [0, 0]],
    ['non-finite spread', 2, Number.POSITIVE_INFINITY, [0.5], [0, 0]],
    ['random above 1 is clamped', 2, 100, [7], [0, 100]],
    ['random NaN counts as 0', 2, 100, [Number.NaN], [0, 0]],
    ['a fractional count is floored', 2.7, 100, [0.5], [0, 50]],
    ['a negative count is none', -3, 100, [0.5], []],
  ])('%s', (_name, count, spread, randoms, expected) => {
    let i = 0;
    const random = () => randoms[Math.min(i++, randoms.length - 1)]!;
    expect(resumeDelays(count, spread, random)).toEqual(expected);
  });

  test('property: one delay per paused operation, within [0, spreadMs], the first at 0', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.double({ min: -1, max: 2, noNaN: true }),
        (count, spread, r) => {
          const delays = resumeDelays(count, spread, () => r);
          expect(delays).toHaveLength(count);
          if (count > 0) expect(delays[0]).toBe(0);
          for (const d of delays) {
            expect(Number.isInteger(d)).toBe(true);
            expect(d).toBeGreaterThanOrEqual(0);
            expect(d).toBeLessThanOrEqual(spread);
          }
        },
      ),
    );
  });
});

describe('createOnlineGate (paused operations)', () => {
  const sequence = (...values: number[]) => {
    let i = 0;
    return () => values[Math.min(i++, values.length - 1)]!;
  };

  test('online: runs at once and holds nothing', () => {
    const w = fakeWindow(true);
    const gate = createOnlineGate(browserConnectivity({ target: w.target }));
    const run = jest.fn();
    gate.wait(run);
    expect(run).toHaveBeenCalledTimes(1);
    expect(gate.size).toBe(0);
    expect(w.count()).toBe(0);
  });

  test('offline: parked; on reconnect the first resumes at once, the rest spread, in pause order', async () => {
    const w = fakeWindow(false);
    const gate = createOnlineGate(browserConnectivity({ target: w.target }), {
      spreadMs: 1000,
      random: sequence(0.6, 0.2),
    });
    const resumed: string[] = [];
    for (const name of ['a', 'b', 'c']) gate.wait(() => resumed.push(name));
    expect(gate.size).toBe(3);
    expect(w.count()).toBe(2);
    w.go(true);
    expect(resumed).toEqual(['a']);
    await jest.advanceTimersByTimeAsync(200);
    expect(resumed).toEqual(['a', 'c']); // c drew 200 ms, b 600 ms
    await jest.advanceTimersByTimeAsync(400);
    expect(resumed).toEqual(['a', 'c', 'b']);
    expect(gate.size).toBe(0);
    expect(w.count()).toBe(0); // unsubscribed once nothing waits
  });

  test('cancel while paused: removed, never resumed, and the last cancel unsubscribes', () => {
    const w = fakeWindow(false);
    const gate = createOnlineGate(browserConnectivity({ target: w.target }));
    const run = jest.fn();
    const cancel = gate.wait(run);
    cancel();
    cancel();
    expect(gate.size).toBe(0);
    expect(w.count()).toBe(0);
    w.go(true);
    expect(run).not.toHaveBeenCalled();
  });

  test('cancel during the spread delay clears its timer', async () => {
    const c = manualConnectivity(false);
    const gate = createOnlineGate(c, { spreadMs: 1000, random: () => 0.5 });
    gate.wait(() => undefined);
    const late = jest.fn();
    const cancel = gate.wait(late);
    c.setOnline(true);
    expect(jest.getTimerCount()).toBe(1);
    cancel();
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(1000);
    expect(late).not.toHaveBeenCalled();
  });

  test('offline again before its turn: it stays parked and resumes on the next reconnect', async () => {
    const c = manualConnectivity(false);
    const gate = createOnlineGate(c, { spreadMs: 1000, random: () => 0.5 });
    const resumed: string[] = [];
    gate.wait(() => resumed.push('a'));
    gate.wait(() => resumed.push('b'));
    c.setOnline(true);
    c.setOnline(false);
    await jest.advanceTimersByTimeAsync(500);
    expect(resumed).toEqual(['a']);
    expect(gate.size).toBe(1);
    c.setOnline(true);
    expect(resumed).toEqual(['a', 'b']); // alone in its burst: at once
    expect(gate.size).toBe(0);
  });

  test('a throwing resume is reported and does not stop the others; dispose drops the rest', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const c = manualConnectivity(false);
    const gate = createOnlineGate(c, { spreadMs: 0 });
    const after = jest.fn();
    gate.wait(() => {
      throw new Error('resume bug');
    });
    gate.wait(after);
    c.setOnline(true);
    expect(after).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledTimes(1);
    c.setOnline(false);
    const dropped = jest.fn();
    gate.wait(dropped);
    gate.wait(dropped);
    gate.dispose();
    c.setOnline(true);
    expect(dropped).not.toHaveBeenCalled();
    expect(gate.size).toBe(0);
    error.mockRestore();
  });

  test('a source whose isOnline throws counts as online (guarded like every user callback): the burst resumes, nothing escapes', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const inner = manualConnectivity(false);
    const state = { broken: false };
    // A NetInfo adapter whose state object went away: isOnline throws from now on.
    const c = {
      isOnline: () => {
        if (state.broken) throw new TypeError("Cannot read properties of null (reading 'isConnected')");
        return inner.isOnline();
      },
      subscribe: inner.subscribe,
    };
    const gate = createOnlineGate(c, { spreadMs: 1000, random: () => 0.5 });
    const resumed: string[] = [];
    for (const name of ['a', 'b']) gate.wait(() => resumed.push(name));
    state.broken = true;
    inner.setOnline(true);
    await jest.advanceTimersByTimeAsync(500); // b's spread timer: the throw must not escape it
    expect(resumed).toEqual(['a', 'b']);
    expect(gate.size).toBe(0);
    const run = jest.fn();
    gate.wait(run); // counts as online: at once
    expect(run).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledTimes(1); // reported once
    error.mockRestore();
  });

  test('property: every waiter not cancelled resumes exactly once, cancelled ones never; nothing is left behind', async () => {
    type Step =
      { op: 'wait' } | { op: 'cancel'; pick: number } | { op: 'net'; online: boolean } | { op: 'advance'; ms: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.constant({ op: 'wait' as const }),
      fc.nat().map((pick) => ({ op: 'cancel' as const, pick })),
      fc.boolean().map((online) => ({ op: 'net' as const, online })),
      fc.integer({ min: 0, max: 1500 }).map((ms) => ({ op: 'advance' as const, ms })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), fc.boolean(), async (steps, startOnline) => {
        const w = fakeWindow(startOnline);
        const gate = createOnlineGate(browserConnectivity({ target: w.target }), { spreadMs: 1000 });
        const waiters: Array<{ runs: number; cancelled: boolean; cancel: () => void }> = [];
        for (const s of steps) {
          if (s.op === 'wait') {
            const waiter: { runs: number; cancelled: boolean; cancel: () => void } = {
              runs: 0,
              cancelled: false,
              cancel: () => undefined,
            };
            waiter.cancel = gate.wait(() => (waiter.runs += 1));
            waiters.push(waiter);
          } else if (s.op === 'cancel') {
            const live = waiters.filter((x) => !x.cancelled && x.runs === 0);
            const x = live[s.pick % Math.max(live.length, 1)];
            if (x) {
              x.cancelled = true;
              x.cancel();
            }
          } else if (s.op === 'net') {
            if (s.online !== w.target.navigator.onLine) w.go(s.online);
          } else await jest.advanceTimersByTimeAsync(s.ms);
          for (const x of waiters) expect(x.runs).toBeLessThanOrEqual(1);
        }
        if (!w.target.navigator.onLine) w.go(true);
        await jest.advanceTimersByTimeAsync(1000);
        for (const x of waiters) expect(x.runs).toBe(x.cancelled ? 0 : 1);
        expect(gate.size).toBe(0);
        expect(w.count()).toBe(0);
        expect(jest.getTimerCount()).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});
