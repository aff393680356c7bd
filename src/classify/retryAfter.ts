/** The longest wait a `Retry-After` is read as (one day); the retry link caps it again (`maxRetryAfterMs`). */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Parses a `Retry-After` value (delta-seconds or an HTTP-date) into milliseconds from `nowMs`.
 * Negative, infinite or unparseable values give `undefined`; a date in the past gives `0`; a wait
 * over one day is one day (a server asking for a long wait must not be retried sooner for it).
 */
export function parseRetryAfter(value: unknown, nowMs: number = Date.now()): number | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) && value >= 0 ? Math.min(Math.round(value * 1000), MAX_RETRY_AFTER_MS) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '' || text.length > 100) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return parseRetryAfter(Number(text), nowMs);
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - nowMs), MAX_RETRY_AFTER_MS);
}
