import { classifiedGraphQLError, primaryClassification, RETRYABLE_CATEGORIES, ResilienceError, unexpectedError } from '../classify/annotations.js';
import { classified, quickClassify as classifyErrors } from '../classify/quickClassify.js';
import type { Classification } from '../classify/types.js';
import { ApolloLink, createObservable, getContext, getOperationType, getResponse, setRequestOnlyHeader, subscribe } from '../compat/index.js';
import type { LinkForward, LinkObservable, LinkOperation, ResultLike, SubscriptionLike } from '../compat/index.js';
import { emit, type EventListener, type ResilienceEvent } from '../events.js';
import { answer, notify, reportCallbackError } from '../guard.js';
import { Lifecycle } from '../lifecycle.js';
import { nextDelay } from './backoff.js';
import { CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from './circuitBreaker.js';
import { mergePartialResults } from './mergePartialResults.js';
import { mayRetryMutation, onlyRetryableErrors, type MutationRetryMode } from './retryDecision.js';
import { RetryBudget, type RetryBudgetOptions } from './retryBudget.js';

export declare namespace RetryBackoffLink {
  /** Decides whether a failure is retried (after the link's own safety rules). */
  type RetryIf = (classification: Classification, context: { attempt: number; operation: LinkOperation }) => boolean | Promise<boolean>;

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
    /** No attempt starts or waits past this, counted from the operation's start. @defaultValue none */
    deadlineMs?: number;
    /**
     * One key per logical mutation, sent on every attempt of it and on nothing else (an etag re-read
     * carries none, a re-applied mutation gets its own); makes ambiguous failures retryable. @defaultValue false
     */
    idempotencyKey?: boolean | IdempotencyKeyOptions;
  }

  interface Options extends AttemptOptions {
    /** Retry budget shared by all operations of this link; `false` turns it off. @defaultValue `{ ratio: 0.2, minPerSecond: 5 }` */
    budget?: RetryBudgetOptions | false;
    /** Circuit breaker shared by all operations of this link; `false` turns it off. @defaultValue `{ failures: 3, windowMs: 30000, cooldownMs: 30000 }` */
    circuitBreaker?: CircuitBreakerOptions | false;
    /** Called before each retry's wait. @defaultValue none */
    onRetry?: (event: ResilienceEvent) => void;
    /** Called when an operation stops retrying and fails. @defaultValue none */
    onGiveUp?: (event: ResilienceEvent) => void;
    /** Called when the circuit opens, half-opens or closes. @defaultValue none */
    onCircuitChange?: (event: ResilienceEvent) => void;
    /** Every event of this link, in one stream. @defaultValue none */
    onEvent?: EventListener;
    /** Source of randomness for jitter (tests). @defaultValue `Math.random` */
    random?: () => number;
  }
}

type Resolved = Required<Omit<RetryBackoffLink.AttemptOptions, 'deadlineMs' | 'retryIf' | 'idempotencyKey'>> & {
  deadlineMs: number | undefined;
  retryIf: RetryBackoffLink.RetryIf | undefined;
  idempotencyKey: Required<RetryBackoffLink.IdempotencyKeyOptions> | undefined;
};


