// The retry policy: per operation, one `RetryRun` whose `phase` says where it is; what follows a
// failed attempt is `decideRetry`'s answer. Budget and circuit are shared by the policy's operations.
import {
  classifiedGraphQLError,
  primaryClassification,
  RETRYABLE_CATEGORIES,
  ResilienceError,
  unexpectedError,
} from '../classify/annotations.js';
import { REASON_REMEDIATION } from '../classify/core.js';
import { annotateError } from '../classify/annotate.js';
import { classifyErrors } from '../classify/classifyError.js';
import type { Classification } from '../classify/types.js';
import { getOperationType, getResponse, setRequestOnlyHeader } from '../compat/index.js';
import type { GraphQLErrorLike, LinkOperation, OperationType, ResultLike, SubscriptionLike } from '../compat/index.js';
import { emit, type GiveUpReason } from '../core/events.js';
import { NOTHING, type Downstream, type Policy, type Sink } from '../core/policy.js';
import { answer, notify, reportCallbackError } from '../guard.js';
import { later } from '../later.js';
import { browserConnectivity, createOnlineGate, type OnlineGate } from '../offline/connectivity.js';
import { CircuitBreaker, type CircuitState } from './circuitBreaker.js';
import { decideRetry } from './decideRetry.js';
import { mergePartialResults } from './mergePartialResults.js';
import { mayRetryMutation, onlyRetryableErrors } from './retryDecision.js';
import { RetryBudget } from './retryBudget.js';
import type { RetryBackoffLink } from './RetryBackoffLink.js';

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

function resolve(o: RetryBackoffLink.AttemptOptions, base?: Resolved): Resolved {
  type Key = keyof RetryBackoffLink.AttemptOptions & keyof Resolved;
  /** The option, else the base's, else the default. */
  const or = <K extends Key>(key: K, fallback: Resolved[K]) => (o[key] ?? base?.[key] ?? fallback) as Resolved[K];
  /** A finite number ≥ 0 as the option, else the base's, else the default. */
  const num = (key: Key, fallback: number) =>
    positive(o[key] as number | undefined, (base?.[key] as number) ?? fallback);
  return {
    maxAttempts: Math.max(1, Math.floor(num('maxAttempts', 4))),
    initialDelayMs: num('initialDelayMs', 1000),
    maxDelayMs: num('maxDelayMs', 30_000),
    jitter: or('jitter', true),
    respectRetryAfter: or('respectRetryAfter', true),
    maxRetryAfterMs: num('maxRetryAfterMs', 60_000),
    retryIf: or('retryIf', undefined),
    mutations: or('mutations', 'safe'),
    attemptTimeoutMs: num('attemptTimeoutMs', 30_000),
    deadlineMs: o.deadlineMs !== undefined ? positive(o.deadlineMs, Infinity) : base?.deadlineMs,
    idempotencyKey: o.idempotencyKey !== undefined ? resolveKey(o.idempotencyKey) : base?.idempotencyKey,
    partialRetries: Math.floor(num('partialRetries', 1)),
    partialRetryDelayMs: num('partialRetryDelayMs', 250),
    maxPausedMs: o.maxPausedMs === Infinity ? Infinity : num('maxPausedMs', 300_000),
  };
}

/** The classification of an attempt that outlived its timeout (or the operation's deadline). */
function attemptTimeout(attempt: number, timeoutMs: number, deadlineMs?: number): Classification {
  const cut = deadlineMs !== undefined;
  return {
    category: 'network',
    reason: cut ? 'deadline-exceeded' : 'timeout',
    message: cut
      ? `Deadline of ${deadlineMs} ms passed during attempt ${attempt}`
      : `Attempt ${attempt} timed out after ${timeoutMs} ms and was aborted`,
    retryable: !cut,
    refreshable: false,
    remediation: cut
      ? 'The operation ran out of time; try again later or allow a longer deadline.'
      : 'The server did not answer in time; it is retried, and if it keeps timing out, narrow the request.',
    details: { timeoutMs, attempt },
  };
}

