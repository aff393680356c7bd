import { later, nonNegative } from '../later.js';

/** The subset of the Web Locks API we use (`navigator.locks`). */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: { mode?: 'exclusive'; signal?: AbortSignal },
    callback: () => Promise<T>,
  ): Promise<T>;
}

/** The subset of `BroadcastChannel` we use. */
export interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

export interface CrossTabOptions {
  /** The lock and channel name; tabs with the same name share one refresh. @defaultValue 'apollo-link-resilience:auth' */
  name?: string;
  /** A lock not granted within this time is abandoned and this tab refreshes on its own. @defaultValue 10000 */
  lockTimeoutMs?: number;
  /**
   * After sharing a new token the lock is held this much longer, so the message reaches the tabs
   * queued for the lock before they are granted it (they also re-read the stored token). At most
   * `lockTimeoutMs`, after which those tabs stop waiting anyway.
   * @defaultValue 50
   */
  handoffMs?: number;
  /**
   * Injected Web Locks (tests, polyfills). Used as given, wherever the code runs.
   * @defaultValue `navigator.locks` in a browser window or worker; none elsewhere (Node 24 has `navigator.locks`, but a server process is not a browser profile)
   */
  locks?: LockManagerLike;
  /**
   * Injected channel factory (tests, polyfills). Used as given, wherever the code runs.
   * @defaultValue `new BroadcastChannel(name)` in a browser window or worker; none elsewhere (Node's global BroadcastChannel spans every client of the process)
   */
  createChannel?: (name: string) => BroadcastChannelLike;
}

interface TokenMessage {
  type: 'apollo-link-resilience:token';
  token: string;
  replaces?: string;
}

function isTokenMessage(data: unknown): data is TokenMessage {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as TokenMessage).type === 'apollo-link-resilience:token' &&
    typeof (data as TokenMessage).token === 'string'
  );
}

/** Whether this code runs in a browser window or worker, where one origin's contexts are one person's tabs. */
function inBrowserContext(): boolean {
  const g = globalThis as { document?: unknown; WorkerGlobalScope?: unknown };
  return typeof g.document === 'object' || typeof g.WorkerGlobalScope === 'function';
}

/**
 * One refresh per browser origin: the tab that takes the Web Lock refreshes, and shares the new
 * token over a BroadcastChannel; a tab that gets the lock after another tab refreshed uses the
 * token it received instead of refreshing again.
 *
 * Active only with both a lock manager and a channel, which by default means a browser window or
 * worker: on a server (Node has a process-wide BroadcastChannel, and `navigator.locks` since 24)
 * the clients of one process are different users, and it is a no-op wrapper (single flight per link).
 */
export class CrossTabCoordinator {
  private readonly name: string;
  private readonly lockTimeoutMs: number;
  private readonly handoffMs: number;
  private readonly locks: LockManagerLike | undefined;
  private readonly channel: BroadcastChannelLike | undefined;
  /** Aborts what `run` is waiting for (the lock request, its timeout, the hand-off); set by `close`. */
  private readonly pending = new Set<() => void>();
  private closed = false;
  private readonly listener = (event: { data: unknown }) => {
    if (isTokenMessage(event.data)) this.onToken(event.data.token, event.data.replaces);
  };