function defaultKey(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

function resolveKey(option: boolean | RetryBackoffLink.IdempotencyKeyOptions | undefined): Resolved['idempotencyKey'] {
  if (!option) return undefined;
  const { header = 'Idempotency-Key', generate = defaultKey } = option === true ? {} : option;
  return { header, generate };
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** The classification of an attempt that outlived its timeout (or the operation's deadline). */
export function attemptTimeout(attempt: number, timeoutMs: number, deadlineMs?: number): Classification {
  const cut = deadlineMs !== undefined;
  return {
    category: 'network',
    reason: cut ? 'deadline-exceeded' : 'timeout',
    message: cut ? `Deadline of ${deadlineMs} ms passed during attempt ${attempt}` : `Attempt ${attempt} timed out after ${timeoutMs} ms and was aborted`,
    retryable: !cut,
    refreshable: false,
    remediation: cut ? 'The operation ran out of time; try again later or allow a longer deadline.' : 'The server did not answer in time; it is retried, and if it keeps timing out, narrow the request.',
    details: { timeoutMs, attempt },
  };
}

/**
 * Retries transient failures (429, 5xx, network, retryable partial results) with exponential
 * backoff and jitter, honouring `Retry-After`, within a retry budget and behind a circuit breaker.
 * Mutations are never blindly replayed: see `mutations` and `idempotencyKey`.
 */
export class RetryBackoffLink extends ApolloLink {
  private readonly defaults: Resolved;
  private readonly budget: RetryBudget | undefined;
  private readonly breaker: CircuitBreaker | undefined;
  private readonly options: RetryBackoffLink.Options;
  private readonly random: () => number;
  private readonly life = new Lifecycle('RetryBackoffLink');

  constructor(options: RetryBackoffLink.Options = {}) {
    super();
    this.options = options;
    this.random = options.random ?? Math.random;
    this.defaults = RetryBackoffLink.resolve(options);
    this.budget = options.budget === false ? undefined : new RetryBudget(options.budget ?? {});
    this.breaker = options.circuitBreaker === false ? undefined : new CircuitBreaker(options.circuitBreaker ?? {}, (state, previous) => this.circuitChanged(state, previous));
  }

  /**
   * Ends every operation running through the link (its timers and requests are cancelled; it fails
   * with category `unknown`, reason `link-disposed`), and every later one fails the same way.
   * The budget and the circuit are this link's: one link instance is one client's policy.
   */
  dispose(): void {
    this.life.dispose();
  }

  /** The circuit's state, for UIs and tests. */
  get circuitState(): CircuitState {
    return this.breaker?.current ?? 'closed';
  }

  private static resolve(o: RetryBackoffLink.AttemptOptions, base?: Resolved): Resolved {
    return {
      maxAttempts: Math.max(1, Math.floor(positive(o.maxAttempts, base?.maxAttempts ?? 4))),
      initialDelayMs: positive(o.initialDelayMs, base?.initialDelayMs ?? 1000),
      maxDelayMs: positive(o.maxDelayMs, base?.maxDelayMs ?? 30_000),
      jitter: o.jitter ?? base?.jitter ?? true,
      respectRetryAfter: o.respectRetryAfter ?? base?.respectRetryAfter ?? true,
      maxRetryAfterMs: positive(o.maxRetryAfterMs, base?.maxRetryAfterMs ?? 60_000),
      retryIf: o.retryIf ?? base?.retryIf,
      mutations: o.mutations ?? base?.mutations ?? 'safe',
      attemptTimeoutMs: positive(o.attemptTimeoutMs, base?.attemptTimeoutMs ?? 30_000),
      deadlineMs: o.deadlineMs !== undefined ? positive(o.deadlineMs, Infinity) : base?.deadlineMs,
      idempotencyKey: o.idempotencyKey !== undefined ? resolveKey(o.idempotencyKey) : base?.idempotencyKey,
    };
  }

  private circuitChanged(state: CircuitState, previous: CircuitState): void {
    const type = state === 'open' ? 'circuit-open' : state === 'closed' ? 'circuit-close' : 'circuit-half-open';
    const event = emit(this.options.onEvent, type, undefined, { state, previous, cooldownMs: this.breaker?.cooldownMs });
    notify('onCircuitChange', this.options.onCircuitChange, event);
  }

  private event(kind: 'retry' | 'give-up', operationName: string | undefined, details: Record<string, unknown>): void {
    const event = emit(this.options.onEvent, kind, operationName, details);
    notify(kind === 'retry' ? 'onRetry' : 'onGiveUp', kind === 'retry' ? this.options.onRetry : this.options.onGiveUp, event);
  }

  /**
   * @internal For `createResilienceLink`, which runs a first attempt without this link's plumbing
   * when nothing about it needs the link: the attempt timeout to apply, or `undefined` when the
   * operation must go through the link (a per-operation override, a deadline, an idempotency key,
   * a circuit that is not closed, a subscription).
   */
  fastPathTimeoutMs(context: Readonly<Record<string, unknown>>, kind: string): number | undefined {
    if (context.retry !== undefined || kind === 'subscription') return undefined;
    const cfg = this.defaults;
    if (cfg.deadlineMs !== undefined || (kind === 'mutation' && cfg.idempotencyKey) || (this.breaker && this.breaker.current !== 'closed')) return undefined;
    return cfg.attemptTimeoutMs;
  }

  /** @internal `createResilienceLink` starts a first attempt itself: it counts as this link's would. */
  fastPathStarted(): void {
    this.budget?.recordFirstAttempt();
  }

  /** @internal That first attempt succeeded. */
  fastPathSucceeded(): void {
    this.breaker?.recordSuccess(false);
  }

  /** The operation whose first attempt `createResilienceLink` already started (admitted and counted). */
  private continued: LinkOperation | undefined;

  /**
   * @internal The next `request` for `operation` continues a first attempt that
   * `createResilienceLink` started: it is not admitted or counted again.
   */
  continueFastPath(operation: LinkOperation | undefined): void {
    this.continued = operation;
  }

  override request(operation: LinkOperation, forward: LinkForward): LinkObservable {
    if (this.life.disposed) return this.life.rejected();
    const context = getContext(operation);
    const override = context.retry;
    const kind = getOperationType(operation);
    if (override === false || kind === 'subscription') return forward(operation);
    const cfg = typeof override === 'object' && override !== null ? RetryBackoffLink.resolve(override as RetryBackoffLink.AttemptOptions, this.defaults) : this.defaults;
    const idempotent = context.idempotent === true;
    const operationName = operation.operationName ?? undefined;
    const continued = this.continued === operation;
    this.continued = undefined;

    return createObservable((sink) => {
      let closed = false;
      let attempt = 0;
      let inner: SubscriptionLike | undefined;
      let backoffTimer: ReturnType<typeof setTimeout> | undefined;
      let attemptTimer: ReturnType<typeof setTimeout> | undefined;
      let merged: ResultLike | undefined;
      let cancelVerdict: (() => void) | undefined;
      const deadlineAt = cfg.deadlineMs !== undefined ? Date.now() + cfg.deadlineMs : Infinity;

      let key: string | undefined;
      try {
        key = kind === 'mutation' && cfg.idempotencyKey ? cfg.idempotencyKey.generate() : undefined;
      } catch (error) {
        sink.error(unexpectedError(error, 'RetryBackoffLink idempotencyKey.generate'));
        return;
      }
      const admission = continued ? 'allow' : (this.breaker?.admit() ?? 'allow');
      if (admission === 'reject') {
        const remaining = this.breaker!.remainingCooldownMs();
        const classification: Classification = {
          category: 'server',
          reason: 'circuit-open',
          message: `Requests are paused: the server failed repeatedly; the next probe is in ${Math.ceil(remaining / 1000)} s.`,
          retryable: true,
          refreshable: false,
          remediation: 'The server is failing; requests resume automatically when a probe succeeds. Check the service status if it lasts.',
          details: { retryAfterMs: remaining },
        };
        this.event('give-up', operationName, { attempt: 0, reason: 'circuit-open', classification });
        sink.error(new ResilienceError(classification));
        return;
      }
      const probe = admission === 'probe';
      let breakerSettled = false;
      const settleBreaker = (classification: Classification | undefined) => {
        if (breakerSettled || !this.breaker) return;
        breakerSettled = true;
        if (classification && classification.retryable && RETRYABLE_CATEGORIES.has(classification.category)) this.breaker.recordFailure(probe);
        else this.breaker.recordSuccess(probe);
      };
      if (!continued) this.budget?.recordFirstAttempt();

      const classifyResult = (result: ResultLike): Classification[] => {
        if (!Array.isArray(result.errors) || result.errors.length === 0) return [];
        const response = getResponse(operation);
        return classifyErrors(result, { status: response?.errorStatus, headers: response?.headers });
      };

      const finish = (error: unknown, classification: Classification | undefined) => {
        settleBreaker(classification);
        if (merged && merged.data !== undefined && merged.data !== null) {
          // Partial data is never lost: the failure travels with it as a classified error.
          const extra = error !== undefined && classification ? [classifiedGraphQLError(classification)] : [];
          const errors = [...(Array.isArray(merged.errors) ? merged.errors : []), ...extra];
          sink.next(errors.length > 0 ? { ...merged, errors } : merged);
          sink.complete();
        } else if (error !== undefined) {
          sink.error(classified(error));
        } else {
          if (merged) sink.next(merged);
          sink.complete();
        }
      };

      const giveUp = (error: unknown, classification: Classification, reason: string) => {
        let finalError = error;
        let finalClassification = classification;
        if (reason === 'deadline') {
          finalClassification = {
            ...classification,
            reason: 'deadline-exceeded',
            message: `Deadline of ${cfg.deadlineMs} ms passed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${classification.message}`,
            remediation: 'The operation ran out of time while the server kept failing; try again later or allow a longer deadline.',
            details: { ...classification.details, lastReason: classification.reason, attempts: attempt, deadlineMs: cfg.deadlineMs },
          };
          finalError = error !== undefined ? new ResilienceError(finalClassification, { cause: error }) : undefined;
        }
        this.event('give-up', operationName, { attempt, reason, classification: finalClassification });
        finish(finalError, finalClassification);
      };

      const scheduleOrGiveUp = (error: unknown, classification: Classification) => {
        const decide = (wanted: boolean) => {
          if (closed) return;
          if (!wanted) {
            // A failure nobody would retry (a 404, a 422) is an answer, not a give-up.
            if (attempt === 1 && !classification.retryable) return finish(error, classification);
            return giveUp(error, classification, 'not-retryable');
          }
          if (attempt >= cfg.maxAttempts) return giveUp(error, classification, 'max-attempts');
          if (kind === 'mutation' && !mayRetryMutation(classification, cfg.mutations, { idempotent, idempotencyKey: key !== undefined })) return giveUp(error, classification, 'unsafe-mutation');
          const delayMs = nextDelay(attempt, classification.details?.retryAfterMs, cfg, this.random);
          if (Date.now() + delayMs >= deadlineAt) return giveUp(error, classification, 'deadline');
          if (probe || (this.breaker && !this.breaker.allowsRetry())) return giveUp(error, classification, 'circuit-open');
          if (this.budget && !this.budget.tryAcquireRetry()) return giveUp(error, classification, 'budget-exhausted');
          this.event('retry', operationName, { attempt: attempt + 1, delayMs, classification });
          backoffTimer = setTimeout(() => {
            backoffTimer = undefined;
            startAttempt();
          }, delayMs);
        };
        const retryIf = cfg.retryIf;
        if (!retryIf) return decide(classification.retryable);
        // A verdict that never comes must not hold the operation: no answer in time is "do not retry".
        const waitMs = Math.min(cfg.attemptTimeoutMs, deadlineAt - Date.now());
        cancelVerdict = answer(() => retryIf(classification, { attempt, operation }), waitMs, () => undefined, (outcome) => {
          cancelVerdict = undefined;
          if (!outcome.ok && outcome.error !== undefined) reportCallbackError('retryIf', retryIf, outcome.error);
          decide(outcome.ok && outcome.value === true);
        });
      };

      const startAttempt = () => {
        if (closed) return;
        attempt += 1;
        if (key && cfg.idempotencyKey) setRequestOnlyHeader(operation, cfg.idempotencyKey.header, key);
        let held: ResultLike | undefined;
        let passedThrough = false;
        let finished = false;
        const canHold = kind === 'query' && attempt < cfg.maxAttempts;

        const remaining = deadlineAt === Infinity ? Infinity : deadlineAt - Date.now();
        const timeoutMs = Math.min(cfg.attemptTimeoutMs, remaining);
        const cutByDeadline = remaining < cfg.attemptTimeoutMs;
        // Armed after subscribing, so an attempt that answered synchronously costs no timer.
        const armAttemptTimer = () => {
          attemptTimer = setTimeout(() => {
            attemptTimer = undefined;
            if (finished || closed) return;
            finished = true;
            const running = inner;
            inner = undefined;
            running?.unsubscribe(); // HttpLink aborts the fetch on unsubscribe
            const classification = attemptTimeout(attempt, timeoutMs, cutByDeadline ? cfg.deadlineMs : undefined);
            const error = new ResilienceError(classification);
            if (held) merged = mergePartialResults(merged, held);
            if (cutByDeadline) giveUp(error, classification, 'deadline-passed');
            else scheduleOrGiveUp(error, classification);
          }, Math.max(0, timeoutMs));
        };
        const endAttempt = () => {
          finished = true;
          inner = undefined;
          if (attemptTimer !== undefined) clearTimeout(attemptTimer);
          attemptTimer = undefined;
        };

        let forwarded: LinkObservable;
        try {
          forwarded = forward(operation);
        } catch (error) {
          endAttempt();
          const classification = primaryClassification(classifyErrors(error))!;
          return scheduleOrGiveUp(error, classification);
        }
        const subscription = subscribe(forwarded, {
          next: (result) => {
            if (finished || closed) return;
            if (passedThrough) return sink.next(result);
            const classifications = classifyResult(result);
            if (canHold && onlyRetryableErrors(classifications)) {
              held = held ? mergePartialResults(held, result) : result;
              return;
            }
            passedThrough = true;
            if (attemptTimer !== undefined) clearTimeout(attemptTimer);
            attemptTimer = undefined;
            settleBreaker(onlyRetryableErrors(classifications) ? primaryClassification(classifications) : undefined);
            const out = merged ? mergePartialResults(merged, result) : result;
            merged = undefined;
            sink.next(out);
          },
          error: (error) => {
            if (finished || closed) return;
            endAttempt();
            if (passedThrough) return sink.error(error);
            if (held) merged = mergePartialResults(merged, held);
            const classification = primaryClassification(classifyErrors(error))!;
            scheduleOrGiveUp(error, classification);
          },
          complete: () => {
            if (finished || closed) return;
            endAttempt();
            if (passedThrough) return sink.complete();
            if (held) {
              merged = mergePartialResults(merged, held);
              return scheduleOrGiveUp(undefined, primaryClassification(classifyResult(held))!);
            }
            settleBreaker(undefined);
            if (merged) sink.next(merged);
            sink.complete();
          },
        });
        if (!finished) inner = subscription;
        if (!finished && !passedThrough && !closed && Number.isFinite(timeoutMs)) armAttemptTimer();
      };

      let torn = false;
      const teardown = () => {
        if (torn) return;
        torn = true;
        untrack();
        closed = true;
        cancelVerdict?.();
        if (backoffTimer !== undefined) clearTimeout(backoffTimer);
        if (attemptTimer !== undefined) clearTimeout(attemptTimer);
        inner?.unsubscribe();
        inner = undefined;
        if (probe && !breakerSettled) this.breaker?.releaseProbe();
      };
      const untrack = this.life.track((error) => {
        teardown();
        sink.error(error);
      });
      startAttempt();
      return teardown;
    });
  }
}
