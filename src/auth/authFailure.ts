// What the auth link needs to know of an error: is it an authentication failure, and can a new
// token fix it? An ErrorClassifyLink annotation wins; alone, the link asks the same core table as
// `classifyError`, so both reach one verdict.
import { classifyErrors } from '../classify/classifyError.js';
import type { Classification } from '../classify/types.js';

type IsAuthError = (c: Classification) => boolean;

/** The failure a new token may fix (`isAuthError`, which the app may widen: a 403 its API sends for an expired token), else an `unauthenticated` one. */
const authFailure = (list: ReadonlyArray<Classification>, isAuthError: IsAuthError) =>
  list.find(isAuthError) ?? list.find((c) => c.category === 'unauthenticated');

/** The authentication failure a result (`errors[]`, any entry) carries, if any. */
export function authFailureInResult(
  result: { errors?: ReadonlyArray<unknown> },
  status: number | undefined,
  secrets: ReadonlyArray<string>,
  isAuthError: IsAuthError,
): Classification | undefined {
  if (!Array.isArray(result.errors) || result.errors.length === 0) return undefined;
  return authFailure(classifyErrors(result, { status, secrets }), isAuthError);
}

/** The authentication failure a failed request carries, if any (a 401, or an auth error in its body). */
export function authFailureInError(
  error: unknown,
  secrets: ReadonlyArray<string>,
  isAuthError: IsAuthError,
): Classification | undefined {
  return authFailure(classifyErrors(error, { secrets }), isAuthError);
}
