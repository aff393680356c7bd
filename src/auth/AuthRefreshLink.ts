import { attachClassifications, readAnnotations, ResilienceError, unexpectedError } from '../classify/annotations.js';
import { redact } from '../classify/redact.js';
import { rememberSecret } from '../classify/secrets.js';
import { authFailureInError, authFailureInResult } from './authFailure.js';
import type { Classification } from '../classify/types.js';
import { ApolloLink, createObservable, getContext, getResponse, setHeaders, subscribe } from '../compat/index.js';
import type { LinkForward, LinkObservable, LinkOperation, ResultLike, SubscriptionLike } from '../compat/index.js';
import { emit, type EventListener, type ResilienceEvent } from '../events.js';
import { ask, decideSafely, notify } from '../guard.js';
import { Lifecycle } from '../lifecycle.js';
import { CrossTabCoordinator, type CrossTabOptions } from './crossTab.js';
import { jwtExpiryMs } from './jwt.js';

export declare namespace AuthRefreshLink {
  type TokenValue = string | null | undefined;
  /** Why a refresh runs: the token is about to expire, the server rejected it, or there is none yet (`refreshWhenMissing`). */
  type RefreshReason = 'expiring' | 'rejected' | 'missing';

  interface HeaderOptions {
    /** @defaultValue 'Authorization' */
    header?: string;
    /** @defaultValue 'Bearer' (an empty string sends the bare token) */
    scheme?: string;
  }

  interface Options {
    /** The current token, or none. Called before every request; an async answer is bounded by `refreshTimeoutMs`. @defaultValue required */
    getToken: () => TokenValue | Promise<TokenValue>;
    /** Gets a new token; called single-flight (one call at a time per link, per origin with `crossTab`). @defaultValue required */
    refresh: (context: { failedToken: string | undefined; reason: RefreshReason }) => Promise<string>;
    /** How the token is attached. @defaultValue `{ header: 'Authorization', scheme: 'Bearer' }` */
    applyToken?: ((token: string, operation: LinkOperation) => void) | HeaderOptions;
    /**
     * When `getToken` has no token, obtain one with `refresh` (single flight, reason `'missing'`)
     * before sending, instead of sending the operation without a token and refreshing after its
     * 401. If that refresh fails, the operation fails with it (`unauthenticated`) unsent. `false`
     * sends operations without a token (an API that allows anonymous access).
     * @defaultValue true
     */
    refreshWhenMissing?: boolean;
    /** A JWT whose `exp` is this close is refreshed before sending; opaque tokens never are. @defaultValue 30000 */
    refreshBeforeExpiryMs?: number;
    /** Which failures trigger refresh-and-replay (one that throws counts as `false`). @defaultValue `c.category === 'unauthenticated' && c.refreshable` */
    isAuthError?: (classification: Classification) => boolean;
    /** Called once per failed refresh, per non-refreshable auth failure, and per 401 after a fresh token: log out, re-authenticate. @defaultValue none */
    onAuthFailure?: (classification: Classification) => void;
    /**
     * One refresh across all tabs of the origin (Web Locks + BroadcastChannel). Active only where
     * both exist in a browser window or worker; on a server it is ignored (the clients of one
     * process are different users). A token another tab shares is taken only when it replaces the
     * token this link holds. @defaultValue false
     */
    crossTab?: boolean | CrossTabOptions;
    /**
     * A `refresh`, or an asynchronous `getToken`, that takes longer fails the operations waiting for
     * it (reason `refresh-timeout` / `token-timeout`), so nothing waits forever. @defaultValue 30000
     */
    refreshTimeoutMs?: number;
    /** `refresh-start`, `refresh-success`, `refresh-failure` events (duration, waiting count). @defaultValue none */
    onRefresh?: (event: ResilienceEvent) => void;
    /** Every event of this link, in one stream. @defaultValue none */
    onEvent?: EventListener;
  }
}

const defaultIsAuthError = (c: Classification): boolean => c.category === 'unauthenticated' && c.refreshable;

/**
 * Attaches the token, refreshes it single-flight (before a JWT expires, and after a refreshable
 * 401), replays every operation that waited exactly once, and never loops: a 401 after a fresh
 * token goes to `onAuthFailure`.
 */
