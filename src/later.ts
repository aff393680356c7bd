/** The longest delay `setTimeout` keeps (2^31 − 1 ms, 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * `setTimeout` for any delay an option can ask for: a delay over {@link MAX_TIMER_MS} (a 30-day
 * `decisionTimeoutMs`) is capped to it instead of firing after 1 ms; a negative one is 0.
 */
export function later(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  return setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_MS));
}

/** A numeric option: a number ≥ 0 as given (Infinity too), else the default (NaN from `Number(process.env.X)`, negative, null). */
export function nonNegative(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && value >= 0 ? value : fallback;
}
