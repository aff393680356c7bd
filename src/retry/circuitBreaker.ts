export interface CircuitBreakerOptions {
  /** Consecutive operations ending in a retryable failure (after their retries) that open the circuit. @defaultValue 3 */
  failures?: number;
  /** Those failures count only within this window. @defaultValue 30000 */
  windowMs?: number;
  /** How long the circuit stays open before one half-open probe may go through. @defaultValue 30000 */
  cooldownMs?: number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * Closed → (N consecutive retryable failures within the window) → open → (cooldown) →
 * half-open: exactly one probe operation goes through; its success closes the circuit, its
 * failure opens it again for another cooldown.
 */
export class CircuitBreaker {
  private readonly threshold: number;
  private readonly windowMs: number;
  readonly cooldownMs: number;
  private state: CircuitState = 'closed';
  private failureTimes: number[] = [];
  private openedAt = 0;
  private probeInFlight = false;

  constructor(
    options: CircuitBreakerOptions = {},
    private readonly onChange: (state: CircuitState, previous: CircuitState) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.threshold = Math.max(1, options.failures ?? 3);
    this.windowMs = Math.max(0, options.windowMs ?? 30_000);
    this.cooldownMs = Math.max(0, options.cooldownMs ?? 30_000);
  }

  get current(): CircuitState {
    return this.state;
  }

  /** Milliseconds until a half-open probe may be tried (0 when closed). */
  remainingCooldownMs(): number {
    return this.state === 'open' ? Math.max(0, this.openedAt + this.cooldownMs - this.now()) : 0;
  }

  private transition(next: CircuitState): void {
    if (next === this.state) return;
    const previous = this.state;
    this.state = next;
    this.onChange(next, previous);
  }

  /**
   * Asks to start an operation: `'allow'`, `'probe'` (the one half-open trial: report its
   * outcome), or `'reject'` (fail fast, no request).
   */
  admit(): 'allow' | 'probe' | 'reject' {
    if (this.state === 'open' && this.now() - this.openedAt >= this.cooldownMs) this.transition('half-open');
    if (this.state === 'closed') return 'allow';
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

  recordSuccess(probe = false): void {
    if (probe) this.probeInFlight = false;
    if (this.failureTimes.length > 0) this.failureTimes = [];
    if (this.state !== 'closed' && (probe || this.state === 'half-open')) this.transition('closed');
  }

  recordFailure(probe = false): void {
    const at = this.now();
    if (probe || this.state === 'half-open') {
      this.probeInFlight = false;
      this.openedAt = at;
      this.transition('open');
      return;
    }
    if (this.state === 'open') return;
    this.failureTimes = [...this.failureTimes.filter((t) => at - t <= this.windowMs), at];
    if (this.failureTimes.length >= this.threshold) {
      this.openedAt = at;
      this.failureTimes = [];
      this.transition('open');
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
