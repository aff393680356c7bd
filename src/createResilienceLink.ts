import { AuthPolicy } from './auth/authPolicy.js';
import type { AuthRefreshLink } from './auth/AuthRefreshLink.js';
import { stateOf, TokenManager } from './auth/TokenManager.js';
import { ClassifyPolicy } from './classify/ErrorClassifyLink.js';
import type { ErrorClassifyLink } from './classify/ErrorClassifyLink.js';
import type { ApolloLink } from './compat/index.js';
import { PolicyExecutor } from './core/executor.js';
import { bothListeners, type EventListener } from './core/events.js';
import type { Policy } from './core/policy.js';
import type { EtagConflictLink } from './etag/EtagConflictLink.js';
import { EtagPolicy } from './etag/etagPolicy.js';
import type { CircuitState } from './retry/circuitBreaker.js';
import type { RetryBackoffLink } from './retry/RetryBackoffLink.js';
import { RetryPolicy } from './retry/retryPolicy.js';

export interface ResilienceLinkOptions {
  /** Options of the `ErrorClassifyLink`, which is always present. @defaultValue `{}` */
  classify?: ErrorClassifyLink.Options;
  /** Options of the `RetryBackoffLink`; `false` leaves it out. @defaultValue `{}` (present, with its defaults) */
  retry?: RetryBackoffLink.Options | false;
  /** Options of the `AuthRefreshLink`; present when given. @defaultValue none */
  auth?: AuthRefreshLink.Options;
  /** Options of the `EtagConflictLink`; present when given. @defaultValue none */
  etag?: EtagConflictLink.Options;
  /** Every link's events, in one stream. @defaultValue none */
  onEvent?: EventListener;
}

/**
 * The combined link. `dispose()` ends every operation running through it (requests, timers and
 * waits are cancelled; each fails with category `unknown`, reason `link-disposed`), closes the
 * cross-tab channel, and makes every later operation fail the same way.
 *
 * One instance is one client's policy: its retry budget, circuit breaker and token state are
 * shared by every operation that runs through it. Two clients given one link share them (one
 * user's 401 refreshes the other's token); create one link per client (per request on a server).
 */
export type ResilienceLink = ApolloLink & {
  dispose(): void;
  /** The retry circuit's state (`'closed'` without a retry policy): drive an outage banner with it and `circuit-*` events. */
  readonly circuitState: CircuitState;
  /** Closes the circuit now (a "retry now" button); a `circuit-close` event follows when it was open. */
  resetCircuit(): void;
  /** The auth policy's token manager (present with `auth`): share it with other transports. */
  readonly tokenManager: TokenManager | undefined;
  /** Signs out: forgets every token the auth policy refreshed or sent (`tokenManager.clear()`). */
  signOut(): void;
};

function withEvents<T extends { onEvent?: EventListener }>(options: T, onEvent: EventListener | undefined): T {
  return onEvent ? { ...options, onEvent: bothListeners(options.onEvent, onEvent) } : options;
}

/**
 * The four policies in the recommended order, run by one executor: one `ApolloLink`, one
 * Observable per operation; concatenate your `HttpLink`.
 *
 * Order, outermost first, and why:
 * 1. etag: its re-read and its re-sent mutation go through auth, retry and classify below it.
 * 2. retry: each retry goes through auth again, so a token that expired during a long backoff is
 *    refreshed; an open circuit fails fast before any token work.
 * 3. auth: attaches the token; a 401 is not retryable, so it reaches auth first.
 * 4. classify: next to the `HttpLink`, so every error is classified once (with your rules) and
 *    every policy above reads that annotation.
 */
export function createResilienceLink(options: ResilienceLinkOptions = {}): ResilienceLink {
  const { onEvent } = options;
  const etag = options.etag ? new EtagPolicy(withEvents(options.etag, onEvent)) : undefined;
  const retry = options.retry !== false ? new RetryPolicy(withEvents(options.retry ?? {}, onEvent)) : undefined;
  const tokenManager = options.auth ? new TokenManager(withEvents(options.auth, onEvent)) : undefined;
  const auth = options.auth && tokenManager ? new AuthPolicy(stateOf(tokenManager), options.auth) : undefined;
  const { rules = [], profiles = [], remediations } = options.classify ?? {};
  const classify = new ClassifyPolicy({ rules, profiles, ...(remediations ? { remediations } : {}) });
  const policies = [etag, retry, auth, classify].filter((p): p is NonNullable<typeof p> => p !== undefined) as Policy[];
  return new CombinedLink(policies, retry, tokenManager);
}

class CombinedLink extends PolicyExecutor {
  constructor(
    policies: Policy[],
    private readonly retry: RetryPolicy | undefined,
    readonly tokenManager: TokenManager | undefined,
  ) {
    super(policies, 'createResilienceLink');
  }

  get circuitState(): CircuitState {
    return this.retry?.circuitState ?? 'closed';
  }

  resetCircuit(): void {
    this.retry?.resetCircuit();
  }

  signOut(): void {
    this.tokenManager?.clear();
  }
}
