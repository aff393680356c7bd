import type { Classification } from '../classify/types.js';
import type { LinkOperation } from '../compat/index.js';
import { PolicyExecutor } from '../core/executor.js';
import type {
  CircuitCloseEvent,
  CircuitHalfOpenEvent,
  CircuitOpenEvent,
  EventListener,
  GiveUpEvent,
  RetryEvent,
} from '../core/events.js';
import type { Connectivity } from '../offline/connectivity.js';
import type { CircuitBreakerOptions, CircuitState } from './circuitBreaker.js';
import type { MutationRetryMode } from './retryDecision.js';
import type { RetryBudgetOptions } from './retryBudget.js';
import { RetryPolicy } from './retryPolicy.js';

export declare namespace RetryBackoffLink {
  /** Decides whether a failure is retried (after the link's own safety rules). */
  type RetryIf = (
    classification: Classification,
    context: { attempt: number; operation: LinkOperation },
  ) => boolean | Promise<boolean>;

  interface IdempotencyKeyOptions {
    /** @defaultValue 'Idempotency-Key' */
    header?: string;
    /** @defaultValue `crypto.randomUUID()` */
    generate?: () => string;
  }

  /** Options that an operation may override through `context.retry`. */
  interface AttemptOptions {
    /** Attempts in total, the first included. @defaultValue 4 */
    maxAttempts?: number;
    /** The first backoff. @defaultValue 1000 */
    initialDelayMs?: number;
    /** The cap of one backoff. @defaultValue 30000 */
    maxDelayMs?: number;
    /** Randomise delays: proportional ±25 % around `initialDelayMs × 2^(retry−1)`, capped. @defaultValue true */
    jitter?: boolean;
    /** A `Retry-After` header (seconds or HTTP-date) or `details.retryAfterMs` sets the delay. @defaultValue true */
    respectRetryAfter?: boolean;
    /** The longest `Retry-After` honoured; longer ones are capped to it. @defaultValue 60000 */
    maxRetryAfterMs?: number;
    /**
     * Which classified failures are retried. A `retryIf` that throws, rejects, or gives no answer
     * within `attemptTimeoutMs` (or before the deadline) means "do not retry".
     * @defaultValue `classification.retryable`
     */
    retryIf?: RetryIf;
    /** Mutation policy: `'never'`, `'safe'` (429, 503, connection refused, or idempotent/keyed), `'always'`. @defaultValue 'safe' */
    mutations?: MutationRetryMode;
    /** An attempt that outlives this is aborted (the fetch stops) and classified `network`/`timeout`. @defaultValue 30000 */
    attemptTimeoutMs?: number;
    /**
     * No attempt starts or waits past this, counted from the operation's start. Time spent paused
     * offline (see `connectivity`) does not count: the deadline bounds the time spent trying, and
     * `maxPausedMs` the time spent waiting for the network, so the worst case is their sum.
     * @defaultValue none
     */
    deadlineMs?: number;
    /**
     * How long an operation may stay paused offline, over all its pauses; then it fails with
     * category `network`, reason `offline` (give-up reason `offline`). `Infinity` waits until the
     * network returns or the operation is unsubscribed (a watched query whose component unmounts).
     * @defaultValue 300000
     */
    maxPausedMs?: number;
    /**
     * One key per logical mutation, sent on every attempt of it and on nothing else (an etag re-read
     * carries none, a re-applied mutation gets its own); makes ambiguous failures retryable. @defaultValue false
     */
    idempotencyKey?: boolean | IdempotencyKeyOptions;
    /**
     * How often a partial result (a query result with `data` and only retryable errors, such as one
     * field whose service is down) is retried before its data is shown with the error. A result
     * without `data` is a failure and follows the normal schedule (`maxAttempts`, backoff). Raise
     * it (with `partialRetryDelayMs`) to wait longer for the missing fields; `0` shows partial data at once.
     * @defaultValue 1
     */
    partialRetries?: number;
    /** The wait before a partial result is retried (a server's `Retry-After` wins when respected). @defaultValue 250 */
    partialRetryDelayMs?: number;
  }

  interface Options extends AttemptOptions {
    /** Retry budget shared by all operations of this link; `false` turns it off. @defaultValue `{ ratio: 0.2, minPerSecond: 5 }` */
    budget?: RetryBudgetOptions | false;
    /**
     * Circuit breaker shared by all operations of this link; `false` turns it off. While open, it
     * lets one real operation through as a probe ~`initialProbeDelayMs` after opening, doubling per
     * failed probe up to `cooldownMs`; going back online or any success through the link makes the
     * probe due at once.
     * @defaultValue `{ failures: 3, windowMs: 30000, initialProbeDelayMs: 1000, cooldownMs: 30000 }`
     */
    circuitBreaker?: CircuitBreakerOptions | false;
    /** Called before each retry's wait. @defaultValue none */
    onRetry?: (event: RetryEvent) => void;
    /** Called when an operation stops retrying and fails. @defaultValue none */
    onGiveUp?: (event: GiveUpEvent) => void;
    /** Called when the circuit opens, half-opens or closes. @defaultValue none */
    onCircuitChange?: (event: CircuitOpenEvent | CircuitHalfOpenEvent | CircuitCloseEvent) => void;
    /** Every event of this link, in one stream. @defaultValue none */
    onEvent?: EventListener;
    /**
     * Whether the device is online. While it says offline, a failure that would be retried and ended
     * in a `network` classification (no response) pauses the operation instead of spending an
     * attempt, the budget or the circuit (events `paused`, `resumed`); mutations pause only where
     * `mutations`/`idempotencyKey` would let them be retried. When it says online again, paused
     * operations resume at once, a burst spread over 1 s (the first at once; all at once without
     * `jitter`), and an open circuit's probe is due at once. While it says online, network failures
     * spend attempts as usual ("online" may be a captive portal). Pass `manualConnectivity()` fed by
     * React Native's NetInfo, or your own probe.
     * @defaultValue `browserConnectivity()`: `navigator.onLine` and the window's `online`/`offline`
     * events; where they do not exist (Node, SSR) always online, as without the option
     */
    connectivity?: Connectivity;
    /** Source of randomness for jitter (tests). @defaultValue `Math.random` */
    random?: () => number;
  }
}

/**
 * Retries transient failures (429, 5xx, network, retryable partial results) with exponential
 * backoff and jitter, honouring `Retry-After`, within a retry budget and behind a circuit breaker.
 * Mutations are never blindly replayed: see `mutations` and `idempotencyKey`. While the device is
 * offline, network failures wait for the network instead of spending attempts (see `connectivity`).
 *
 * `dispose()` ends every operation running through the link (its timers and requests are
 * cancelled; it fails with category `unknown`, reason `link-disposed`), and every later one fails
 * the same way. The budget and the circuit are this link's: one link instance is one client's policy.
 */
export class RetryBackoffLink extends PolicyExecutor {
  private readonly policy: RetryPolicy;

  constructor(options: RetryBackoffLink.Options = {}) {
    const policy = new RetryPolicy(options);
    super([policy], 'RetryBackoffLink');
    this.policy = policy;
  }

  /** The circuit's state, for UIs and tests. */
  get circuitState(): CircuitState {
    return this.policy.circuitState;
  }

  /** Closes the circuit now (a `circuit-close` event follows when it was not closed). */
  resetCircuit(): void {
    this.policy.resetCircuit();
  }
}
