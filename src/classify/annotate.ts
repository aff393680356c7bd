import type { ResultLike } from '../compat/index.js';
import {
  MAX_ERRORS,
  attachClassifications,
  primaryClassification,
  readAnnotations,
  setAnnotations,
} from './annotations.js';
import { classifyErrors } from './classifyError.js';
import type { Classification, ClassifyOptions } from './types.js';

/**
 * Classifies the errors of a result (the first `MAX_ERRORS`) and records each classification on its error object, out of
 * sight (see `setAnnotations`). The result, its `data` and its error objects are passed on as they
 * are: same objects, same fields. A non-compliant `errors` (not an array, or entries that are not
 * objects) is left untouched and its classifications are recorded on the result itself.
 */
export function annotateResult(
  result: ResultLike,
  options: ClassifyOptions = {},
): { result: ResultLike; classifications: Classification[] } {
  const errors: unknown = result?.errors;
  if (errors === undefined || errors === null || (Array.isArray(errors) && errors.length === 0))
    return { result, classifications: [] };
  if (!Array.isArray(errors)) {
    const classifications = readAnnotations(result) ?? classifyErrors({ errors }, options);
    setAnnotations(result, classifications);
    return { result, classifications };
  }
  const extensions = result.extensions;
  const each =
    typeof extensions === 'object' && extensions !== null ? { ...options, responseExtensions: extensions } : options;
  // The first MAX_ERRORS, as classifyErrors and getClassifications read a result: bounded time, one answer.
  const bounded: unknown[] = errors.slice(0, MAX_ERRORS);
  const classifications = bounded.map((error) => {
    const existing = readAnnotations(error)?.[0];
    if (existing) return existing;
    const classification = classifyErrors(error, each)[0]!;
    setAnnotations(error, [classification]);
    return classification;
  });
  if (bounded.some((error) => typeof error !== 'object' || error === null)) setAnnotations(result, classifications);
  return { result, classifications };
}

/** Classifies an error and records the classifications on it; the same error object comes back. */
export function annotateError(
  error: unknown,
  options: ClassifyOptions = {},
): { error: unknown; classification: Classification; classifications: Classification[] } {
  const classifications = readAnnotations(error) ?? classifyErrors(error, options);
  return {
    error: attachClassifications(error, classifications),
    classification: primaryClassification(classifications)!,
    classifications,
  };
}

export { ResilienceError } from './annotations.js';
