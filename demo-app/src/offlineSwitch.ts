// The fault panel's "Offline" switch. A page cannot take its own browser offline, so the switch makes
// the app behave exactly as an offline browser does: the connectivity source the links read says
// offline (it follows the browser's own online/offline signals AND the switch), and the app's fetch
// fails the way an offline browser's fails, `TypeError('Failed to fetch')`, including requests that
// were on their way when the switch went on. Pure: the package's connectivity source, the browser's
// signals, fetch and storage are passed in (tested in Node with the real `manualConnectivity`).
import type { Connectivity, ManualConnectivity } from 'apollo-link-resilience/offline';

/** The part of `window` the switch reads: the browser's own `online`/`offline` signals. */
export interface BrowserSignals {
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  navigator?: { onLine?: boolean };
}

type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export interface OfflineSwitch {
  /** Online when the browser says online and the switch is off: give it to the outbox and the retry link. */
  readonly connectivity: Connectivity;
  /** For HttpLink and the token request: rejects like an offline browser while the switch is on. */
  readonly fetch: Fetch;
  /** The switch (the browser's own state aside). */
  isOn(): boolean;
  set(on: boolean): void;
  /** What the browser itself says. */
  browserOnline(): boolean;
  /** Hears every change of the switch or of the browser's state; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/** Where the switch is remembered, so a reload under the switch stays offline (as a reload of an offline browser does). */
export const SWITCH_KEY = 'ion-demo-offline-switch';

/** What an offline Chromium's fetch rejects with. */
export const offlineError = (): TypeError => new TypeError('Failed to fetch');

export function createOfflineSwitch(options: {
  /** The package's `manualConnectivity()`: the links read it. */
  source: ManualConnectivity;
  fetch: Fetch;
  signals?: BrowserSignals;
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
}): OfflineSwitch {
  const { source, signals, storage } = options;
  const realFetch = options.fetch;
  let on = storage?.getItem(SWITCH_KEY) === 'on';
  let browser = signals?.navigator?.onLine !== false;
  const listeners = new Set<() => void>();
  /** Requests on their way: cut when the switch goes on, as an offline browser cuts them. */
  const inflight = new Set<() => void>();

  const update = () => {
    source.setOnline(browser && !on);
    for (const listener of [...listeners]) listener();
  };
  signals?.addEventListener('online', () => {
    browser = true;
    update();
  });
  signals?.addEventListener('offline', () => {
    browser = false;
    update();
  });
  source.setOnline(browser && !on);

  const offlineFetch: Fetch = (input, init) => {
    if (on) return Promise.reject(offlineError());
    return new Promise<Response>((resolve, reject) => {
      const controller = new AbortController();
      const outer = init?.signal ?? undefined;
      const follow = () => controller.abort(outer?.reason);
      if (outer?.aborted) follow();
      else outer?.addEventListener('abort', follow, { once: true });
      const cut = () => {
        reject(offlineError());
        controller.abort();
      };
      inflight.add(cut);
      realFetch(input, { ...init, signal: controller.signal })
        .then(resolve, reject)
        .finally(() => {
          inflight.delete(cut);
          outer?.removeEventListener('abort', follow);
        });
    });
  };

  return {
    connectivity: { isOnline: () => source.isOnline(), subscribe: (listener) => source.subscribe(listener) },
    fetch: offlineFetch,
    isOn: () => on,
    set(next) {
      if (next === on) return;
      on = next;
      if (on) storage?.setItem(SWITCH_KEY, 'on');
      else storage?.removeItem(SWITCH_KEY);
      if (on) for (const cut of [...inflight]) cut();
      update();
    },
    browserOnline: () => browser,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