  constructor(
    options: CrossTabOptions,
    private readonly onToken: (token: string, replaces: string | undefined) => void,
  ) {
    this.name = options.name ?? 'apollo-link-resilience:auth';
    this.lockTimeoutMs = nonNegative(options.lockTimeoutMs, 10_000);
    // Longer than lockTimeoutMs helps no one: the tabs queued for the lock stop waiting then.
    this.handoffMs = Math.min(nonNegative(options.handoffMs, 50), this.lockTimeoutMs);
    const browser = inBrowserContext();
    const locks =
      options.locks ??
      (browser ? (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks : undefined);
    const factory =
      options.createChannel ??
      (browser && typeof BroadcastChannel === 'function' ? (n: string) => new BroadcastChannel(n) : undefined);
    let channel: BroadcastChannelLike | undefined;
    try {
      // Half of it is worse than none: a channel without the lock shares tokens without coordinating.
      channel = locks ? factory?.(this.name) : undefined;
    } catch {
      channel = undefined;
    }
    this.locks = channel ? locks : undefined;
    this.channel = channel;
    this.channel?.addEventListener('message', this.listener);
    // Node's BroadcastChannel keeps the process alive; a token channel must not.
    (this.channel as { unref?: () => void } | undefined)?.unref?.();
  }

  /** Whether tabs are coordinated (a lock manager and a channel): otherwise refreshes stay within the link. */
  get coordinated(): boolean {
    return this.locks !== undefined;
  }

  /**
   * Runs `refresh` under the origin-wide lock. `alreadyRefreshed` is asked after the lock is
   * granted (it re-reads the token: the BroadcastChannel message may arrive after the lock)
   * granted: when another tab refreshed meanwhile, its token is returned without a refresh.
   */
  async run(
    refresh: () => Promise<string>,
    alreadyRefreshed: () => Promise<string | undefined>,
    replaces: string | undefined,
  ): Promise<{ token: string; source: 'this-tab' | 'other-tab' }> {
    const refreshAndShare = async () => {
      const token = await refresh();
      try {
        this.channel?.postMessage({ type: 'apollo-link-resilience:token', token, replaces } satisfies TokenMessage);
      } catch {
        // a closed channel only costs the other tabs a refresh of their own
      }
      return { token, source: 'this-tab' as const };
    };
    if (!this.locks) return refreshAndShare();
    const controller = typeof AbortController === 'function' ? new AbortController() : undefined;
    const timer = later(() => controller?.abort(), this.lockTimeoutMs);
    const stop = () => {
      clearTimeout(timer);
      controller?.abort();
    };
    this.pending.add(stop);
    let granted = false;
    // Web Locks reject a request aborted before its grant; a lock manager that ignores the signal is raced.
    const abandoned = new Promise<never>((_resolve, reject) =>
      controller?.signal.addEventListener('abort', () => granted || reject(controller.signal.reason)),
    );
    try {
      const locked = this.locks.request(this.name, { mode: 'exclusive', signal: controller?.signal }, async () => {
        // A turn granted after this tab gave up waiting is handed back at once.
        if (controller?.signal.aborted) return undefined;
        granted = true;
        clearTimeout(timer);
        const fresh = await alreadyRefreshed();
        if (fresh !== undefined) return { token: fresh, source: 'other-tab' as const };
        const shared = await refreshAndShare();
        if (this.handoffMs > 0 && !this.closed) await this.holdLock(this.handoffMs);
        return shared;
      });
      // The loser's rejection is no one's.
      locked.catch(() => undefined);
      abandoned.catch(() => undefined);
      const outcome = await Promise.race([locked, abandoned]);
      if (outcome) return outcome;
      throw controller?.signal.reason;
    } catch (error) {
      clearTimeout(timer);
      if (controller?.signal.aborted && !this.closed) {
        // The lock was held too long (a frozen tab): never deadlock, refresh here.
        const fresh = await alreadyRefreshed();
        if (fresh !== undefined) return { token: fresh, source: 'other-tab' };
        return await refreshAndShare();
      }
      throw error;
    } finally {
      this.pending.delete(stop);
    }
  }

  /** Keeps the lock a while longer (the hand-off); `close` releases it at once. */
  private holdLock(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.pending.delete(release);
        resolve();
      };
      const timer = later(release, ms);
      this.pending.add(release);
    });
  }

  /** Stops listening, closes the channel and abandons a pending lock request (no refresh after it). */
  close(): void {
    this.closed = true;
    for (const stop of [...this.pending]) stop();
    this.pending.clear();
    this.channel?.removeEventListener('message', this.listener);
    this.channel?.close();
  }
}
