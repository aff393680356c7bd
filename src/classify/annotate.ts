import type { GraphQLErrorLike, ResultLike } from '../compat/index.js';
import { attachClassifications, primaryClassification, readAnnotations } from './annotations.js';
import { classifyErrors } from './classifyError.js';
import type { Classification, ClassifyOptions } from './types.js';

/** A GraphQL error with its classification under `extensions.classification`. */
function annotateGraphQLError(error: unknown, options: ClassifyOptions): { error: GraphQLErrorLike; classification: Classification } {
  const existing = readAnnotations(error)?.[0];
  if (existing) return { error: error as GraphQLErrorLike, classification: existing };
  const classification = classifyErrors(error, options)[0]!;
  if (typeof error !== 'object' || error === null) {
    return { error: { message: classification.message, extensions: { classification } }, classification };
  }
  // A copy with the same prototype and the same field values: nothing the error had is lost.
  const copy = Object.assign(Object.create(Object.getPrototypeOf(error) as object) as object, error) as GraphQLErrorLike;
  const extensions = (error as GraphQLErrorLike).extensions;
  (copy as { extensions: Record<string, unknown> }).extensions = { ...(typeof extensions === 'object' && extensions !== null ? extensions : {}), classification };
  if (typeof copy.message !== 'string') (copy as { message: string }).message = classification.message;
  return { error: copy, classification };
}

/**
 * Annotates every error of a result; `data` and every other field stay as they are.
 * Returns the same object when there is nothing to annotate.
 */
export function annotateResult(result: ResultLike, options: ClassifyOptions = {}): { result: ResultLike; classifications: Classification[] } {
  const errors: unknown = result?.errors;
  if (errors === undefined || errors === null) return { result, classifications: [] };
  if (!Array.isArray(errors)) {
    // `errors` of the wrong type: keep the data, replace the unusable errors with a classified one.
    const classification = classifyErrors({ errors }, options)[0]!;
    const { errors: _unusable, ...rest } = result;
    return { result: { ...rest, errors: [{ message: classification.message, extensions: { classification, originalErrors: errors } }] }, classifications: [classification] };
  }
  if (errors.length === 0) return { result, classifications: [] };
  const annotated = errors.map((e) => annotateGraphQLError(e, options));
  return { result: { ...result, errors: annotated.map((a) => a.error) }, classifications: annotated.map((a) => a.classification) };
}

/** Classifies an error with the full table and attaches the result (see `attachClassifications`). */
export function annotateError(error: unknown, options: ClassifyOptions = {}): { error: unknown; classification: Classification; classifications: Classification[] } {
  const classifications = classifyErrors(error, options);
  return { error: attachClassifications(error, classifications), classification: primaryClassification(classifications)!, classifications };
}

export { ResilienceError } from './annotations.js';
