// Fixtures the unit tests share: server answers, a scripted server, and small helpers.
import { scripted } from './harness';

export type Sink = { next(v: unknown): void; error(e: unknown): void; complete(): void };

/** AC4's `ServerError` shape for a non-2xx response with its raw body (AC3's has the same fields the links read). */
export const serverErrorWithBody = (status: number, bodyText: string, headers: Record<string, string> = {}) =>
  Object.assign(new Error(`Response not successful: Received status code ${status}`), {
    name: 'ServerError',
    statusCode: status,
    bodyText,
    response: { status, headers: new Headers(headers) },
  });

/** A `ServerError` with an empty body. */
export const serverError = (status: number, headers: Record<string, string> = {}) =>
  serverErrorWithBody(status, '', headers);

/** A GraphQL body with one error saying `message`. */
const oneError = (message: string) => JSON.stringify({ errors: [{ message }] });

/** A 401 whose body says the token expired (refreshable). */
export const unauthorized = (message = 'Token is expired') => serverErrorWithBody(401, oneError(message));

/** A 409 whose body says the etag did not match (a conflict the etag link resolves). */
export const conflict409 = (message = 'Concurrent modification detected — etag mismatch.') =>
  serverErrorWithBody(409, oneError(message));

/** A failed fetch with a Node error code (ECONNREFUSED, ECONNRESET…). */
export const networkError = (code: string) =>
  Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });

/** Answers a request: an Error fails it, anything else is its one result. */
export const answer = (sink: Sink, value: unknown) =>
  value instanceof Error ? sink.error(value) : (sink.next(value), sink.complete());

/** A terminating link that answers the n-th request with `answers[n-1]` (the last one repeats). */
export const server = (answers: unknown[]) =>
  scripted((sink, n) => answer(sink, answers[Math.min(n, answers.length) - 1]));

/** A server that never answers (a request in flight). */
export const hanging = () => scripted(() => undefined);

/** Retry options that make schedules exact: no jitter, no budget, no circuit. */
export const noJitter = { jitter: false, budget: false as const, circuitBreaker: false as const };

/** The Authorization header a scripted server saw. */
export const authHeader = (request: { context: Record<string, unknown> }) =>
  (request.context.headers as Record<string, string> | undefined)?.Authorization;

/** A promise with its resolve and reject. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Numeric option values that are not numbers ≥ 0, as untyped config produces them (`Number(process.env.X)` unset…). */
export const BAD_NUMBERS: Array<[string, number]> = [
  ['NaN', NaN],
  ['negative', -1],
  ['null', null as unknown as number],
];
