// The token, as a promise-level object any transport can share: reading it, refreshing it single
// flight (before expiry, after a rejection, when there is none), across tabs, and signing out.
import { readAnnotations, ResilienceError } from '../classify/annotations.js';
import { redact } from '../classify/redact.js';
import { rememberSecret } from '../classify/secrets.js';
import type { Classification } from '../classify/types.js';
import { emit, type AuthFailureEvent, type EventListener, type RefreshReason } from '../core/events.js';
import { ask, notify } from '../guard.js';
import { disposedError } from '../lifecycle.js';
import { nonNegative } from '../later.js';
import { CrossTabCoordinator, type CrossTabOptions } from './crossTab.js';
import { jwtExpiryMs } from './jwt.js';

export declare namespace TokenManager {
  type TokenValue = string | null | undefined;

  interface Options {
    /** The current token, or none. Called before every request; an async answer is bounded by `refreshTimeoutMs`. @defaultValue required */
    getToken: () => TokenValue | Promise<TokenValue>;
    /** Gets a new token; called single-flight (one call at a time per manager, per origin with `crossTab`). @defaultValue required */
    refresh: (context: { failedToken: string | undefined; reason: RefreshReason }) => Promise<string>;
    /**
     * When `getToken` has no token, obtain one with `refresh` (single flight, reason `'missing'`)
     * before sending. `false` sends without a token (an API that allows anonymous access).
     * @defaultValue true
     */
    refreshWhenMissing?: boolean;
    /** A JWT whose `exp` is this close is refreshed before sending; opaque tokens never are. @defaultValue 30000 */
    refreshBeforeExpiryMs?: number;
    /**
     * A `refresh`, or an asynchronous `getToken`, that takes longer fails the operations waiting for
     * it (reason `refresh-timeout` / `token-timeout`), so nothing waits forever. @defaultValue 30000
     */
    refreshTimeoutMs?: number;
    /**
     * One refresh across all tabs of the origin (Web Locks + BroadcastChannel). Active only where
     * both exist in a browser window or worker; on a server it is ignored (the clients of one
     * process are different users). A token another tab shares is taken only when it replaces the
     * token this manager holds. @defaultValue false
     */
    crossTab?: boolean | CrossTabOptions;
    /** Called once per failed refresh, per non-refreshable auth failure, and per 401 after a fresh token: log out, re-authenticate. @defaultValue none */
    onAuthFailure?: (classification: Classification) => void;
    /** Every event of this manager (`refresh-start`, `refresh-success`, `refresh-failure`, `auth-failure`), in one stream. @defaultValue none */
    onEvent?: EventListener;
  }
}

/** The token's state and its refresh logic, behind `TokenManager` (the auth policy uses it directly). */
export class TokenState {
  readonly refreshWhenMissing: boolean;
  private readonly options: TokenManager.Options;
  private readonly refreshBeforeExpiryMs: number;
  private readonly refreshTimeoutMs: number;
  private readonly crossTab: CrossTabCoordinator | undefined;
  private readonly listeners = new Set<(token: string) => void>();
  private inflight: Promise<string> | undefined;
  private inflightReason: RefreshReason | undefined;
  /** Ends each `getToken` read still waiting (for dispose). */
  private readonly reads = new Set<() => void>();
  /** Whether some waiter of the running refresh treats its failure as the operation's answer (onAuthFailure once). */
  private inflightReported = false;
  private waiting = 0;
  /** Tokens a refresh replaced. */
  private readonly staleTokens = new Set<string>();
  /** The token the last refresh (or another tab) returned, and whether `getToken` has returned it since. */
  private refreshedToken: string | undefined;
  private appKnowsRefreshed = false;
  /** The token last sent or adopted: a token another tab shares is taken only as its successor. */
  private held: string | undefined;
  /** Bumped by `clear()`: a refresh started before a sign-out is not kept. */
  private generation = 0;
  private cancelRefresh: (() => void) | undefined;
  private disposed = false;
  /** `getToken`'s last string, the token sent for it, and when that is due for refresh: checked once. */
  private lastSent: { raw: string; token: string; refreshAt: number } | undefined;

