import { nonNegative } from '../later.js';

export interface RetryBudgetOptions {
  /** Retries may not exceed this share of first attempts (over `windowMs`). @defaultValue 0.2 */
  ratio?: number;
  /** Retries always allowed in any one-second window, whatever the ratio. @defaultValue 5 */
  minPerSecond?: number;
  /** How far back first attempts and retries are counted. @defaultValue 10000 */
  windowMs?: number;
}

const BUCKET_MS = 250;
/** First attempts counted per clock reading (see `recordFirstAttempt`). */
const FIRST_ATTEMPT_BATCH = 16;

/**
 * A retry budget shared by every operation of a link (Finagle/gRPC style): a retry is allowed
 * while retries stay within `ratio × first attempts` over the window, or while fewer than
 * `minPerSecond` retries went out in the last second (so a fresh client can retry at once).
 * Counts live in fixed time buckets: memory is constant whatever the traffic.
 */
export class RetryBudget {
  private readonly ratio: number;
  private readonly minPerSecond: number;
  private readonly buckets: Array<{ start: number; firsts: number; retries: number }>;
  /** The newest bucket, checked first (the common case is "now"). */
  private current: { start: number; firsts: number; retries: number };
  /** First attempts since the last clock reading, and when that was. */
  private undated = 0;
  private lastReadingAt: number;

  constructor(
    options: RetryBudgetOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    // Not a number ≥ 0 (NaN, negative, null): the default; a NaN window would leave no bucket at all.
    this.ratio = nonNegative(options.ratio, 0.2);
    this.minPerSecond = nonNegative(options.minPerSecond, 5);
    // 1 s to 1 h: memory is one bucket per 250 ms of window.
    const windowMs = Math.min(Math.max(1000, nonNegative(options.windowMs, 10_000)), 3_600_000);
    this.buckets = Array.from({ length: Math.ceil(windowMs / BUCKET_MS) }, () => ({
      start: -Infinity,
      firsts: 0,
      retries: 0,
    }));
    this.current = this.buckets[0]!;
    this.lastReadingAt = now();
  }

  private bucket(at: number) {
    const current = this.current;
    if (at >= current.start && at < current.start + BUCKET_MS) return current;
    const start = Math.floor(at / BUCKET_MS) * BUCKET_MS;
    const b = this.buckets[Math.floor(at / BUCKET_MS) % this.buckets.length]!;
    if (b.start !== start) {
      b.start = start;
      b.firsts = 0;
      b.retries = 0;
    }
    if (start > current.start) this.current = b;
    return b;
  }

  private sum(sinceMs: number, at: number) {
    let firsts = 0;
    let retries = 0;
    for (const b of this.buckets) {
      if (b.start > at - sinceMs && b.start <= at) {
        firsts += b.firsts;
        retries += b.retries;
      }
    }
    return { firsts, retries };
  }

  /**
   * Counts a first attempt. The clock is read once per `FIRST_ATTEMPT_BATCH` first attempts (and
   * before every decision), not per operation: the batch is dated at the previous clock reading,
   * so a first attempt may count as up to one batch older than it is (it leaves the window
   * sooner), never as newer. The error can only make the budget stricter, by at most
   * `ratio × FIRST_ATTEMPT_BATCH` retries.
   */
  recordFirstAttempt(): void {
    if (++this.undated >= FIRST_ATTEMPT_BATCH) this.date(this.now());
  }

  private date(at: number): void {
    const datedAt = Math.min(this.lastReadingAt, at);
    // A batch older than the window no longer counts (and must not reset a bucket in use).
    if (this.undated > 0 && datedAt > at - this.buckets.length * BUCKET_MS) this.bucket(datedAt).firsts += this.undated;
    this.undated = 0;
    this.lastReadingAt = at;
  }

  /** Takes one retry from the budget if it allows one; `false` means do not retry. */
  tryAcquireRetry(): boolean {
    const at = this.now();
    this.date(at);
    const window = this.sum(this.buckets.length * BUCKET_MS, at);
    const lastSecond = this.sum(1000, at);
    const allowed = window.retries + 1 <= this.ratio * window.firsts || lastSecond.retries < this.minPerSecond;
    if (allowed) this.bucket(at).retries += 1;
    return allowed;
  }

  /** Current counts, for events and tests. */
  snapshot(): { firstAttempts: number; retries: number; retriesLastSecond: number } {
    const at = this.now();
    this.date(at);
    const window = this.sum(this.buckets.length * BUCKET_MS, at);
    return { firstAttempts: window.firsts, retries: window.retries, retriesLastSecond: this.sum(1000, at).retries };
  }
}
