// What the etag link needs to know of an error: is it a conflict? An ErrorClassifyLink annotation
// wins; alone, the link asks the same core table as `classifyError`.
import { type ResilienceError, unexpectedError } from '../classify/annotations.js';
import { classifyErrors } from '../classify/classifyError.js';
import type { Classification } from '../classify/types.js';

const conflict = (list: ReadonlyArray<Classification>) => list.find((c) => c.category === 'conflict');

/** The conflict a result (`errors[]`, any entry) carries, if any. `status` is the HTTP status it came with. */
export function conflictInResult(
  result: { errors?: ReadonlyArray<unknown> },
  status?: number,
): Classification | undefined {
  if (!Array.isArray(result.errors) || result.errors.length === 0) return undefined;
  return conflict(classifyErrors(result, { status }));
}

/** The conflict a failed attempt carries, if any: an annotation, a 409/412, or an etag-mismatch body. */
export function conflictInError(error: unknown): Classification | undefined {
  return conflict(classifyErrors(error));
}

/** A user callback (reread, reapply, onConflict) threw: a classified error with the cause kept. */
export function callbackFailed(error: unknown): ResilienceError {
  return unexpectedError(error, 'EtagConflictLink reread, reapply or onConflict');
}
