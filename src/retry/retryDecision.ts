import type { Classification } from '../classify/types.js';

/** `'never'`, `'safe'` (only where the server cannot have executed it), or `'always'`. */
export type MutationRetryMode = 'never' | 'safe' | 'always';

/** Failures where the server cannot have executed the request. */
export function wasNotExecuted(c: Classification): boolean {
  if (c.category === 'rate-limited') return true;
  if (c.category === 'server' && (c.status === 503 || c.reason === 'circuit-open')) return true;
  if (c.category === 'network' && (c.reason === 'connection-refused' || c.reason === 'dns')) return true;
  return false;
}

/**
 * Whether a failed mutation may be sent again. Ambiguous failures (502, 504, 500, a reset after
 * the request was written, a timeout) are retried only when the server can deduplicate: the
 * operation is marked idempotent or carries an idempotency key.
 */
export function mayRetryMutation(
  c: Classification,
  mode: MutationRetryMode,
  safety: { idempotent?: boolean; idempotencyKey?: boolean },
): boolean {
  if (!c.retryable) return false;
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  if (safety.idempotent === true || safety.idempotencyKey === true) return true;
  return wasNotExecuted(c);
}

/** A result is worth retrying when it has errors and every one of them is retryable. */
export function onlyRetryableErrors(classifications: ReadonlyArray<Classification>): boolean {
  return classifications.length > 0 && classifications.every((c) => c.retryable);
}
