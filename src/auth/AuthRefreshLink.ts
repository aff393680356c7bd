import type { Classification } from '../classify/types.js';
import type { LinkOperation } from '../compat/index.js';
import { PolicyExecutor } from '../core/executor.js';
import type { EventListener, RefreshReason as EventRefreshReason } from '../core/events.js';
import { AuthPolicy } from './authPolicy.js';
import type { CrossTabOptions } from './crossTab.js';
import { stateOf, TokenManager } from './TokenManager.js';

export declare namespace AuthRefreshLink {
  type TokenValue = string | null | undefined;
  /** Why a refresh runs: the token is about to expire, the server rejected it, or there is none yet (`refreshWhenMissing`). */
  type RefreshReason = EventRefreshReason;

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
    /**
     * Which failures trigger refresh-and-replay: asked about every classification of a failed request
     * or a result's errors (widen it for an API that answers an expired token with 403). Answer
     * synchronously: one that throws or returns a promise counts as `false`.
     * @defaultValue `c.category === 'unauthenticated' && c.refreshable`
     */
    isAuthError?: (classification: Classification) => boolean;
    /**
     * Called once per failed refresh, per non-refreshable auth failure, per 401 after a fresh token, and
     * per token request a token source fails with an auth verdict (clientCredentials' `invalid_client`):
     * log out, re-authenticate, alert. @defaultValue none
     */
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
    /** Every event of this link (`refresh-start`, `refresh-success`, `refresh-failure`, `auth-failure`), in one stream. @defaultValue none */
    onEvent?: EventListener;
  }
}

/**
 * Attaches the token, refreshes it single-flight (before a JWT expires, and after a refreshable
 * 401), replays every operation that waited exactly once, and never loops: a 401 after a fresh
 * token goes to `onAuthFailure`. The token logic is its `tokenManager`, which other transports
 * (a WebSocket, `fetch`) can share.
 *
 * `dispose()` stops listening to other tabs (closes the channel, abandons a lock request), clears
 * the refresh timeout, ends every operation running through the link (category `unknown`, reason
 * `link-disposed`; one waiting for a refresh is never sent), and fails every later one the same way.
 */
export class AuthRefreshLink extends PolicyExecutor {
  /** The token, its refreshes and sign-out, shared with whatever else needs the token. */
  readonly tokenManager: TokenManager;

  constructor(options: AuthRefreshLink.Options) {
    const tokenManager = new TokenManager(options);
    super([new AuthPolicy(stateOf(tokenManager), options)], 'AuthRefreshLink');
    this.tokenManager = tokenManager;
  }

  /**
   * Signs out: the link forgets every token it refreshed or sent (`tokenManager.clear()`), so no
   * later operation carries the previous session's token. Call it when the user signs out.
   */
  signOut(): void {
    this.tokenManager.clear();
  }
}
