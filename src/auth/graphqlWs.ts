// graphql-ws on the same TokenManager as the HTTP chain: `connectionParams` reads the token from
// the manager, an auth rejection of the socket refreshes once (single flight with HTTP) and lets
// graphql-ws reconnect. graphql-ws is only described by shape here, never imported.
import { redact } from '../classify/redact.js';
import type { Classification } from '../classify/types.js';
import { notify } from '../guard.js';
import { stateOf, type TokenManager } from './TokenManager.js';

/** A close event as graphql-ws reports it (a DOM `CloseEvent`, the `ws` package's, or graphql-ws' own). */
interface CloseLike {
  code: number;
  reason: string;
}

/** What graphql-ws' `on` listeners receive; every argument is `unknown` so any graphql-ws version fits. */
export interface WsAuthListeners {
  connecting?: (isRetry: boolean) => void;
  opened?: (socket: unknown) => void;
  connected?: (socket: unknown, payload: unknown, wasRetry: boolean) => void;
  ping?: (received: boolean, payload: unknown) => void;
  pong?: (received: boolean, payload: unknown) => void;
  message?: (message: unknown) => void;
  closed?: (event: unknown) => void;
  error?: (error: unknown) => void;
}

export interface WsAuthOptions {
  /**
   * The `connection_init` payload for a token (`undefined`: the manager has none and
   * `refreshWhenMissing` is off). @defaultValue `token => token ? { authorization: \`Bearer ${token}\` } : {}`
   */
  connectionParams?: (
    token: string | undefined,
  ) => Record<string, unknown> | undefined | Promise<Record<string, unknown> | undefined>;
  /** Close codes that mean "this token was rejected". @defaultValue `[4401, 4403]` */
  authCloseCodes?: ReadonlyArray<number>;
  /**
   * Called once when the socket's auth cannot be fixed by a new token: the token a refresh just
   * gave was rejected too, or the refresh failed. Retrying for auth stops; the subscriptions fail
   * with the server's close. The token manager's own `onAuthFailure` and `auth-failure` event fire
   * as well. @defaultValue none
   */
  onAuthFailure?: (classification: Classification) => void;
  /** graphql-ws' `retryAttempts`. @defaultValue 5 (graphql-ws' default) */
  retryAttempts?: number;
  /** Your `shouldRetry` for everything that is not an auth rejection. @defaultValue graphql-ws' default (retry close events) */
  shouldRetry?: (errOrCloseEvent: unknown) => boolean;
  /**
   * Your `retryWait` for everything that is not an auth rejection (after one, the socket reconnects
   * as soon as the refresh is done). @defaultValue graphql-ws' default (2^retries s + 0.3–3 s)
   */
  retryWait?: (retries: number) => Promise<void>;
  /** Your own graphql-ws listeners; each runs after the helper's. @defaultValue none */
  on?: WsAuthListeners;
}

/** The pieces to spread into graphql-ws' `createClient({ url, ...wsAuth(tokenManager) })`. */
export interface WsAuth {
  connectionParams: () => Promise<Record<string, unknown> | undefined>;
  on: WsAuthListeners & {
    opened: (socket: unknown) => void;
    connected: (socket: unknown, payload: unknown, wasRetry: boolean) => void;
    message: (message: unknown) => void;
    closed: (event: unknown) => void;
  };
  shouldRetry: (errOrCloseEvent: unknown) => boolean;
  retryWait: (retries: number) => Promise<void>;
  retryAttempts: number;
}

const isCloseLike = (value: unknown): value is CloseLike =>
  typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;

/** An `UNAUTHENTICATED` error in a `connection_ack` / `connection_error` payload. */
function unauthenticatedPayload(payload: unknown): boolean {
  if (typeof payload !== 'object' || payload === null) return false;
  const record = payload as Record<string, unknown>;
  const entries: unknown[] = Array.isArray(record.errors) ? record.errors : [record.error ?? record];
  return entries.some((entry) => {
    const e = entry as { extensions?: { code?: unknown }; code?: unknown } | null;
    const code = e?.extensions?.code ?? e?.code;
    return code === 'UNAUTHENTICATED' || code === 'UNAUTHORIZED';
  });
}

