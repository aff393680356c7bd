import type { GraphQLErrorLike, ResultLike } from '../compat/index.js';

type Path = ReadonlyArray<string | number>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `failed` is `path`, or (when the earlier value was an object) below it: null bubbles up from a failed non-null child. */
function failedAt(failed: Path, path: Path, objectBefore: boolean): boolean {
  return (
    (failed.length === path.length || (objectBefore && failed.length > path.length)) &&
    path.every((segment, i) => segment === failed[i])
  );
}

function valueAt(data: unknown, path: Path): unknown {
  let current: unknown = data;
  for (const segment of path) {
    if (current === null || current === undefined || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

function mergeValue(previous: unknown, next: unknown, path: Path, failedPaths: ReadonlyArray<Path>): unknown {
  if ((next === null || next === undefined) && previous !== null && previous !== undefined) {
    // The newest attempt failed here: the value an earlier attempt resolved is kept.
    return failedPaths.some((p) => failedAt(p, path, typeof previous === 'object')) ? previous : next;
  }
  if (isObject(previous) && isObject(next)) {
    const out: Record<string, unknown> = { ...next };
    for (const key of Object.keys(previous)) {
      if (!(key in next)) out[key] = previous[key];
      else out[key] = mergeValue(previous[key], next[key], [...path, key], failedPaths);
    }
    return out;
  }
  if (Array.isArray(previous) && Array.isArray(next) && previous.length === next.length) {
    return next.map((item, i) => mergeValue(previous[i], item, [...path, i], failedPaths));
  }
  return next;
}

/**
 * Merges the attempts of one query: fields that resolved in any attempt are kept (the newest
 * attempt wins where it resolved them), and errors remain only for paths that still failed.
 */
export function mergePartialResults(previous: ResultLike | undefined, next: ResultLike): ResultLike {
  if (!previous || previous.data === undefined || previous.data === null) return next;
  const nextErrors: ReadonlyArray<GraphQLErrorLike> = Array.isArray(next.errors) ? next.errors : [];
  const failedPaths = nextErrors.map((e) => e.path).filter((p): p is Path => Array.isArray(p));
  const data =
    next.data === undefined || next.data === null
      ? previous.data
      : (mergeValue(previous.data, next.data, [], failedPaths) as Record<string, unknown>);
  const errors = nextErrors.filter(
    (e) =>
      !Array.isArray(e.path) ||
      (() => {
        const v = valueAt(data, e.path);
        return v === null || v === undefined;
      })(),
  );
  const merged: ResultLike = { ...next, data };
  if (errors.length > 0) merged.errors = errors;
  else delete merged.errors;
  return merged;
}
