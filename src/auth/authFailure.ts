// What the auth link needs to know of an error: is it an authentication failure, and can a new
// token fix it? An ErrorClassifyLink annotation wins; alone, the link asks the same core table as
// `classifyError`, so both reach one verdict.
import { classifyErrors } from '../classify/classifyError.js';
import type { Classification } from '../classify/types.js';

const unauthenticated = (list: ReadonlyArray<Classification>) => list.find((c) => c.category === 'unauthenticated');

/** The authentication failure a result (`errors[]`, any entry) carries, if any. */
export function authFailureInResult(
  result: { errors?: ReadonlyArray<unknown> },
  status: number | undefined,
  secrets: ReadonlyArray<string>,
): Classification | undefined {
  if (!Array.isArray(result.errors) || result.errors.length === 0) return undefined;
  return unauthenticated(classifyErrors(result, { status, secrets }));
}

/** The authentication failure a failed request carries, if any (a 401, or an auth error in its body). */
export function authFailureInError(error: unknown, secrets: ReadonlyArray<string>): Classification | undefined {
  return unauthenticated(classifyErrors(error, { secrets }));
}