  constructor(options: TokenManager.Options) {
    if (!options || typeof options.getToken !== 'function' || typeof options.refresh !== 'function') {
      throw new TypeError('AuthRefreshLink / TokenManager: `getToken` and `refresh` functions are required');
    }
    this.options = options;
    this.refreshBeforeExpiryMs = nonNegative(options.refreshBeforeExpiryMs, 30_000);
    this.refreshTimeoutMs = nonNegative(options.refreshTimeoutMs, 30_000);
    this.refreshWhenMissing = options.refreshWhenMissing ?? true;
    if (options.crossTab) {
      // Never another user's token: only a successor of the one this manager holds is adopted.
      const coordinator = new CrossTabCoordinator(
        options.crossTab === true ? {} : options.crossTab,
        (token, replaces) => {
          if (replaces !== undefined && replaces === this.held) this.adopt(token, replaces);
        },
      );
      this.crossTab = coordinator.coordinated ? coordinator : undefined;
    }
  }

  /** A new token, single flight (a refresh already running is shared). `failedToken` is the token that was rejected. */
  refresh(reason: RefreshReason = 'rejected', failedToken?: string): Promise<string> {
    return this.refreshFor(failedToken ?? this.held, reason, undefined, false);
  }

  /** Calls `listener` with every new token (a refresh here or in another tab); returns the unsubscribe function. */
  onToken(listener: (token: string) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * Signs out: forgets every token this manager refreshed, adopted or sent, so the next operation
   * uses only what `getToken` returns (none: no token, or a `'missing'` refresh with
   * `refreshWhenMissing`). A refresh still running is not kept when it settles.
   */
  clear(): void {
    this.generation += 1;
    this.refreshedToken = undefined;
    this.appKnowsRefreshed = false;
    this.staleTokens.clear();
    this.held = undefined;
    this.lastSent = undefined;
  }

  /**
   * Stops listening to other tabs and ends a running refresh: its waiters fail with the disposed
   * error (nothing waits forever), and no auth failure is reported for it (disposing is not a logout).
   */
  dispose(): void {
    this.disposed = true;
    for (const stop of [...this.reads]) stop();
    this.crossTab?.close();
    this.cancelRefresh?.();
    this.cancelRefresh = undefined;
  }

  /** Whether a refresh is running (operations starting now wait for it). */
  get refreshing(): boolean {
    return this.inflight !== undefined;
  }

  /** Calls the app's `getToken` (it may throw: the caller reports it). */
  readRaw(): ReturnType<TokenManager.Options['getToken']> {
    return this.options.getToken();
  }

  /**
   * The token to send right away: `getToken` answered synchronously, no refresh is running and the
   * token is not expiring. `undefined` means the operation must wait (`obtain`).
   */
  readyNow(raw: ReturnType<TokenManager.Options['getToken']> | undefined): string | undefined {
    if (this.inflight) return undefined;
    const last = this.lastSent;
    if (last !== undefined && raw === last.raw && (last.refreshAt === Infinity || Date.now() < last.refreshAt))
      return last.token;
    if (raw !== undefined && raw !== null && typeof raw !== 'string') return undefined; // a promise
    const token = this.effectiveToken(raw);
    if (token === undefined || this.expiring(token)) return undefined;
    if (typeof raw === 'string') {
      const expiresAt = jwtExpiryMs(token);
      this.lastSent = {
        raw,
        token,
        refreshAt: expiresAt === undefined ? Infinity : expiresAt - this.refreshBeforeExpiryMs,
      };
    }
    return token;
  }

  /** The token an operation is sent with (what a 401 in its outcome refers to). */
  markSent(token: string | undefined): void {
    this.held = token;
    rememberSecret(token);
  }

  /**
   * The token to send after waiting: for a running refresh, an asynchronous `getToken` (`pending`),
   * a missing token's refresh, or an expiring token's. `setCancel` receives how to stop reading.
   */
  async obtain(
    operationName: string | undefined,
    pending?: PromiseLike<TokenManager.TokenValue>,
    setCancel?: (cancel: () => void) => void,
  ): Promise<string | undefined> {
    // Operations that start during a refresh wait for it, and share its failure; but a failed refresh
    // before expiry leaves the token valid: then they are sent with it, as the one that started it is.
    let early: { error: unknown } | undefined;
    if (this.inflight) {
      const before = this.inflightReason === 'expiring';
      try {
        await this.waitFor(this.inflight);
      } catch (error) {
        if (!before) throw error;
        early = { error };
      }
    }
    let token = await this.read(pending, setCancel);
    if (early) {
      if (token !== undefined && !this.expiring(token)?.expired) return token;
      throw early.error;
    }
    // No token yet: obtain one first rather than collect a 401 (the refresh failure is the answer).
    if (token === undefined && this.refreshWhenMissing)
      token = await this.waitFor(this.refreshFor(undefined, 'missing', operationName, true));
    const expiry = this.expiring(token);
    if (expiry) {
      try {
        token = await this.waitFor(this.refreshFor(token, 'expiring', operationName, expiry.expired));
      } catch (refreshError) {
        // Still valid for a while: send it; already expired: the refresh failure is the answer.
        if (expiry.expired) throw refreshError;
      }
    }
    return token;
  }

  /**
   * After a rejected token: the token `getToken` has now if it is another one (someone refreshed),
   * else a refresh. Its failure calls `onAuthFailure`.
   */
  async replacement(
    rejected: string | undefined,
    operationName: string | undefined,
    setCancel?: (cancel: () => void) => void,
  ): Promise<string> {
    const current = await this.read(undefined, setCancel);
    if (current !== undefined && current !== rejected) return current;
    return this.waitFor(this.refreshFor(rejected, 'rejected', operationName, true));
  }

  /** Tokens to redact from messages. */
  secrets(...tokens: Array<string | undefined>): string[] {
    return [...tokens, this.refreshedToken].filter((t): t is string => typeof t === 'string');
  }

  /** A failure no new token fixes: the `auth-failure` event and `onAuthFailure`. */
  authFailure(classification: Classification, operationName: string | undefined): void {
    emit(this.options.onEvent, 'auth-failure', operationName, { classification } satisfies Partial<AuthFailureEvent>);
    notify('onAuthFailure', this.options.onAuthFailure, classification);
  }

  /** `getToken` threw or rejected: the operation cannot be authenticated. */
  tokenUnavailable(error: unknown): ResilienceError {
    return new ResilienceError(
      {
        category: 'unauthenticated',
        reason: 'token-unavailable',
        message: redact(
          `The access token could not be read: ${error instanceof Error ? error.message : String(error)}`,
          this.secrets(),
        ),
        retryable: false,
        refreshable: false,
        remediation: "Sign in again; if it persists, check the app's token storage (getToken threw).",
      },
      { cause: error },
    );
  }

  private read(
    pending: PromiseLike<TokenManager.TokenValue> | undefined,
    setCancel?: (cancel: () => void) => void,
  ): Promise<string | undefined> {
    if (this.disposed) return Promise.reject(disposedError('TokenManager'));
    const read = ask(
      () => pending ?? this.options.getToken(),
      this.refreshTimeoutMs,
      () => this.timedOut('token-timeout', 'getToken'),
    );
    // dispose() ends the wait with an error (cancelling alone would leave the caller waiting forever).
    let stop!: () => void;
    const stopped = new Promise<never>((_resolve, reject) => {
      stop = () => {
        read.cancel();
        reject(disposedError('TokenManager'));
      };
    });
    this.reads.add(stop);
    // The operation stopped waiting (unsubscribed): nothing of this read is kept.
    setCancel?.(() => {
      read.cancel();
      this.reads.delete(stop);
    });
    return Promise.race([read.promise, stopped])
      .finally(() => this.reads.delete(stop))
      .then(
        (raw) => this.effectiveToken(raw),
        (error: unknown) => {
          // A token source's own auth verdict (clientCredentials: invalid_client) is reported like a failed
          // refresh, once for all the reads that share it; not a slow getToken (token-timeout).
          const verdict = readAnnotations(error)?.[0];
          if (
            verdict?.category === 'unauthenticated' &&
            verdict.reason !== 'token-timeout' &&
            !reported.has(error as object)
          ) {
            reported.add(error as object);
            this.authFailure(verdict, undefined);
          }
          throw error;
        },
      );
  }

  private async waitFor<T>(promise: Promise<T>): Promise<T> {
    this.waiting += 1;
    try {
      return await promise;
    } finally {
      this.waiting -= 1;
    }
  }

  private adopt(token: string, replaces: string | undefined): void {
    this.lastSent = undefined;
    this.held = token;
    if (replaces) this.staleTokens.add(replaces);
    if (this.refreshedToken && this.refreshedToken !== token) this.staleTokens.add(this.refreshedToken);
    this.refreshedToken = token;
    this.appKnowsRefreshed = false;
    if (this.staleTokens.size > 32) this.staleTokens.delete(this.staleTokens.values().next().value as string);
    for (const listener of [...this.listeners]) notify('onToken', listener, token);
  }

  private timedOut(reason: 'refresh-timeout' | 'token-timeout', what: string): ResilienceError {
    return new ResilienceError({
      category: 'unauthenticated',
      reason,
      message: `${what} took longer than ${this.refreshTimeoutMs} ms`,
      retryable: false,
      refreshable: false,
      remediation: 'The token source did not answer; sign in again or check the identity provider.',
    });
  }

  /**
   * The token to send for what `getToken` answered: a refreshed token replaces a stale one, and a
   * missing one while the app has not seen the refreshed token yet (after it has, none means signed out).
   */
  private effectiveToken(raw: TokenManager.TokenValue): string | undefined {
    const token = typeof raw === 'string' && raw.length > 0 ? raw : undefined;
    const refreshed = this.refreshedToken;
    if (refreshed === undefined) return token;
    if (token === refreshed) this.appKnowsRefreshed = true;
    else if (token === undefined ? !this.appKnowsRefreshed : this.staleTokens.has(token)) return refreshed;
    return token;
  }

  /** Whether the token must be refreshed before it is sent (a JWT close to its `exp`). */
  private expiring(token: string | undefined): { expired: boolean } | undefined {
    const expiresAt = token !== undefined ? jwtExpiryMs(token) : undefined;
    if (expiresAt === undefined || expiresAt - Date.now() > this.refreshBeforeExpiryMs) return undefined;
    return { expired: expiresAt <= Date.now() };
  }

  private failedRefreshClassification(error: unknown, failedToken: string | undefined): Classification {
    // A token source's own classified failure (clientCredentials: invalid_client…) is kept.
    const cause = readAnnotations(error)?.[0];
    if (cause && cause.category === 'unauthenticated') return { ...cause, refreshable: false, retryable: false };
    const timedOut = cause?.reason === 'refresh-timeout';
    const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
    return {
      category: 'unauthenticated',
      reason: timedOut ? 'refresh-timeout' : 'refresh-failed',
      message: redact(`Token refresh failed: ${message || 'unknown error'}`, this.secrets(failedToken)),
      retryable: false,
      refreshable: false,
      remediation:
        'The session could not be renewed; sign in again (and check the token endpoint if it keeps failing).',
      details: cause ? { causeCategory: cause.category, causeReason: cause.reason } : undefined,
    };
  }

  /** One refresh at a time; everyone who asks while it runs gets its result. */
  private refreshFor(
    failedToken: string | undefined,
    reason: RefreshReason,
    operationName: string | undefined,
    fatal: boolean,
  ): Promise<string> {
    if (fatal) this.inflightReported = true;
    if (this.inflight) return this.inflight;
    this.inflightReported = fatal;
    this.inflightReason = reason;
    const started = Date.now();
    const generation = this.generation;
    const onEvent = this.options.onEvent;
    emit(onEvent, 'refresh-start', operationName, { reason, waiting: this.waiting });
    const ended = (source?: 'this-tab' | 'other-tab') => ({
      reason,
      durationMs: Date.now() - started,
      waiting: this.waiting,
      ...(source ? { source } : {}),
    });
    this.inflight = this.refreshOnce(failedToken, reason)
      .then(
        ({ token, source }) => {
          rememberSecret(token);
          // A refresh that started before a sign-out is not kept (its waiters still get it).
          if (generation === this.generation) {
            if (failedToken && failedToken !== token) this.staleTokens.add(failedToken);
            this.adopt(token, failedToken);
          }
          emit(onEvent, 'refresh-success', operationName, { ...ended(source), source });
          return token;
        },
        (error: unknown) => {
          // Disposed meanwhile (an abandoned lock, a cancelled refresh): the disposed error, as for every
          // other operation of a disposed link; not a refresh failure and not an auth failure.
          if (this.disposed) throw disposedError('TokenManager');
          const classification = this.failedRefreshClassification(error, failedToken);
          emit(onEvent, 'refresh-failure', operationName, { ...ended(), classification });
          if (this.inflightReported && !this.disposed) this.authFailure(classification, operationName);
          throw new ResilienceError(classification);
        },
      )
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  /** One call of the app's `refresh` (bounded by `refreshTimeoutMs`), or, across tabs, the token another tab got meanwhile. */
  private refreshOnce(
    failedToken: string | undefined,
    reason: RefreshReason,
  ): Promise<{ token: string; source: 'this-tab' | 'other-tab' }> {
    const once = async () => {
      const pending = ask(
        () => Promise.resolve().then(() => this.options.refresh({ failedToken, reason })),
        this.refreshTimeoutMs,
        () => this.timedOut('refresh-timeout', 'Token refresh'),
      );
      // dispose() ends the wait with an error (cancelling alone would leave the refresh pending forever).
      const stopped = new Promise<never>((_resolve, reject) => {
        this.cancelRefresh = () => {
          pending.cancel();
          reject(disposedError('TokenManager'));
        };
      });
      const token: unknown = await Promise.race([pending.promise, stopped]).finally(
        () => (this.cancelRefresh = undefined),
      );
      if (typeof token !== 'string' || token.length === 0)
        throw new TypeError('AuthRefreshLink: refresh() resolved without a token');
      return token;
    };
    if (!this.crossTab) return once().then((token) => ({ token, source: 'this-tab' as const }));
    // Another tab may have refreshed while this one waited for the lock: then its token is used.
    const fresh = (token: string | undefined) =>
      token !== undefined && token !== failedToken && !this.staleTokens.has(token) ? token : undefined;
    // After the lock: the token another tab shared (BroadcastChannel) or stored, as `getToken` now makes it
    // (never one the app signed out of: the refreshed token only while the app does not know it yet).
    return this.crossTab.run(once, async () => fresh(await this.read(undefined).catch(() => undefined)), failedToken);
  }
}

const states = new WeakMap<TokenManager, TokenState>();
/** Token-source failures already reported to `onAuthFailure`. */
const reported = new WeakSet();

/** The state behind a manager (for the auth policy; not exported from the package). */
export function stateOf(manager: TokenManager): TokenState {
  return states.get(manager)!;
}

/**
 * Owns the token: `getToken()` answers the token to send now (waiting for a running refresh,
 * refreshing one that is about to expire or missing), `refresh(reason)` gets a new one single
 * flight, `onToken(fn)` hears every new token, and `clear()` signs out.
 *
 * The token a refresh returned is sent while the app's `getToken` does not know it yet (returns
 * none, or the token it replaced). Once `getToken` has returned it, a later empty answer means
 * the app signed out: the manager never sends a token the app no longer has. `clear()` forgets it
 * at once.
 */
export class TokenManager {
  constructor(options: TokenManager.Options) {
    states.set(this, new TokenState(options));
  }

  /** The token to send now; waits for a running refresh and refreshes an expiring or missing one. */
  getToken(): Promise<string | undefined> {
    const state = stateOf(this);
    // What user code holds now: the token a later `refresh()` replaces (as the auth link's sent token is).
    return state.obtain(undefined).then((token) => {
      state.markSent(token);
      return token;
    });
  }

  /** A new token, single flight (a refresh already running is shared). `failedToken` is the token that was rejected. */
  refresh(reason: RefreshReason = 'rejected', failedToken?: string): Promise<string> {
    return stateOf(this).refresh(reason, failedToken);
  }

  /** Calls `listener` with every new token (a refresh here or in another tab); returns the unsubscribe function. */
  onToken(listener: (token: string) => void): () => void {
    return stateOf(this).onToken(listener);
  }

  /**
   * Signs out: forgets every token this manager refreshed, adopted or sent, so the next operation
   * uses only what `getToken` returns (none: no token, or a `'missing'` refresh with
   * `refreshWhenMissing`). A refresh still running is not kept when it settles.
   */
  clear(): void {
    stateOf(this).clear();
  }

  /** Stops listening to other tabs and clears the refresh timeout (the auth link's `dispose()` does it for its manager). */
  dispose(): void {
    stateOf(this).dispose();
  }
}
