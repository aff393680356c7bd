// Every user callback goes through here. A callback may throw, reject or never answer; none of
// that may leave an operation unsettled or reach the process as an uncaught error.
import { redact } from './classify/redact.js';
import { later } from './later.js';

const reported = new WeakSet();

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/** Reports a listener's failure on `console.error`, once per listener function, with secrets redacted. */
export function reportCallbackError(name: string, fn: object, error: unknown): void {
  if (reported.has(fn)) return;
  reported.add(fn);
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(
    `apollo-link-resilience: the ${name} callback threw; it was ignored and the operation went on (reported once per callback). ${redact(message)}`,
  );
}

/**
 * Calls a listener (`onEvent`, `onRetry`, `onAuthFailure`…) whose answer nobody needs. A throw or a
 * rejected promise is reported once per listener and never reaches the operation.
 */
export function notify<A extends unknown[]>(
  name: string,
  listener: ((...args: A) => unknown) | undefined,
  ...args: A
): void {
  if (!listener) return;
  try {
    const out = listener(...args);
    if (isThenable(out)) out.then(undefined, (error: unknown) => reportCallbackError(name, listener, error));
  } catch (error) {
    reportCallbackError(name, listener, error);
  }
}

/** A user predicate (`isAuthError`) that throws counts as `fallback`, and is reported once. */
export function decideSafely<A extends unknown[]>(
  name: string,
  predicate: (...args: A) => boolean,
  fallback: boolean,
  ...args: A
): boolean {
  try {
    const value = predicate(...args);
    // A promise is no answer (and would always count as true).
    if (typeof (value as unknown as { then?: unknown } | null)?.then === 'function') {
      void Promise.resolve(value).catch(() => undefined); // its rejection must not crash the process
      throw new TypeError('it returned a promise; it must answer synchronously');
    }
    return value;
  } catch (error) {
    reportCallbackError(name, predicate, error);
    return fallback;
  }
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Calls a user function whose answer the link needs (`getToken`, `retryIf`, `reapply`…) and hands
 * the outcome to `done` exactly once: synchronously when it answers synchronously (the common case
 * costs no promise and no timer), otherwise when its promise settles. A throw or rejection is
 * `{ ok: false }`; no answer within `timeoutMs` is `{ ok: false, error: timeoutError() }`.
 * Returns `cancel`, which drops a pending answer and clears the timer (the operation ended).
 */
export function answer<T>(
  fn: () => T | PromiseLike<T>,
  timeoutMs: number,
  timeoutError: () => unknown,
  done: (outcome: Outcome<T>) => void,
): () => void {
  let value: T | PromiseLike<T>;
  try {
    value = fn();
  } catch (error) {
    done({ ok: false, error });
    return () => undefined;
  }
  if (!isThenable(value)) {
    done({ ok: true, value });
    return () => undefined;
  }
  let open = true;
  const settle = (outcome: Outcome<T>) => {
    if (!open) return;
    open = false;
    if (timer !== undefined) clearTimeout(timer);
    done(outcome);
  };
  const timer = Number.isFinite(timeoutMs)
    ? later(() => settle({ ok: false, error: timeoutError() }), timeoutMs)
    : undefined;
  try {
    value.then(
      (v) => settle({ ok: true, value: v }),
      (error: unknown) => settle({ ok: false, error }),
    );
  } catch (error) {
    settle({ ok: false, error });
  }
  return () => {
    open = false;
    if (timer !== undefined) clearTimeout(timer);
  };
}

/** `answer` as a promise, for async code: it rejects on a throw, a rejection or the timeout. */
export function ask<T>(
  fn: () => T | PromiseLike<T>,
  timeoutMs: number,
  timeoutError: () => unknown,
): { promise: Promise<T>; cancel: () => void } {
  let cancel: () => void = () => undefined;
  const promise = new Promise<T>((resolve, reject) => {
    cancel = answer(fn, timeoutMs, timeoutError, (outcome) =>
      outcome.ok ? resolve(outcome.value) : reject(outcome.error),
    );
  });
  return { promise, cancel };
}
