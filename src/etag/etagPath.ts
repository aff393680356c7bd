const ETAG_KEYS = ['_etag', 'etag'];

/** The dot path of the first `_etag` / `etag` found in the variables (depth first), if any. */
export function findEtagPath(variables: unknown, prefix: string[] = [], depth = 0): string | undefined {
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables) || depth > 8) return undefined;
  for (const key of ETAG_KEYS) if (key in variables) return [...prefix, key].join('.');
  for (const [key, value] of Object.entries(variables)) {
    const found = findEtagPath(value, [...prefix, key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

export function getAtPath(source: unknown, path: string): unknown {
  let current: unknown = source;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** A copy of `source` with `value` at the dot path (objects along the way are copied, not mutated). */
export function setAtPath<T>(source: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split('.');
  const base = (
    typeof source === 'object' && source !== null ? { ...(source as Record<string, unknown>) } : {}
  ) as Record<string, unknown>;
  base[head!] = rest.length === 0 ? value : setAtPath(base[head!], rest.join('.'), value);
  return base as T;
}

/** The etag an entity carries under the same key the variables use (`_etag` or `etag`). */
export function entityEtag(entity: Record<string, unknown> | undefined, path: string): unknown {
  if (!entity) return undefined;
  const key = path.split('.').pop()!;
  return entity[key] ?? entity._etag ?? entity.etag;
}
