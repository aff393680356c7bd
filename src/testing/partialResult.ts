import type { GraphQLErrorLike, ResultLike } from '../compat/index.js';

export type Path = ReadonlyArray<string | number>;

/** A copy of `value` with the field at `path` set to `null` (only the objects along the path are copied). */
function nullAt(value: unknown, path: Path): unknown {
  if (path.length === 0 || typeof value !== 'object' || value === null) return value;
  const [head, ...rest] = path as [string | number, ...Array<string | number>];
  const copy = (Array.isArray(value) ? [...(value as unknown[])] : { ...(value as Record<string, unknown>) }) as Record<
    string | number,
    unknown
  >;
  if (!(head in copy)) return value;
  copy[head] = rest.length === 0 ? null : nullAt(copy[head], rest);
  return copy;
}

/**
 * A result as a server that failed to resolve some fields returns it: each path's field is `null`
 * in `data` and has an error with that `path` (the errors already there are kept, the new ones after them).
 */
export function partialResult(
  result: ResultLike,
  paths: ReadonlyArray<Path>,
  message: string,
  code: string,
): ResultLike {
  let data: unknown = result.data ?? null;
  for (const path of paths) data = nullAt(data, path);
  const errors: GraphQLErrorLike[] = [
    ...(result.errors ?? []),
    ...paths.map((path) => ({ message, path, extensions: { code } })),
  ];
  return { ...result, data: data as ResultLike['data'], errors };
}
