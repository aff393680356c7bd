// What the links use when no ErrorClassifyLink annotated an error: the same core table as
// `classifyError` (an annotation from ErrorClassifyLink wins), so a link alone reaches the same verdict.
import { attachClassifications } from './annotations.js';
import { classifyErrors } from './classifyError.js';
import type { Classification } from './types.js';

type Headers = { get(name: string): string | null };

/** The classifications of any error or result, with the core table; annotations win. Never throws. */
export function quickClassify(
  input: unknown,
  options: { status?: number; headers?: Headers; secrets?: ReadonlyArray<string> } = {},
): Classification[] {
  return classifyErrors(input, options);
}

/** The error with its classification attached (an existing annotation wins). */
export function classified(error: unknown, options?: { secrets?: ReadonlyArray<string> }): unknown {
  return attachClassifications(error, classifyErrors(error, options));
}
