import type { ResilienceEvent } from 'apollo-link-resilience';
import { manualConnectivity } from '../../../src/offline/connectivity';
import { eventText } from '../eventText';
import { SWITCH_KEY, createOfflineSwitch, type BrowserSignals } from '../offlineSwitch';
import { describeEntry, waitingText } from '../outboxView';

const AT = 1_000_000;
const ev = (
  type: string,
  details: Record<string, unknown> = {},
  operationName: string | undefined = 'UpdatePurchaseOrder',
): ResilienceEvent => ({ type, operationName, at: AT, ...details }) as unknown as ResilienceEvent;
const fetchFailed = {
  category: 'network',
  reason: 'fetch-failed',
  message: 'Failed to fetch',
  retryable: true,
  refreshable: false,
  remediation: 'r',
};

describe('event texts of the offline events', () => {
  test.each<[string, ResilienceEvent, string]>([
    [
      'a query paused offline',
      ev('paused', { attempt: 1, classification: fetchFailed, waiting: 1 }, 'PurchaseOrders'),
      'offline: attempt 1 failed (network · fetch-failed); waiting for the network, no attempt spent',
    ],
    [
      'one of a burst paused offline',
      ev('paused', { attempt: 2, classification: fetchFailed, waiting: 4 }, 'PurchaseOrders'),
      'offline: attempt 2 failed (network · fetch-failed); waiting for the network, no attempt spent (4 operations waiting)',
    ],
    [
      'resumed',
      ev('resumed', { attempt: 2, pausedMs: 3400 }, 'PurchaseOrders'),
      'back online: attempt 2 sent after 3.4 s paused',
    ],
    [
      'paused for longer than the link waits',
      ev('give-up', { attempt: 1, reason: 'offline', classification: fetchFailed }, 'PurchaseOrders'),
      'stopped after 1 attempt: offline for longer than the link waits for the network',
    ],
    [
      'a change kept offline',
      ev('outbox-enqueue', { id: 'e1', size: 3 }),
      'kept offline: the change waits to be sent (3 changes waiting)',
    ],
    [
      'the first replay',
      ev('outbox-replay', { id: 'e1', attempt: 1 }),
      'sending a change kept offline, with the Idempotency-Key it was made with',
    ],
    [
      'a replay after an unreachable one',
      ev('outbox-replay', { id: 'e1', attempt: 3 }),
      'sending a kept change again (replay 3), with the same Idempotency-Key',
    ],
    [
      'delivered',
      ev('outbox-delivered', { id: 'e1', result: { data: {} } }),
      'delivered: the server answered the kept change; it leaves the queue',
    ],
    [
      'unreachable',
      ev('outbox-unreachable', { id: 'e1', classification: fetchFailed }),
      'the server could not be reached (network · fetch-failed): the change stays queued',
    ],
    [
      'refused',
      ev('outbox-rejected', {
        id: 'e1',
        classification: { ...fetchFailed, category: 'validation', reason: 'invalid-value', status: 422 },
      }),
      'the server refused the kept change (validation · invalid-value (422)): removed from the queue',
    ],
    [
      'expired',
      ev('outbox-expired', { id: 'e1', ageMs: 90_000_000 }),
      'dropped a kept change after 25 h: too old to send',
    ],
    ['discarded', ev('outbox-discarded', { id: 'e1' }), 'discarded a kept change: it will not be sent'],
    [
      'storage',
      ev('outbox-storage-error', { classification: { ...fetchFailed, category: 'unknown', reason: 'quota' } }),
      'the outbox cannot use its storage (unknown · quota)',
    ],
  ])('%s', (_name, event, text) => {
    expect(eventText(event, AT)).toBe(text);
  });
});

describe('the outbox badge', () => {
  test('says how many changes wait, and nothing when none does', () => {
    expect([waitingText(0), waitingText(1), waitingText(3)]).toEqual(['', '1 change waiting', '3 changes waiting']);
  });

  const entry = {
    operationName: 'UpdatePurchaseOrder',
    variables: { input: { id: '5', _etag: 'abc', quantity: 50, notes: 'Deliver to dock 7', status: 'OPEN' } },
    enqueuedAt: AT - 12_000,
    attempts: 0,
  };
  test('names the record by its PO number, the values the change sets (no etag, no id) and its age', () => {
    expect(describeEntry(entry, AT, (id) => (id === '5' ? 'PO-1005' : undefined))).toEqual({
      title: 'PO-1005: quantity 50, notes “Deliver to dock 7”, status “OPEN”',
      detail: 'made 12 s ago, waiting to be sent',
    });
  });
  test('without a PO number, by operation and id; a change tried before says how it last failed', () => {
    const tried = {
      ...entry,
      enqueuedAt: AT - 150_000,
      attempts: 2,
      lastError: { category: 'network' as const, reason: 'fetch-failed', message: 'Failed to fetch' },
    };
    expect(describeEntry(tried, AT)).toEqual({
      title: 'UpdatePurchaseOrder #5: quantity 50, notes “Deliver to dock 7”, status “OPEN”',
      detail: 'made 2 min ago; 2 replay attempts, the last: network · fetch-failed',
    });
  });
  test('a change made less than a second ago was made just now', () => {
    expect(describeEntry({ ...entry, enqueuedAt: AT - 400 }, AT).detail).toBe('made just now, waiting to be sent');
  });
  test('variables without an input object are read as they are', () => {
    const flat = { ...entry, variables: { id: 9, quantity: 1 } };
    expect(describeEntry(flat, AT).title).toBe('UpdatePurchaseOrder #9: quantity 1');
  });
});

