/** One field both writers changed to different values. */
export interface FieldConflict {
  field: string;
  /** The value when the user started editing (the cached entity). */
  base: unknown;
  /** The user's intended value. */
  mine: unknown;
  /** The other writer's value (the re-read entity). */
  theirs: unknown;
}

export interface MergeResult {
  /** The user's change re-applied on the latest state: what to send. */
  merged: Record<string, unknown>;
  /** Fields both sides changed differently: a person must decide. */
  conflicts: FieldConflict[];
  /** Fields where the other writer's value was kept because the user had not changed them. */
  keptTheirs: string[];
}

export function deepEqual(a: unknown, b: unknown, depth = 0): boolean {
  // As the variables' JSON carries them: a Date is its ISO string (`null` when invalid, no throw).
  if (a instanceof Date) a = a.toJSON();
  if (b instanceof Date) b = b.toJSON();
  if (Object.is(a, b)) return true;
  if (depth > 32 || typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => k !== '__typename');
  const kb = Object.keys(b).filter((k) => k !== '__typename');
  return (
    ka.length === kb.length &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], depth + 1))
  );
}

/**
 * Three-way merge of one entity's fields. For every field the user sends:
 * - unchanged by the user (mine = base): the other writer's value is kept;
 * - unchanged by the other writer (theirs = base), or both made the same change: the user's value;
 * - changed by both to different values: a conflict.
 * Fields the user does not send are not touched (the server keeps theirs), nor is a field whose
 * value is `undefined` (JSON drops it: it is not sent either). `skip` names fields never merged
 * (ids, etags).
 */
export function threeWayMerge(
  base: Record<string, unknown>,
  latest: Record<string, unknown>,
  mine: Record<string, unknown>,
  skip: ReadonlySet<string> = new Set(),
): MergeResult {
  const merged: Record<string, unknown> = {};
  const conflicts: FieldConflict[] = [];
  const keptTheirs: string[] = [];
  for (const [field, value] of Object.entries(mine)) {
    merged[field] = value;
    if (skip.has(field) || !(field in latest)) continue;
    const theirs = latest[field];
    const before = base[field];
    const knownBase = field in base;
    if (deepEqual(value, theirs)) continue;
    // `undefined` is not sent: untouched, like a value equal to the base
    if (value === undefined || (knownBase && deepEqual(value, before))) {
      merged[field] = theirs;
      keptTheirs.push(field);
    } else if (knownBase && !deepEqual(theirs, before)) conflicts.push({ field, base: before, mine: value, theirs });
  }
  return { merged, conflicts, keptTheirs };
}
