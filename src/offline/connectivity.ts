// Is the device online? A small pluggable source that the retry policy (pause instead of spending an
// attempt) and the outbox (replay on reconnect) both read. No dependency: adapters are a few lines.
import { decideSafely, notify, reportCallbackError } from '../guard.js';

/**
 * A source of "is the network there?". `isOnline()` answers now; `subscribe` reports changes only
 * (never the current state on subscribing) and returns its unsubscribe function.
 *
 * "Online" means "worth trying", not "the server is reachable": a browser reports `online` on a
 * captive portal or a LAN without uplink. That is why a network failure while online still spends
 * the retry policy's attempts and stays bounded by `maxAttempts`/`deadlineMs`; only failures while
 * offline pause for free.
 *
 * @example React Native with `@react-native-community/netinfo` (no dependency of this package):
 * ```ts
 * import NetInfo from '@react-native-community/netinfo';
 * import { manualConnectivity } from 'apollo-link-resilience/offline';
 *
 * // One source for the whole app: `new RetryBackoffLink({ connectivity })` and the outbox's `connectivity`.
 * export const connectivity = manualConnectivity(true);
 * // isInternetReachable is null while unknown: treat unknown as online (try, and let retries bound it).
 * NetInfo.addEventListener((state) => connectivity.setOnline(state.isConnected !== false && state.isInternetReachable !== false));
 * ```
 *
 * @example A custom probe (a health endpoint polled while offline):
 * ```ts
 * const connectivity = manualConnectivity(navigator.onLine);
 * window.addEventListener('offline', () => connectivity.setOnline(false));
 * setInterval(async () => {
 *   if (connectivity.isOnline()) return;
 *   try { connectivity.setOnline((await fetch('/healthz', { cache: 'no-store' })).ok); } catch { }
 * }, 5000);
 * ```
 */
export interface Connectivity {
  /** The current state. */
  isOnline(): boolean;
  /** Calls `listener` on every change (not on subscribing); returns the unsubscribe function. */
  subscribe(listener: (online: boolean) => void): () => void;
}

/** A connectivity source that code (tests, an adapter, a probe) sets by hand. */
export interface ManualConnectivity extends Connectivity {
  /** Sets the state; listeners hear about it only if it changed. */
  setOnline(online: boolean): void;
}

/** The part of `window` that `browserConnectivity` reads (injectable for tests and workers). */
export interface ConnectivityTarget {
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
  navigator?: { onLine?: boolean };
}

export interface BrowserConnectivityOptions {
  /**
   * Where the `online`/`offline` events fire and `navigator.onLine` lives.
   * @defaultValue `globalThis` when it has `addEventListener` (a window or a worker); otherwise none, and
   * the source is inert and always online (Node, SSR)
   */
  target?: ConnectivityTarget;
}

/** The listeners of one source, each guarded: a throwing listener is reported once and never stops the others. */
class Listeners {
  private readonly set = new Set<(online: boolean) => void>();

  get size(): number {
    return this.set.size;
  }

  add(listener: (online: boolean) => void): () => boolean {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  emit(online: boolean): void {
    for (const listener of [...this.set]) notify('connectivity', listener, online);
  }
}

/** A connectivity source set by hand: `setOnline(false)` / `setOnline(true)`. */
export function manualConnectivity(initial = true): ManualConnectivity {
  let online = initial;
  const listeners = new Listeners();
  return {
    isOnline: () => online,
    subscribe: (listener) => {
      const remove = listeners.add(listener);
      return () => void remove();
    },
    setOnline: (next) => {
      if (next === online) return;
      online = next;
      listeners.emit(online);
    },
  };
}

function defaultTarget(): ConnectivityTarget | undefined {
  const g = globalThis as Partial<ConnectivityTarget>;
  return typeof g.addEventListener === 'function' && typeof g.removeEventListener === 'function'
    ? (g as ConnectivityTarget)
    : undefined;
}

/**
 * The browser's signals: `navigator.onLine` and the `online`/`offline` events of the window (or worker).
 * Where they do not exist (Node, SSR) the source is inert: always online, never changes, no listener.
 * Event listeners are attached only while someone subscribes, so an unused source holds nothing.
 */
export function browserConnectivity(options: BrowserConnectivityOptions = {}): Connectivity {
  const target = options.target ?? defaultTarget();
  if (!target) return { isOnline: () => true, subscribe: () => () => undefined };
  const read = () => target.navigator?.onLine !== false;
  const listeners = new Listeners();
  let last = read();
  const onOnline = () => changed(true);
  const onOffline = () => changed(false);
  function changed(online: boolean): void {
    if (online === last) return;
    last = online;
    listeners.emit(online);
  }
  return {
    isOnline: read,
    subscribe(listener) {
      if (listeners.size === 0) {
        last = read();
        target.addEventListener('online', onOnline);
        target.addEventListener('offline', onOffline);
      }
      const remove = listeners.add(listener);
      return () => {
        if (!remove() || listeners.size > 0) return;
        target.removeEventListener('online', onOnline);
        target.removeEventListener('offline', onOffline);
      };
    },
  };
}

/**
 * Calls `run` once the source is online: at once (synchronously) when it already is, otherwise on
 * the next change to online. Returns `cancel`, which drops the wait (an unsubscribed operation).
 */
export function whenOnline(connectivity: Connectivity, run: () => void): () => void {
  if (connectivity.isOnline()) {
    run();
    return () => undefined;
  }
  let waiting = true;
  const unsubscribe = connectivity.subscribe((online) => {
    if (!online || !waiting) return;
    waiting = false;
    unsubscribe();
    run();
  });
  return () => {
    if (!waiting) return;
    waiting = false;
    unsubscribe();
  };
}

/**
 * The delays (ms) before each of `count` paused operations resumes when the network returns, in the
 * order they paused: the first resumes at once (0), the others uniformly at random in `[0, spreadMs]`,
 * so a burst of a hundred paused queries does not hit a server that just came back in one millisecond.
 * A non-finite or negative `spreadMs` means no spread (all 0); `random` outside `[0, 1)` is clamped.
 */
export function resumeDelays(count: number, spreadMs: number, random: () => number = Math.random): number[] {
  const n = Number.isFinite(count) && count > 0 ? Math.floor(count) : 0;
  const spread = Number.isFinite(spreadMs) && spreadMs > 0 ? spreadMs : 0;
  const delays: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i === 0 || spread === 0) {
      delays.push(0);
      continue;
    }
    const r = random();
    const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
    delays.push(Math.round(unit * spread));
  }
  return delays;
}