const NONE: ReadonlyArray<Classification> = [];
const hasData = (result: ResultLike | undefined): boolean => result?.data != null;

export class RetryPolicy implements Policy {
  readonly defaults: Resolved;
  readonly budget: RetryBudget | undefined;
  readonly breaker: CircuitBreaker | undefined;
  readonly random: () => number;
  /** Where operations paused offline wait; a burst resumes spread over 1 s (at once without jitter). */
  readonly gate: OnlineGate;
  private unlisten: (() => void) | undefined;

  constructor(readonly options: RetryBackoffLink.Options) {
    const connectivity = options.connectivity ?? browserConnectivity();
    this.random = options.random ?? Math.random;
    this.defaults = resolve(options);
    this.budget = options.budget === false ? undefined : new RetryBudget(options.budget ?? {});
    this.breaker =
      options.circuitBreaker === false
        ? undefined
        : new CircuitBreaker(
            options.circuitBreaker ?? {},
            (state, previous) => this.circuitChanged(state, previous),
            Date.now,
            this.defaults.jitter ? this.random : undefined,
          );
    this.gate = createOnlineGate(connectivity, { spreadMs: this.defaults.jitter ? 1000 : 0, random: this.random });
    const breaker = this.breaker;
    // Subscribed before the gate: on `online` the probe is due before the paused operations resume.
    if (breaker) this.unlisten = connectivity.subscribe((online) => online && breaker.probeNow());
  }

  dispose(): void {
    this.unlisten?.(); // idempotent
    this.gate.dispose();
  }

  get circuitState(): CircuitState {
    return this.breaker?.current ?? 'closed';
  }

  resetCircuit(): void {
    this.breaker?.reset();
  }

  run(
    operation: LinkOperation,
    context: Readonly<Record<string, unknown>>,
    next: Downstream,
    sink: Sink,
  ): SubscriptionLike {
    const override = context.retry;
    const kind = getOperationType(operation);
    if (override === false || kind === 'subscription') return next.send(operation, sink);
    const cfg = typeof override === 'object' && override !== null ? resolve(override, this.defaults) : this.defaults;
    return new RetryRun(this, operation, kind, cfg, context.idempotent === true, next, sink).start();
  }

  private circuitChanged(state: CircuitState, previous: CircuitState): void {
    const type = `circuit-${state === 'closed' ? 'close' : state}` as const;
    const event = emit(this.options.onEvent, type, undefined, {
      state,
      previous,
      cooldownMs: this.breaker?.cooldownMs,
      nextProbeAt: this.breaker?.nextProbeAt,
    });
    notify('onCircuitChange', this.options.onCircuitChange, event);
  }

  retryEvent(
    operationName: string | undefined,
    details: { attempt: number; delayMs: number; classification: Classification; partial?: boolean },
  ): void {
    notify('onRetry', this.options.onRetry, emit(this.options.onEvent, 'retry', operationName, details));
  }

  giveUpEvent(
    operationName: string | undefined,
    details: { attempt: number; reason: GiveUpReason; classification: Classification },
  ): void {
    notify('onGiveUp', this.options.onGiveUp, emit(this.options.onEvent, 'give-up', operationName, details));
  }
}

/**
 * Where one operation is: sending an attempt, passing a clean attempt on, asking `retryIf`, waiting
 * to retry, paused while offline, or done.
 */
type Phase = 'sending' | 'passing' | 'deciding' | 'waiting' | 'paused' | 'done';

/** One attempt's observer: callbacks of an attempt that is no longer the current one are ignored. */
class Attempt implements Sink {
  /** Partial results (data and only retryable errors) held back while a retry may still complete them. */
  held: ResultLike | undefined;
  constructor(private readonly run: RetryRun) {}
  next(result: ResultLike): void {
    if (this.run.current === this) this.run.onResult(this, result);
  }
  error(error: unknown): void {
    if (this.run.current === this) this.run.onError(this, error);
  }
  complete(): void {
    if (this.run.current === this) this.run.onComplete(this);
  }
}

