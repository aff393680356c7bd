/** The longest wait a `Retry-After` can ask for before we treat it as garbage (one day). */
const MAX_SANE_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Parses a `Retry-After` value (delta-seconds or an HTTP-date) into milliseconds from `nowMs`.
 * Negative, absurd or unparseable values give `undefined`; a date in the past gives `0`.
 */
export function parseRetryAfter(value: unknown, nowMs: number = Date.now()): number | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) && value >= 0 && value * 1000 <= MAX_SANE_RETRY_AFTER_MS
      ? Math.round(value * 1000)
      : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '' || text.length > 100) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return parseRetryAfter(Number(text), nowMs);
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  const delta = at - nowMs;
  if (delta > MAX_SANE_RETRY_AFTER_MS) return undefined;
  return Math.max(0, delta);
}