/** The browser's signals: a real EventTarget with a navigator beside it. */
function browser(onLine = true): BrowserSignals & { go(online: boolean): void } {
  const target = new EventTarget();
  const navigator = { onLine };
  return {
    navigator,
    addEventListener: (type, listener) => target.addEventListener(type, listener),
    go(online) {
      navigator.onLine = online;
      target.dispatchEvent(new Event(online ? 'online' : 'offline'));
    },
  };
}
function memory(): Storage {
  const map = new Map<string, string>();
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  } as Storage;
}

describe('the Offline switch', () => {
  const ok = () => Promise.resolve(new Response('{}'));

  test('offline when the switch is on or the browser says offline; online only when neither', () => {
    const signals = browser();
    const source = manualConnectivity(true);
    const s = createOfflineSwitch({ source, fetch: ok, signals });
    const heard: boolean[] = [];
    s.connectivity.subscribe((online) => heard.push(online));
    expect(s.connectivity.isOnline()).toBe(true);
    s.set(true);
    expect([s.isOn(), s.connectivity.isOnline()]).toEqual([true, false]);
    signals.go(false);
    s.set(false);
    expect([s.browserOnline(), s.connectivity.isOnline()]).toEqual([false, false]);
    signals.go(true);
    expect(s.connectivity.isOnline()).toBe(true);
    expect(heard).toEqual([false, true]);
  });

  test('a browser that starts offline starts the source offline', () => {
    const s = createOfflineSwitch({ source: manualConnectivity(true), fetch: ok, signals: browser(false) });
    expect(s.connectivity.isOnline()).toBe(false);
  });

  test('while on, fetch rejects like an offline browser, without a request', async () => {
    let requests = 0;
    const s = createOfflineSwitch({
      source: manualConnectivity(true),
      fetch: () => {
        requests++;
        return ok();
      },
    });
    s.set(true);
    await expect(s.fetch('/graphql')).rejects.toThrow(new TypeError('Failed to fetch'));
    expect(requests).toBe(0);
    s.set(false);
    await expect(s.fetch('/graphql')).resolves.toBeInstanceOf(Response);
    expect(requests).toBe(1);
  });

  test('a request on its way when the switch goes on fails to fetch, and its request is aborted', async () => {
    let signal: AbortSignal | undefined;
    const s = createOfflineSwitch({
      source: manualConnectivity(true),
      fetch: (_input, init) => {
        signal = init?.signal ?? undefined;
        return new Promise<Response>(() => undefined);
      },
    });
    const pending = s.fetch('/graphql');
    s.set(true);
    await expect(pending).rejects.toThrow(new TypeError('Failed to fetch'));
    expect(signal?.aborted).toBe(true);
  });

  test("the caller's abort reaches the request", async () => {
    let signal: AbortSignal | undefined;
    const s = createOfflineSwitch({
      source: manualConnectivity(true),
      fetch: (_input, init) => {
        signal = init?.signal ?? undefined;
        return new Promise<Response>((_resolve, reject) =>
          init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
        );
      },
    });
    const controller = new AbortController();
    const pending = s.fetch('/graphql', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toThrow('aborted');
    expect(signal?.aborted).toBe(true);
  });

  test('is remembered across a reload (storage), so the reloaded page starts offline', () => {
    const storage = memory();
    const first = createOfflineSwitch({ source: manualConnectivity(true), fetch: ok, storage });
    first.set(true);
    expect(storage.getItem(SWITCH_KEY)).toBe('on');
    const reloaded = createOfflineSwitch({ source: manualConnectivity(true), fetch: ok, storage });
    expect([reloaded.isOn(), reloaded.connectivity.isOnline()]).toEqual([true, false]);
    reloaded.set(false);
    expect(storage.getItem(SWITCH_KEY)).toBeNull();
  });

  test('tells its subscribers about the switch and the browser', () => {
    const signals = browser();
    const s = createOfflineSwitch({ source: manualConnectivity(true), fetch: ok, signals });
    let calls = 0;
    const stop = s.subscribe(() => calls++);
    s.set(true);
    signals.go(false);
    stop();
    s.set(false);
    expect(calls).toBe(2);
  });
});
