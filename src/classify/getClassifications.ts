import { classifyErrors } from './classifyError.js';
import type { Classification } from './types.js';

/**
 * The classifications an Apollo error carries, each once: AC4 `CombinedGraphQLErrors` and
 * `ServerError`, AC3 `ApolloError`, a raw result with `errors`, or any thrown value.
 * Errors that were not annotated by `ErrorClassifyLink` are classified here.
 */
export function getClassifications(error: unknown): Classification[] {
  if (error === undefined || error === null) return [];
  const seen = new Set<Classification>();
  const out: Classification[] = [];
  for (const c of classifyErrors(error)) {
    if (seen.has(c)) continue;
    seen.add(c);
    out.push(c);
  }
  return out;
}