async function defaultRetryWait(retries: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 2 ** retries * 1000 + Math.floor(Math.random() * 2700 + 300)));
}

const defaultParams = (token: string | undefined): Record<string, unknown> =>
  token === undefined ? {} : { authorization: `Bearer ${token}` };

/** graphql-ws treats 4401 as fatal and never asks `shouldRetry`: a close the helper retries reads 4403 from then on. */
function makeRetryable(event: CloseLike): void {
  if (event.code !== 4401) return;
  try {
    Object.defineProperty(event, 'code', { value: 4403, configurable: true });
  } catch {
    // A frozen event stays fatal: the subscription fails with it (no loop either way).
  }
}

/**
 * graphql-ws' `connectionParams`, `on`, `shouldRetry`, `retryWait` and `retryAttempts` on a
 * `TokenManager`, so subscriptions use the token of the HTTP chain:
 *
 * ```ts
 * const client = createClient({ url, ...wsAuth(resilienceLink.tokenManager!) });
 * ```
 *
 * - Every (re)connect sends `tokenManager.getToken()`: it waits for a refresh that is running and
 *   refreshes a token that is expiring or missing, single flight with the HTTP link.
 * - A close with 4401 / 4403, a `connection_error`, or an `UNAUTHENTICATED` error in the
 *   `connection_ack` payload is an auth rejection: unless the token has changed meanwhile (the HTTP
 *   side refreshed), `tokenManager.refresh('rejected', token)` runs (shared with any refresh
 *   running), and graphql-ws reconnects as soon as it is done.
 * - No loop: a rejection of the token that a refresh just gave (before the socket was accepted
 *   again) calls `onAuthFailure` once and stops retrying; the subscriptions fail with the close.
 *   A socket accepted with the new token starts over (a later expiry refreshes again).
 *
 * Spread it first and pass your own `on` / `shouldRetry` / `retryWait` through its options, so
 * they are chained rather than replaced. Tokens never appear in its messages.
 */
