export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  jitter: boolean;
}

/**
 * Exponential backoff: `initialDelayMs × 2^(retry−1)`, capped at `maxDelayMs`.
 * Jitter scheme: proportional ±25 % (`delay × [0.75, 1.25)`), then capped again, so that the
 * seeds' 1, 2, 4, 8 s schedule holds on average while concurrent clients spread out.
 * `retry` counts from 1 (the first retry, i.e. the second attempt).
 */
export function computeBackoffDelay(
  retry: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, retry - 1);
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(exponent, 52));
  if (!options.jitter) return Math.max(0, base);
  const factor = 0.75 + 0.5 * clampUnit(random());
  return Math.max(0, Math.min(options.maxDelayMs, Math.round(base * factor)));
}

function clampUnit(value: number): number {
  return Number.isFinite(value) ? Math.min(Math.max(value, 0), 0.999999) : 0.5;
}

/**
 * The delay before the next attempt: the server's `Retry-After` (capped at `maxRetryAfterMs`)
 * when it gave one and we respect it, else the backoff.
 */
export function nextDelay(
  retry: number,
  retryAfterMs: number | undefined,
  options: BackoffOptions & { respectRetryAfter: boolean; maxRetryAfterMs: number },
  random?: () => number,
): number {
  if (options.respectRetryAfter && retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    return Math.min(retryAfterMs, options.maxRetryAfterMs);
  }
  return computeBackoffDelay(retry, options, random);
}