export class AuthRefreshLink extends ApolloLink {
  private readonly options: AuthRefreshLink.Options;
  private readonly applyToken: (token: string, operation: LinkOperation, context?: Readonly<Record<string, unknown>>) => void;
  private readonly isAuthError: (c: Classification) => boolean;
  private readonly refreshBeforeExpiryMs: number;
  private readonly refreshTimeoutMs: number;
  private readonly refreshWhenMissing: boolean;
  private readonly crossTab: CrossTabCoordinator | undefined;
  private inflight: Promise<string> | undefined;
  private inflightReported = false;
  private waiting = 0;
  /** Tokens a refresh replaced, and what replaced them (the user's getToken may not know yet). */
  private readonly staleTokens = new Set<string>();
  private refreshedToken: string | undefined;
  /** The token this link last sent or adopted: a token another tab shares is taken only as its successor. */
  private held: string | undefined;
  private readonly life = new Lifecycle('AuthRefreshLink');
  /** Clears the running refresh's timeout (dispose). */
  private cancelRefresh: (() => void) | undefined;

  constructor(options: AuthRefreshLink.Options) {
    super();
    if (!options || typeof options.getToken !== 'function' || typeof options.refresh !== 'function') {
      throw new TypeError('AuthRefreshLink: `getToken` and `refresh` functions are required');
    }
    this.options = options;
    const apply = options.applyToken;
    if (typeof apply === 'function') this.applyToken = apply;
    else {
      const { header = 'Authorization', scheme = 'Bearer' } = apply ?? {};
      // The header object for the last token is kept: with no other headers set, attaching it is one setContext.
      let last: { token: string; headers: Readonly<Record<string, string>>; patch: { headers: Readonly<Record<string, string>> } } | undefined;
      this.applyToken = (token, operation, context = getContext(operation)) => {
        if (last?.token !== token) {
          const headers = Object.freeze({ [header]: scheme ? `${scheme} ${token}` : token });
          last = { token, headers, patch: Object.freeze({ headers }) };
        }
        if (context.headers === undefined || context.headers === null) (operation.setContext as unknown as (patch: Record<string, unknown>) => void)(last.patch);
        else setHeaders(operation, last.headers, context);
      };
    }
    const isAuthError = options.isAuthError;
    this.isAuthError = isAuthError ? (c) => decideSafely('isAuthError', isAuthError, false, c) : defaultIsAuthError;
    this.refreshBeforeExpiryMs = options.refreshBeforeExpiryMs ?? 30_000;
    this.refreshTimeoutMs = options.refreshTimeoutMs ?? 30_000;
    this.refreshWhenMissing = options.refreshWhenMissing ?? true;
    if (options.crossTab) {
      // Never another user's token: only a successor of the one this link holds is adopted.
      const coordinator = new CrossTabCoordinator(options.crossTab === true ? {} : options.crossTab, (token, replaces) => {
        if (replaces !== undefined && replaces === this.held) this.adopt(token, replaces);
      });
      this.crossTab = coordinator.coordinated ? coordinator : undefined;
    }
  }

  /**
   * Stops listening to other tabs (closes the channel, abandons a lock request), clears the refresh
   * timeout, ends every operation running through the link (category `unknown`, reason
   * `link-disposed`; one waiting for a refresh is never sent), and fails every later one the same way.
   * The token state is this link's: one link instance is one client's policy.
   */
  dispose(): void {
    this.life.dispose();
    this.crossTab?.close();
    this.cancelRefresh?.();
    this.cancelRefresh = undefined;
  }

  private adopt(token: string, replaces: string | undefined): void {
    this.lastSent = undefined;
    this.held = token;
    if (replaces) this.staleTokens.add(replaces);
    if (this.refreshedToken && this.refreshedToken !== token) this.staleTokens.add(this.refreshedToken);
    this.refreshedToken = token;
    if (this.staleTokens.size > 32) this.staleTokens.delete(this.staleTokens.values().next().value as string);
  }

  /** Reads `getToken` (sync or async; a throw, rejection or hang becomes a rejection); `cancel` clears the timer. */
  private readToken(pending?: PromiseLike<AuthRefreshLink.TokenValue>): { promise: Promise<string | undefined>; cancel: () => void } {
    const read = ask(() => pending ?? this.options.getToken(), this.refreshTimeoutMs, () => this.timedOut('token-timeout', 'getToken'));
    return { promise: read.promise.then((raw) => this.effectiveToken(raw)), cancel: read.cancel };
  }

  private timedOut(reason: 'refresh-timeout' | 'token-timeout', what: string): ResilienceError {
    return new ResilienceError({ category: 'unauthenticated', reason, message: `${what} took longer than ${this.refreshTimeoutMs} ms`, retryable: false, refreshable: false, remediation: 'The token source did not answer; sign in again or check the identity provider.' });
  }

