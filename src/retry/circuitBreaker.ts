import { nonNegative } from '../later.js';
import { computeBackoffDelay, type BackoffOptions } from './backoff.js';

export interface CircuitBreakerOptions {
  /** Consecutive operations ending in a retryable failure (after their retries) that open the circuit. @defaultValue 3 */
  failures?: number;
  /** Those failures count only within this window. @defaultValue 30000 */
  windowMs?: number;
  /**
   * The wait before the first half-open probe after the circuit opens (jittered ±25 % when the
   * link's `jitter` is on); each failed probe doubles it, up to `cooldownMs`.
   * @defaultValue 1000
   */
  initialProbeDelayMs?: number;
  /**
   * The cap of the probe schedule: while the outage lasts, probes go 1, 2, 4, 8… s apart, never
   * further apart than this. (Before 0.2 this was the one fixed wait before a probe.)
   * @defaultValue 30000
   */
  cooldownMs?: number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * Closed → (N consecutive retryable failures within the window) → open → (probe due) →
 * half-open: exactly one probe operation goes through; its success closes the circuit and resets
 * the schedule, its failure opens it again with the probe delay doubled (capped by `cooldownMs`).
 * A success of any other operation, or `probeNow()` (the device came back online), makes the
 * probe due at once.
 */
export class CircuitBreaker {
  private readonly threshold: number;
  private readonly windowMs: number;
  /** The probe schedule: `initialProbeDelayMs` doubling, capped by `cooldownMs`, jittered with `random`. */
  private readonly schedule: BackoffOptions;
  readonly cooldownMs: number;
  private state: CircuitState = 'closed';
  private failureTimes: number[] = [];
  /** Which probe of this outage is next, from 1: it waits `initialProbeDelayMs × 2^(probe−1)`, capped. */
  private probes = 0;
  private probeAt = 0;
  private probeInFlight = false;

  constructor(
    options: CircuitBreakerOptions = {},
    private readonly onChange: (state: CircuitState, previous: CircuitState) => void = () => undefined,
    private readonly now: () => number = Date.now,
    /** Jitter of the probe schedule (±25 %); none without it. */
    private readonly random?: () => number,
  ) {
    // Not a number ≥ 0 (NaN, negative, null): the default; a NaN cooldown would never let a probe through.
    this.threshold = Math.max(1, nonNegative(options.failures, 3));
    this.windowMs = nonNegative(options.windowMs, 30_000);
    this.cooldownMs = nonNegative(options.cooldownMs, 30_000);
    this.schedule = {
      initialDelayMs: nonNegative(options.initialProbeDelayMs, 1000),
      maxDelayMs: this.cooldownMs,
      jitter: !!random,
    };
  }

  get current(): CircuitState {
    return this.state;
  }

  /** When the next half-open probe may go (epoch ms of `now`); `undefined` when closed. */
  get nextProbeAt(): number | undefined {
    return this.state === 'closed' ? undefined : this.probeAt;
  }

  /** Milliseconds until a half-open probe may be tried (0 when not open). */
  remainingCooldownMs(): number {
    return this.state === 'open' ? Math.max(0, this.probeAt - this.now()) : 0;
  }

  private transition(next: CircuitState): void {
    if (next === this.state) return;
    const previous = this.state;
    this.state = next;
    this.onChange(next, previous);
  }

  /** Opens (again): the `probe`-th probe of this outage waits the backoff (jittered ±25 % with `random`, capped by `cooldownMs`). */
  private open(at: number): void {
    this.probeAt = at + computeBackoffDelay(++this.probes, this.schedule, this.random);
    this.transition('open');
  }

  /**
   * Asks to start an attempt: `'allow'`, `'probe'` (the one half-open trial: report its
   * outcome), or `'reject'` (fail fast, no request).
   */
  admit(): 'allow' | 'probe' | 'reject' {
    if (this.state === 'closed') return 'allow';
    if (this.state === 'open' && this.now() >= this.probeAt) this.transition('half-open');
    if (this.state === 'half-open' && !this.probeInFlight) {
      this.probeInFlight = true;
      return 'probe';
    }
    return 'reject';
  }

  /** Whether an operation already running may send another attempt now. */
  allowsRetry(): boolean {
    return this.state === 'closed';
  }

  /** The world changed (back online, a success elsewhere): while open, the next admission is the probe. */
  probeNow(): void {
    if (this.state === 'open') this.probeAt = this.now();
  }

  recordSuccess(probe = false): void {
    if (probe) this.probeInFlight = false;
    if (this.failureTimes.length > 0) this.failureTimes = [];
    if (this.state !== 'closed' && (probe || this.state === 'half-open')) this.transition('closed');
    else this.probeNow();
  }

  recordFailure(probe = false): void {
    const at = this.now();
    // A probe whose slot `reset()` freed belongs to the outage declared over: an ordinary failure.
    if ((probe && this.probeInFlight) || this.state === 'half-open') {
      this.probeInFlight = false;
      this.open(at);
      return;
    }
    if (this.state === 'open') return;
    this.failureTimes = [...this.failureTimes.filter((t) => at - t <= this.windowMs), at];
    if (this.failureTimes.length >= this.threshold) {
      this.failureTimes = [];
      this.probes = 0;
      this.open(at);
    }
  }

  /** Closes the circuit now (the app knows the server is back): the failures counted so far are forgotten. */
  reset(): void {
    this.failureTimes = [];
    this.probeInFlight = false;
    this.transition('closed');
  }

  /** A probe that ended without telling (cancelled): let another one try. */
  releaseProbe(): void {
    this.probeInFlight = false;
  }
}