export function wsAuth(tokenManager: TokenManager, options: WsAuthOptions = {}): WsAuth {
  const state = stateOf(tokenManager);
  const authCodes = options.authCloseCodes ?? [4401, 4403];
  const params = options.connectionParams ?? defaultParams;
  const userOn = options.on ?? {};
  const userShouldRetry = options.shouldRetry ?? isCloseLike;
  const userRetryWait = options.retryWait ?? defaultRetryWait;
  /** The token the current socket was opened with. */
  let sent: string | undefined;
  /** A rejection was refreshed for already: another refreshes only once a socket proved the new token (see `proven`). */
  let refreshedForRejection = false;
  /** When the current socket was acknowledged. */
  let acceptedAt: number | undefined;
  /** The last token that proved itself: a result came over its socket, or one stayed accepted for a minute. */
  let provenToken: string | undefined;
  /** The refresh (or re-read) an auth rejection started; the next connect waits for it. */
  let pending: Promise<void> | undefined;
  /** The verdicts on the events graphql-ws will hand to `shouldRetry`. */
  const verdicts = new WeakMap<object, boolean>();
  /** The errors (not closes) graphql-ws reports for this socket follow a `connection_error`: their verdict (each subscription asks). */
  let errorVerdict: boolean | undefined;
  /** A socket the helper closed for an auth error in its ack: its close is that rejection. */
  let closingForAuth: boolean | undefined;
  let authRetry = false;
  /** Auth for the socket failed (for the token `failedFor`): no refresh, no retry, until another token. */
  let failed = false;
  let failedFor: string | undefined;

  const giveUp = (why: string, reason: 'invalid-token' | 'refresh-failed'): void => {
    if (failed) return;
    failed = true;
    failedFor = sent;
    const classification: Classification = {
      category: 'unauthenticated',
      reason,
      message: redact(why, state.secrets(sent)),
      retryable: false,
      refreshable: false,
      remediation: 'The session could not be renewed for the live connection; sign in again.',
    };
    state.authFailure(classification, undefined);
    notify('onAuthFailure', options.onAuthFailure, classification);
  };

  /** An auth rejection of the socket opened with `sent`: whether graphql-ws should reconnect. */
  const rejected = (detail: string): boolean => {
    if (failed) return false;
    // An acknowledgement alone proves nothing (a server may authenticate lazily, ack and then close
    // 4401, and graphql-ws resets its retry count on every ack): a token proved itself once a result
    // came over its socket or a socket stayed accepted with it for a minute (a later reconnect with it
    // included). Otherwise no second refresh.
    if (refreshedForRejection && sent !== provenToken) {
      giveUp(`The WebSocket rejected a freshly refreshed token (${detail})`, 'invalid-token');
      return false;
    }
    refreshedForRejection = true;
    const token = sent;
    pending = (async () => {
      // The HTTP side may have refreshed already: then its token is the answer, not another refresh.
      const current = await tokenManager.getToken();
      if (current === undefined || current === token) await tokenManager.refresh('rejected', token);
    })();
    pending.catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      giveUp(`Token refresh for the WebSocket failed: ${message}`, 'refresh-failed');
    });
    authRetry = true;
    return true;
  };

  return {
    connectionParams: async () => {
      const refreshing = pending;
      pending = undefined;
      if (refreshing) await refreshing;
      const token = await tokenManager.getToken();
      if (failed && token !== failedFor) {
        // Another token (the user signed in again): auth starts over.
        failed = false;
        refreshedForRejection = false;
      }
      sent = token;
      return params(token);
    },
    on: {
      ...userOn,
      opened: (ws) => {
        acceptedAt = undefined;
        closingForAuth = false;
        errorVerdict = undefined;
        notify('on.opened', userOn.opened, ws);
      },
      connected: (ws, payload, wasRetry) => {
        if (unauthenticatedPayload(payload)) {
          // graphql-ws takes any ack as success: close it, and the close is the rejection.
          closingForAuth = true;
          (ws as { close?: (code: number, reason: string) => void } | null)?.close?.(4401, 'Unauthenticated');
        } else {
          acceptedAt = Date.now();
          failed = false;
        }
        notify('on.connected', userOn.connected, ws, payload, wasRetry);
      },
      message: (message) => {
        const m = message as { type?: unknown; payload?: unknown } | null;
        if (m?.type === 'next') provenToken = sent;
        if (m?.type === 'connection_error') {
          // graphql-ws answers it with an error (not a close): decided here, read by shouldRetry.
          errorVerdict = rejected('connection_error');
          closingForAuth = undefined;
        }
        notify('on.message', userOn.message, message);
      },
      closed: (event) => {
        if (acceptedAt !== undefined && Date.now() - acceptedAt >= 60_000) provenToken = sent;
        if (isCloseLike(event) && (closingForAuth === true || authCodes.includes(event.code))) {
          const retry = rejected(`close ${String(event.code)}`);
          verdicts.set(event, retry);
          if (retry) makeRetryable(event);
        }
        closingForAuth = undefined;
        notify('on.closed', userOn.closed, event);
      },
    },
    shouldRetry: (errOrCloseEvent) => {
      if (failed) return false;
      if (typeof errOrCloseEvent === 'object' && errOrCloseEvent !== null && verdicts.has(errOrCloseEvent))
        return verdicts.get(errOrCloseEvent)!;
      if (errorVerdict !== undefined && !isCloseLike(errOrCloseEvent)) return errorVerdict;
      try {
        return userShouldRetry(errOrCloseEvent);
      } catch {
        return false;
      }
    },
    retryWait: async (retries) => {
      if (authRetry) {
        authRetry = false;
        // Reconnect once the new token is there (connectionParams reports a failed refresh).
        await pending?.catch(() => undefined);
        return;
      }
      await userRetryWait(retries);
    },
    retryAttempts: options.retryAttempts ?? 5,
  };
}