  /** The token to send: a refreshed one replaces what `getToken` still returns when that is stale. */
  private effectiveToken(raw: AuthRefreshLink.TokenValue): string | undefined {
    const token = typeof raw === 'string' && raw.length > 0 ? raw : undefined;
    if (this.refreshedToken && (token === undefined || this.staleTokens.has(token))) return this.refreshedToken;
    return token;
  }

  /**
   * The token to send right away: `getToken` answered synchronously, no refresh is running and the
   * token is not expiring. `undefined` means the operation must wait (see `start`).
   */
  private readyNow(raw: ReturnType<AuthRefreshLink.Options['getToken']> | undefined): string | undefined {
    const token = raw !== undefined && typeof (raw as Promise<unknown> | null)?.then !== 'function' ? this.effectiveToken(raw as AuthRefreshLink.TokenValue) : undefined;
    return !this.inflight && token !== undefined && !this.expiring(token) ? token : undefined;
  }

  /** Whether the token must be refreshed before it is sent (a JWT close to its `exp`). */
  private expiring(token: string | undefined): { expired: boolean } | undefined {
    const expiresAt = token !== undefined ? jwtExpiryMs(token) : undefined;
    if (expiresAt === undefined || expiresAt - Date.now() > this.refreshBeforeExpiryMs) return undefined;
    return { expired: expiresAt <= Date.now() };
  }

  private secrets(...tokens: Array<string | undefined>): string[] {
    return [...tokens, this.refreshedToken].filter((t): t is string => typeof t === 'string');
  }

  private authFailure(classification: Classification, operationName: string | undefined): void {
    emit(this.options.onEvent, 'auth-failure', operationName, { classification });
    notify('onAuthFailure', this.options.onAuthFailure, classification);
  }