export interface OnlineGateOptions {
  /** A burst of paused operations resumes spread over this window (the first at once). @defaultValue 1000 */
  spreadMs?: number;
  /** Source of randomness for the spread (tests). @defaultValue `Math.random` */
  random?: () => number;
}

/** Where operations wait while the device is offline (the retry policy's `paused` state). */
export interface OnlineGate {
  /**
   * Runs `resume` once the source is online: at once (synchronously) when it is, otherwise when it
   * comes back, spread over `spreadMs` with the other waiting operations in the order they paused.
   * Returns `cancel`: an unsubscribed operation is removed and never resumed.
   */
  wait(resume: () => void): () => void;
  /** Operations waiting now (paused, or resuming after their spread delay). */
  readonly size: number;
  /** The source's `isOnline()`, guarded: a source that throws counts as online, reported once. */
  readonly online: () => boolean;
  /** Drops every waiting operation without resuming it; clears timers and the subscription. */
  dispose(): void;
}

/**
 * Parks operations while offline and releases them when the network returns, with `resumeDelays`
 * across the burst. It listens to the source only while something waits, so an idle gate holds
 * nothing. A waiter whose spread delay ends while the source is offline again goes back to waiting.
 */
export function createOnlineGate(connectivity: Connectivity, options: OnlineGateOptions = {}): OnlineGate {
  const spreadMs = options.spreadMs ?? 1000;
  const random = options.random ?? Math.random;
  // A source that throws counts as online (try): a throw must not strand a waiter or escape a timer.
  // One function for `decideSafely`, so a throwing source is reported once, not on every read.
  const read = () => connectivity.isOnline();
  // A source whose `subscribe` threw can never say "online again": from then on it counts as
  // online, so a paused operation is sent at once and ends like an online failure, never stranded.
  let deaf = false;
  const online = () => deaf || decideSafely('connectivity', read, true);
  interface Waiter {
    resume: () => void;
    timer: ReturnType<typeof setTimeout> | undefined;
  }
  const waiting = new Set<Waiter>();
  let unsubscribe: (() => void) | undefined;

  const release = (waiter: Waiter) => {
    waiter.timer = undefined;
    if (!waiting.has(waiter)) return;
    if (!online()) return; // offline again: stays parked for the next `online`
    waiting.delete(waiter);
    sync();
    notify('resume', waiter.resume);
  };
  const onChange = (online: boolean) => {
    if (!online) return;
    const parked = [...waiting].filter((w) => w.timer === undefined);
    resumeDelays(parked.length, spreadMs, random).forEach((delay, i) => {
      const waiter = parked[i]!;
      if (delay === 0) release(waiter);
      else waiter.timer = setTimeout(() => release(waiter), delay);
    });
  };
  /** Subscribed exactly while something waits. */
  const sync = () => {
    if (waiting.size > 0 && !unsubscribe)
      try {
        unsubscribe = connectivity.subscribe(onChange);
      } catch (error) {
        reportCallbackError('connectivity', connectivity, error);
        deaf = true;
        onChange(true);
      }
    else if (waiting.size === 0 && unsubscribe) {
      unsubscribe();
      unsubscribe = undefined;
    }
  };
  return {
    wait(resume) {
      if (online()) {
        resume();
        return () => undefined;
      }
      const waiter: Waiter = { resume, timer: undefined };
      waiting.add(waiter);
      sync();
      return () => {
        if (!waiting.delete(waiter)) return;
        if (waiter.timer !== undefined) clearTimeout(waiter.timer);
        sync();
      };
    },
    get size() {
      return waiting.size;
    },
    online,
    dispose() {
      for (const waiter of waiting) if (waiter.timer !== undefined) clearTimeout(waiter.timer);
      waiting.clear();
      sync();
    },
  };
}