class RetryRun implements SubscriptionLike {
  phase: Phase = 'sending';
  current: Attempt | undefined;
  private attempt = 0;
  private partialRetries = 0;
  private inner: SubscriptionLike | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private merged: ResultLike | undefined;
  private cancelVerdict: (() => void) | undefined;
  private key: string | undefined;
  private probe = false;
  /** The circuit heard this operation's outcome (once per operation). */
  private reported = false;
  /** Cancels the wait at the online gate (paused). */
  private cancelPause: (() => void) | undefined;
  /** When the current pause began, and the time paused before it. */
  private pausedAt = 0;
  private pausedMs = 0;
  /** Attempts that failed while offline: they do not count against `maxAttempts` (nor the backoff). */
  private free = 0;
  /** Moves forward by the time spent paused: the deadline counts only time not paused. */
  private deadlineAt: number;
  private readonly operationName: string | undefined;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly operation: LinkOperation,
    private readonly kind: OperationType,
    private readonly cfg: Resolved,
    private readonly idempotent: boolean,
    private readonly next: Downstream,
    private readonly sink: Sink,
  ) {
    this.deadlineAt = cfg.deadlineMs !== undefined ? Date.now() + cfg.deadlineMs : Infinity;
    this.operationName = operation.operationName ?? undefined;
  }

  start(): SubscriptionLike {
    const { cfg, policy } = this;
    try {
      this.key = this.kind === 'mutation' && cfg.idempotencyKey ? cfg.idempotencyKey.generate() : undefined;
    } catch (error) {
      this.phase = 'done';
      this.sink.error(unexpectedError(error, 'RetryBackoffLink idempotencyKey.generate'));
      return NOTHING;
    }
    const admission = policy.breaker?.admit() ?? 'allow';
    if (admission === 'reject') {
      this.phase = 'done';
      const remaining = policy.breaker!.remainingCooldownMs();
      const classification: Classification = {
        category: 'server',
        reason: 'circuit-open',
        message: `Requests are paused: the server failed repeatedly; the next probe is in ${Math.ceil(remaining / 1000)} s.`,
        retryable: true,
        refreshable: false,
        remediation: REASON_REMEDIATION['server/circuit-open']!, // the classifier's own words for it
        details: { retryAfterMs: remaining },
      };
      policy.giveUpEvent(this.operationName, { attempt: 0, reason: 'circuit-open', classification });
      this.sink.error(new ResilienceError(classification));
      return NOTHING;
    }
    this.probe = admission === 'probe';
    policy.budget?.recordFirstAttempt();
    this.send();
    return this;
  }

  unsubscribe(): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.cancelVerdict?.();
    this.cancelPause?.();
    this.clearTimer();
    const inner = this.inner;
    this.inner = undefined;
    this.current = undefined;
    inner?.unsubscribe();
    if (this.probe && !this.reported) this.policy.breaker?.releaseProbe();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sends the next attempt. */
  private send(): void {
    // Unsubscribed by a listener of the circuit (`circuit-half-open`) as it was admitted: the probe slot is not kept.
    if (this.phase === 'done') {
      if (this.probe) this.policy.breaker?.releaseProbe();
      return;
    }
    const { cfg } = this;
    this.attempt += 1;
    this.phase = 'sending';
    // The policies below read the context again after this (compat's setHeaders marks it rewritten).
    if (this.key && cfg.idempotencyKey) setRequestOnlyHeader(this.operation, cfg.idempotencyKey.header, this.key);
    const attempt = new Attempt(this);
    this.current = attempt;
    const subscription = this.next.send(this.operation, attempt);
    if (this.current !== attempt) return; // it ended synchronously
    this.inner = subscription;
    if (this.phase !== 'sending') return;
    const remaining = this.deadlineAt === Infinity ? Infinity : this.deadlineAt - Date.now();
    const timeoutMs = Math.min(cfg.attemptTimeoutMs, remaining);
    if (Number.isFinite(timeoutMs)) {
      // Armed after subscribing, so an attempt that answered synchronously costs no timer.
      this.timer = later(() => this.timedOut(attempt, timeoutMs, remaining < cfg.attemptTimeoutMs), timeoutMs);
    }
  }

  private timedOut(attempt: Attempt, timeoutMs: number, cutByDeadline: boolean): void {
    this.timer = undefined;
    if (this.current !== attempt || this.phase !== 'sending') return;
    const running = this.inner;
    this.endAttempt();
    running?.unsubscribe(); // HttpLink aborts the fetch on unsubscribe
    const classification = attemptTimeout(this.attempt, timeoutMs, cutByDeadline ? this.cfg.deadlineMs : undefined);
    const error = new ResilienceError(classification);
    if (attempt.held) this.merged = mergePartialResults(this.merged, attempt.held);
    if (cutByDeadline) this.giveUp(error, classification, 'deadline-passed');
    else this.failed(error, classification, false);
  }

  private endAttempt(): void {
    this.current = undefined;
    this.inner = undefined;
    this.clearTimer();
  }

  private classifyResult(result: ResultLike): ReadonlyArray<Classification> {
    if (!Array.isArray(result.errors) || result.errors.length === 0) return NONE;
    const response = getResponse(this.operation);
    return classifyErrors(result, { status: response?.errorStatus, headers: response?.headers });
  }

  /** Whether a result with only retryable errors is held back for a retry instead of passed on. */
  private mayHold(
    result: ResultLike,
    held: ResultLike | undefined,
    classifications: ReadonlyArray<Classification>,
  ): boolean {
    if (this.attempt - this.free >= this.cfg.maxAttempts) return false;
    // AC4 delivers a non-2xx graphql-response+json body as a result: a mutation's data-less 429/503 is
    // the failure it would be as an error, retried where a mutation may be.
    if (this.kind === 'mutation')
      return (
        !hasData(result) &&
        mayRetryMutation(primaryClassification(classifications)!, this.cfg.mutations, {
          idempotent: this.idempotent,
          idempotencyKey: this.key !== undefined,
        })
      );
    if (this.kind !== 'query') return false;
    // A partial result is retried `partialRetries` times, quickly: its data is worth showing soon.
    return !(hasData(result) || hasData(held)) || this.partialRetries < this.cfg.partialRetries;
  }

  onResult(attempt: Attempt, result: ResultLike): void {
    if (this.phase === 'passing') return this.sink.next(result);
    const classifications = this.classifyResult(result);
    const retryable = onlyRetryableErrors(classifications);
    if (retryable && this.mayHold(result, attempt.held, classifications)) {
      attempt.held = attempt.held ? mergePartialResults(attempt.held, result) : result;
      return;
    }
    this.phase = 'passing';
    this.clearTimer();
    this.report(retryable ? primaryClassification(classifications) : undefined);
    // A chunk held before this one (@defer: the initial result) goes first, with what earlier attempts resolved.
    const held = attempt.held;
    attempt.held = undefined;
    if (held) this.sink.next(this.merged ? mergePartialResults(this.merged, held) : held);
    const out = this.merged && !held ? mergePartialResults(this.merged, result) : result;
    this.merged = undefined;
    this.sink.next(out);
  }

  onError(attempt: Attempt, error: unknown): void {
    this.endAttempt();
    if (this.phase === 'passing') {
      this.phase = 'done';
      return this.sink.error(error);
    }
    if (attempt.held) this.merged = mergePartialResults(this.merged, attempt.held);
    this.failed(error, primaryClassification(classifyErrors(error))!, false);
  }

  onComplete(attempt: Attempt): void {
    this.endAttempt();
    if (this.phase === 'passing') {
      this.phase = 'done';
      return this.sink.complete();
    }
    const held = attempt.held;
    if (held) {
      this.merged = mergePartialResults(this.merged, held);
      // Its errors may all be resolved by the attempt's later results: then it is the answer.
      const failure = primaryClassification(this.classifyResult(held));
      if (failure) return this.failed(undefined, failure, hasData(held));
    }
    this.report(undefined);
    this.phase = 'done';
    if (this.merged) this.sink.next(this.merged);
    this.sink.complete();
  }

  /** The circuit hears each operation's outcome once: a retryable failure, or anything else. */
  private report(classification: Classification | undefined): void {
    const { breaker, gate } = this.policy;
    if (this.reported || !breaker) return;
    this.reported = true;
    // Nothing learnt of the server (the app aborted; the chain failed before a request): a probe frees its slot.
    if (
      classification?.status === undefined &&
      (classification?.reason === 'aborted' || classification?.category === 'unknown')
    ) {
      if (this.probe) breaker.releaseProbe();
      return;
    }
    if (!classification || !classification.retryable || !RETRYABLE_CATEGORIES.has(classification.category))
      breaker.recordSuccess(this.probe);
    // A network failure while offline says nothing about the server: an offline burst never opens the circuit.
    else if (classification.category !== 'network' || gate.online()) breaker.recordFailure(this.probe);
    else if (this.probe) breaker.releaseProbe();
  }

  /** An attempt failed: ask `retryIf` (bounded), then act on `decideRetry`. */
  private failed(error: unknown, classification: Classification, partial: boolean): void {
    const retryIf = this.cfg.retryIf;
    if (!retryIf) return this.decide(error, classification, partial, classification.retryable);
    this.phase = 'deciding';
    // A verdict that never comes must not hold the operation: no answer in time is "do not retry".
    const waitMs = Math.min(this.cfg.attemptTimeoutMs, this.deadlineAt - Date.now());
    const attempt = this.attempt;
    this.cancelVerdict = answer(
      () => retryIf(classification, { attempt, operation: this.operation }),
      waitMs,
      () => undefined,
      (outcome) => {
        this.cancelVerdict = undefined;
        if (!outcome.ok && outcome.error !== undefined) reportCallbackError('retryIf', retryIf, outcome.error);
        this.decide(error, classification, partial, outcome.ok && outcome.value);
      },
    );
  }

  private decide(error: unknown, classification: Classification, partial: boolean, wanted: boolean): void {
    if (this.phase === 'done') return;
    const { policy } = this;
    const breaker = policy.breaker;
    const decision = decideRetry(
      {
        classification,
        wanted,
        attempt: this.attempt - this.free,
        kind: this.kind,
        partial,
        idempotent: this.idempotent,
        keyed: this.key !== undefined,
        now: Date.now(),
        deadlineAt: this.deadlineAt,
        circuitBlocks: this.probe || (breaker !== undefined && !breaker.allowsRetry()),
        offline: !policy.gate.online(),
        held: hasData(this.merged),
      },
      this.cfg,
      policy.random,
    );
    if ('answer' in decision) return this.finish(error, classification);
    if ('giveUp' in decision) return this.giveUp(error, classification, decision.giveUp);
    if ('pause' in decision) return this.pause(error, classification);
    if (policy.budget && !policy.budget.tryAcquireRetry())
      return this.giveUp(error, classification, 'budget-exhausted');
    if (partial) this.partialRetries += 1;
    const { delayMs } = decision;
    this.phase = 'waiting';
    this.timer = later(() => {
      this.timer = undefined;
      this.resend(error, classification);
    }, delayMs);
    // After the timer: a listener that unsubscribes the operation clears it.
    policy.retryEvent(this.operationName, {
      attempt: this.attempt + 1,
      delayMs,
      classification,
      ...(partial ? { partial } : {}),
    });
  }

  /** Sends again after a wait (a backoff, a pause), if the circuit lets it. */
  private resend(error: unknown, classification: Classification): void {
    if (this.phase === 'done') return; // unsubscribed by a `resumed` listener
    // If the circuit opened meanwhile, this operation is the half-open probe when one is due
    // (recovery costs no extra request), else it fails fast like a new operation would.
    const admission = this.policy.breaker?.admit();
    if (admission === 'reject') {
      // Like a new operation rejected while open: nothing to tell the circuit (reporting this
      // operation's earlier failure would re-open a half-open circuit under the running probe).
      this.reported = true;
      return this.giveUp(error, classification, 'circuit-open');
    }
    this.probe = admission === 'probe';
    this.send();
  }

  /**
   * Offline: waits at the policy's online gate instead of spending the failed attempt (it is sent
   * again with the same number), the budget or the circuit; the deadline clock stops meanwhile.
   * Bounded by `maxPausedMs` over all of the operation's pauses.
   */
  private pause(error: unknown, classification: Classification): void {
    const { policy } = this;
    if (this.probe) {
      // The probe slot is not held through an outage: admission decides again on resume.
      this.probe = false;
      policy.breaker?.releaseProbe();
    }
    const left = this.cfg.maxPausedMs - this.pausedMs;
    if (left <= 0) return this.giveUp(error, classification, 'offline');
    this.free += 1;
    this.phase = 'paused';
    this.pausedAt = Date.now();
    emit(policy.options.onEvent, 'paused', this.operationName, {
      attempt: this.attempt,
      classification,
      waiting: policy.gate.size + 1,
    });
    if (this.phase !== 'paused') return; // a listener unsubscribed it
    const unpause = () => {
      this.cancelPause = undefined;
      this.clearTimer();
      const pausedFor = Date.now() - this.pausedAt;
      this.pausedMs += pausedFor;
      this.deadlineAt += pausedFor;
    };
    if (Number.isFinite(left))
      this.timer = later(() => {
        this.timer = undefined;
        this.cancelPause?.();
        unpause();
        this.giveUp(error, classification, 'offline');
      }, left);
    this.cancelPause = policy.gate.wait(() => {
      if (this.phase !== 'paused') return;
      unpause();
      emit(policy.options.onEvent, 'resumed', this.operationName, {
        attempt: this.attempt + 1,
        pausedMs: this.pausedMs,
      });
      this.resend(error, classification);
    });
  }

  private giveUp(error: unknown, classification: Classification, reason: GiveUpReason): void {
    let finalError = error;
    let finalClassification = classification;
    const attempts = this.attempt;
    const { deadlineMs, maxPausedMs } = this.cfg;
    const offline = reason === 'offline';
    if (offline || reason === 'deadline') {
      finalClassification = {
        ...classification,
        reason: offline ? 'offline' : 'deadline-exceeded',
        message: `${
          offline
            ? `Offline for ${this.pausedMs} ms`
            : `Deadline of ${deadlineMs} ms passed after ${attempts} attempt${attempts === 1 ? '' : 's'}`
        }: ${classification.message}`,
        // Offline: the network failure's own remediation ("check your network") says it.
        remediation: offline
          ? classification.remediation
          : 'The operation ran out of time while the server kept failing; try again later or allow a longer deadline.',
        details: {
          ...classification.details,
          lastReason: classification.reason,
          attempts,
          ...(offline ? { pausedMs: this.pausedMs, maxPausedMs } : { deadlineMs }),
        },
      };
      finalError = error !== undefined ? new ResilienceError(finalClassification, { cause: error }) : undefined;
    }
    this.policy.giveUpEvent(this.operationName, { attempt: this.attempt, reason, classification: finalClassification });
    this.finish(finalError, finalClassification);
  }

  private finish(error: unknown, classification: Classification | undefined): void {
    this.report(classification);
    this.phase = 'done';
    const merged = this.merged;
    if (merged && hasData(merged)) {
      // Partial data is never lost: the failure travels with it as a classified error.
      const extra = error !== undefined && classification ? [classifiedGraphQLError(classification)] : [];
      const errors = [
        ...(Array.isArray(merged.errors) ? (merged.errors as ReadonlyArray<GraphQLErrorLike>) : []),
        ...extra,
      ];
      this.sink.next(errors.length > 0 ? { ...merged, errors } : merged);
      this.sink.complete();
    } else if (error !== undefined) {
      this.sink.error(annotateError(error).error);
    } else {
      if (merged) this.sink.next(merged);
      this.sink.complete();
    }
  }
}