  private refreshEvent(type: string, operationName: string | undefined, details: Record<string, unknown>): void {
    notify('onRefresh', this.options.onRefresh, emit(this.options.onEvent, type, operationName, details));
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
      remediation: 'The session could not be renewed; sign in again (and check the token endpoint if it keeps failing).',
      details: cause ? { causeCategory: cause.category, causeReason: cause.reason } : undefined,
    };
  }

  /** `getToken` threw or rejected: the operation cannot be authenticated. */
  private tokenUnavailable(error: unknown): ResilienceError {
    return new ResilienceError({
      category: 'unauthenticated',
      reason: 'token-unavailable',
      message: redact(`The access token could not be read: ${error instanceof Error ? error.message : String(error)}`, this.secrets()),
      retryable: false,
      refreshable: false,
      remediation: 'Sign in again; if it persists, check the app\'s token storage (getToken threw).',
    }, { cause: error });
  }

  /** One refresh at a time; everyone who asks while it runs gets its result. */
  private refreshSingleFlight(failedToken: string | undefined, reason: AuthRefreshLink.RefreshReason, operationName: string | undefined, fatal: boolean): Promise<string> {
    if (fatal) this.inflightReported = true;
    if (this.inflight) return this.inflight;
    this.inflightReported = fatal;
    const started = Date.now();
    this.refreshEvent('refresh-start', operationName, { reason, waiting: this.waiting });
    const run = async (): Promise<{ token: string; source: 'this-tab' | 'other-tab' }> => {
      const once = async () => {
        const pending = ask(() => Promise.resolve().then(() => this.options.refresh({ failedToken, reason })), this.refreshTimeoutMs, () => this.timedOut('refresh-timeout', 'Token refresh'));
        this.cancelRefresh = pending.cancel;
        const token: unknown = await pending.promise.finally(() => (this.cancelRefresh = undefined));
        if (typeof token !== 'string' || token.length === 0) throw new TypeError('AuthRefreshLink: refresh() resolved without a token');
        return token;
      };
      if (!this.crossTab) return { token: await once(), source: 'this-tab' };
      // Another tab may have refreshed while this one waited for the lock: then its token is used.
      const fresh = (token: string | undefined) => (token !== undefined && token !== failedToken && !this.staleTokens.has(token) ? token : undefined);
      // After the lock: the token another tab shared (BroadcastChannel), or the one it stored (getToken).
      return this.crossTab.run(once, async () => fresh(this.refreshedToken) ?? fresh(await this.readToken().promise.catch(() => undefined)), failedToken);
    };
    this.inflight = run().then(
      ({ token, source }) => {
        if (failedToken && failedToken !== token) this.staleTokens.add(failedToken);
        rememberSecret(token);
        this.adopt(token, failedToken);
        this.refreshEvent('refresh-success', operationName, { reason, source, durationMs: Date.now() - started, waiting: this.waiting });
        return token;
      },
      (error: unknown) => {
        const classification = this.failedRefreshClassification(error, failedToken);
        this.refreshEvent('refresh-failure', operationName, { reason, durationMs: Date.now() - started, waiting: this.waiting, classification });
        if (this.inflightReported) this.authFailure(classification, operationName);
        throw new ResilienceError(classification);
      },
    ).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** What `fastPathAttach` last sent: `getToken`'s string, the token sent for it, and when that is due for refresh. Reset by every refresh. */
  private lastSent: { raw: string; token: string; refreshAt: number } | undefined;

  /** What `fastPathAttach` read from `getToken` for an operation it handed back to this link. */
  private prefetched:
    | { operation: LinkOperation; raw: ReturnType<AuthRefreshLink.Options['getToken']> }
    | { operation: LinkOperation; error: unknown }
    | { operation: LinkOperation; sent: string | undefined }
    | undefined;

  /**
   * @internal For `createResilienceLink`'s fast path: attaches the token when this link's own
   * synchronous case applies (a token at hand, no refresh running, not expiring) and returns it
   * (`undefined` when the operation opted out with `context.auth: false`); otherwise returns
   * `false`, and the link's next `request` for this operation uses what was read here instead of
   * calling `getToken` again.
   */
  fastPathAttach(operation: LinkOperation, context: Readonly<Record<string, unknown>>): string | undefined | false {
    if (context.auth === false) return undefined;
    if (this.inflight) return false;
    let raw: ReturnType<AuthRefreshLink.Options['getToken']>;
    try {
      raw = this.options.getToken();
    } catch (error) {
      this.prefetched = { operation, error };
      return false;
    }
    // The same string as last time, not yet due for refresh: nothing to check again.
    const last = this.lastSent;
    let ready: string | undefined;
    if (last !== undefined && raw === last.raw && (last.refreshAt === Infinity || Date.now() < last.refreshAt)) ready = last.token;
    else {
      ready = this.readyNow(raw);
      if (ready === undefined) {
        this.prefetched = { operation, raw };
        return false;
      }
      rememberSecret(ready);
      this.held = ready;
      const expiresAt = jwtExpiryMs(ready);
      if (typeof raw === 'string') this.lastSent = { raw, token: ready, refreshAt: expiresAt === undefined ? Infinity : expiresAt - this.refreshBeforeExpiryMs };
    }
    try {
      this.applyToken(ready, operation, context);
    } catch {
      this.prefetched = { operation, raw }; // the link reports applyToken's failure
      return false;
    }
    return ready;
  }

  /** @internal Drops what `fastPathAttach` kept when the operation did not reach this link. */
  forgetPrefetched(): void {
    this.prefetched = undefined;
  }

  /**
   * @internal The next `request` for `operation` continues a first attempt that
   * `createResilienceLink` already sent with `token` (attached by `fastPathAttach`, or none when
   * the operation opted out): that is the token a 401 in its outcome refers to.
   */
  continueFastPath(operation: LinkOperation, token: string | undefined): void {
    this.prefetched = { operation, sent: token };
  }

  override request(operation: LinkOperation, forward: LinkForward): LinkObservable {
    if (this.life.disposed) return this.life.rejected();
    const context = getContext(operation);
    if (context.auth === false) return forward(operation);
    const operationName = operation.operationName ?? undefined;

    return createObservable((sink) => {
      let closed = false;
      let replayed = false;
      let inner: SubscriptionLike | undefined;
      let usedToken: string | undefined;
      let cancelRead: (() => void) | undefined;
      const read = (pending?: PromiseLike<AuthRefreshLink.TokenValue>) => {
        const reading = this.readToken(pending);
        cancelRead = reading.cancel;
        return reading.promise;
      };

      const fail = (error: unknown) => {
        if (!closed) sink.error(error);
      };

      const waitFor = async <T>(promise: Promise<T>): Promise<T> => {
        this.waiting += 1;
        try {
          return await promise;
        } finally {
          this.waiting -= 1;
        }
      };

      const send = (token: string | undefined) => {
        if (closed) return;
        usedToken = token;
        this.held = token;
        rememberSecret(token);
        if (token !== undefined) {
          try {
            // The context read above still holds the caller's headers (a replay only changes the token).
            this.applyToken(token, operation, context);
          } catch (error) {
            return fail(unexpectedError(error, 'AuthRefreshLink applyToken', (t) => redact(t, this.secrets(token))));
          }
        }
        let handled = false;
        let forwarded: LinkObservable;
        try {
          forwarded = forward(operation);
        } catch (error) {
          return fail(readAnnotations(error) ? error : unexpectedError(error, 'The link after AuthRefreshLink'));
        }
        const attempt = subscribe(forwarded, {
          next: (result) => {
            if (closed || handled) return;
            const auth = this.authClassification(result, operation);
            if (auth && this.isAuthError(auth) && !replayed) {
              handled = true;
              stopInner();
              return void onAuthError(auth, undefined);
            }
            // Not fixable by a new token (or already replayed): the result, with its data, goes on.
            if (auth) this.authFailure(auth, operationName);
            sink.next(result);
          },
          error: (error) => {
            if (closed || handled) return;
            inner = undefined;
            const classification = authFailureInError(error, this.secrets(usedToken));
            if (classification) {
              handled = true;
              return void onAuthError(classification, error);
            }
            sink.error(error);
          },
          complete: () => {
            if (closed || handled) return;
            inner = undefined;
            sink.complete();
          },
        });
        if (!handled && !closed) inner = attempt;
        else attempt.unsubscribe();
      };

      const stopInner = () => {
        const running = inner;
        inner = undefined;
        running?.unsubscribe();
      };

      const finalError = (error: unknown, classification: Classification) =>
        error !== undefined ? attachClassifications(error, readAnnotations(error) ?? [classification]) : new ResilienceError(classification);

      const onAuthError = async (classification: Classification, error: unknown) => {
        if (!this.isAuthError(classification)) {
          this.authFailure(classification, operationName);
          return fail(finalError(error, classification));
        }
        if (replayed) {
          // A fresh token was rejected too: never a second refresh for this operation.
          this.authFailure(classification, operationName);
          return fail(finalError(error, classification));
        }
        replayed = true;
        try {
          const current = await read();
          const fresh = current !== undefined && current !== usedToken ? current : await waitFor(this.refreshSingleFlight(usedToken, 'rejected', operationName, true));
          send(fresh);
        } catch (refreshError) {
          fail(refreshError);
        }
      };

      const start = async (pending?: PromiseLike<AuthRefreshLink.TokenValue>) => {
        try {
          // Operations that start during a refresh wait for it, and share its failure.
          if (this.inflight) await waitFor(this.inflight);
          if (closed) return;
          let token = await read(pending);
          if (closed) return;
          // No token yet: obtain one first rather than collect a 401 (the refresh failure is the answer).
          if (token === undefined && this.refreshWhenMissing) token = await waitFor(this.refreshSingleFlight(undefined, 'missing', operationName, true));
          const expiry = this.expiring(token);
          if (expiry) {
            const { expired } = expiry;
            try {
              token = await waitFor(this.refreshSingleFlight(token, 'expiring', operationName, expired));
            } catch (refreshError) {
              // Still valid for a while: send it; already expired: the refresh failure is the answer.
              if (expired) return fail(refreshError);
            }
          }
          send(token);
        } catch (error) {
          fail(error instanceof ResilienceError ? error : this.tokenUnavailable(error));
        }
      };

      const teardown = () => {
        closed = true;
        untrack();
        cancelRead?.();
        stopInner();
      };
      const untrack = this.life.track((error) => {
        teardown();
        sink.error(error);
      });

      // The common case stays synchronous: a token at hand, no refresh running, not expiring.
      let raw: ReturnType<AuthRefreshLink.Options['getToken']> | undefined;
      const prefetched = this.prefetched?.operation === operation ? this.prefetched : undefined;
      this.prefetched = undefined;
      try {
        if (prefetched && 'error' in prefetched) throw prefetched.error;
        if (prefetched && 'raw' in prefetched) raw = prefetched.raw;
        else if (!prefetched) raw = this.inflight ? undefined : this.options.getToken();
      } catch (error) {
        fail(this.tokenUnavailable(error));
        return teardown;
      }
      if (prefetched && 'sent' in prefetched) {
        // Already sent by createResilienceLink's fast path: its outcome is judged against that token.
        send(prefetched.sent);
      } else {
        const ready = this.readyNow(raw);
        if (ready !== undefined) send(ready);
        else void start(typeof (raw as PromiseLike<unknown> | null)?.then === 'function' ? (raw as PromiseLike<AuthRefreshLink.TokenValue>) : undefined);
      }
      return teardown;
    });
  }

  private authClassification(result: ResultLike, operation: LinkOperation): Classification | undefined {
    if (!Array.isArray(result.errors) || result.errors.length === 0) return undefined;
    const response = getResponse(operation);
    return authFailureInResult(result, response?.errorStatus, this.secrets());
  }
}
