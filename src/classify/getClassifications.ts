import { classifyErrors } from './classifyError.js';
import type { Classification } from './types.js';

/**
 * The classifications an Apollo error carries, each once: AC4 `CombinedGraphQLErrors` and
 * `ServerError`, AC3 `ApolloError`, a raw result with `errors`, or any thrown value.
 * Errors that were not annotated by `ErrorClassifyLink` are classified here.
 * A result without errors (`{ data }`, a query result, `errors: []` or `null`) has none: `[]`.
 */
export function getClassifications(error: unknown): Classification[] {
  if (error === undefined || error === null || isCleanResult(error)) return [];
  const seen = new Set<Classification>();
  const out: Classification[] = [];
  for (const c of classifyErrors(error)) {
    if (seen.has(c)) continue;
    seen.add(c);
    out.push(c);
  }
  return out;
}

/** A result envelope that carries no error: `data` present, `errors` absent or empty, nothing error-shaped. */
function isCleanResult(value: unknown): boolean {
  try {
    if (typeof value !== 'object' || value === null || value instanceof Error || !('data' in value)) return false;
    const v = value as Record<string, unknown>;
    if (v.errors != null && !(Array.isArray(v.errors) && v.errors.length === 0)) return false;
    return ['error', 'networkError', 'graphQLErrors', 'message', 'status', 'statusCode'].every((k) => v[k] == null);
  } catch {
    return false; // unreadable: classified (classifyErrors never throws)
  }
}
