import { findEtagPath, getAtPath, setAtPath } from '../etagPath';
import { intendedChange } from '../EtagConflictLink';
import { deepEqual, threeWayMerge } from '../threeWayMerge';

describe('threeWayMerge', () => {
  const base = { id: '1', _etag: 'e1', notes: 'a', quantity: 10, status: 'OPEN', tags: ['x'] };
  test.each<[string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, string[], string[]]>([
    // name, latest, mine, expected merged, conflicting fields, kept theirs
    ['non-overlapping: I change notes, they change quantity', { ...base, quantity: 12 }, { notes: 'mine', quantity: 10 }, { notes: 'mine', quantity: 12 }, [], ['quantity']],
    ['I send only my field: theirs is not touched', { ...base, quantity: 12 }, { notes: 'mine' }, { notes: 'mine' }, [], []],
    ['both changed the same field differently: conflict', { ...base, notes: 'theirs' }, { notes: 'mine' }, { notes: 'mine' }, ['notes'], []],
    ['both made the same change: no conflict', { ...base, notes: 'same' }, { notes: 'same' }, { notes: 'same' }, [], []],
    ['they did not touch my field', { ...base, status: 'APPROVED' }, { notes: 'mine', status: 'OPEN' }, { notes: 'mine', status: 'APPROVED' }, [], ['status']],
    ['deep values compare by value', { ...base, tags: ['x', 'y'] }, { tags: ['x'] }, { tags: ['x', 'y'] }, [], ['tags']],
    ['ids and etags are never merged', { ...base, _etag: 'e2' }, { id: '1', _etag: 'e1', notes: 'mine' }, { id: '1', _etag: 'e1', notes: 'mine' }, [], []],
    ['a field the server does not have is sent as is', base, { extra: 1 }, { extra: 1 }, [], []],
    ['null is a value like any other', { ...base, notes: null }, { notes: 'a' }, { notes: null }, [], ['notes']],
  ])('%s', (_n, latest, mine, merged, conflicts, keptTheirs) => {
    const r = threeWayMerge(base, latest, mine, new Set(['id', '_etag']));
    expect(r.merged).toEqual(merged);
    expect(r.conflicts.map((c) => c.field)).toEqual(conflicts);
    expect(r.keptTheirs).toEqual(keptTheirs);
  });
  test('a conflict holds base, mine and theirs', () => {
    expect(threeWayMerge({ q: 1 }, { q: 2 }, { q: 3 }).conflicts).toEqual([{ field: 'q', base: 1, mine: 3, theirs: 2 }]);
  });
  test('never drops a field the other writer changed that the user did not touch', () => {
    for (let i = 0; i < 200; i++) {
      const keys = ['a', 'b', 'c', 'd'];
      const b = Object.fromEntries(keys.map((k) => [k, i % 3]));
      const theirs = Object.fromEntries(keys.map((k, j) => [k, (i + j) % 2 === 0 ? 9 : b[k]]));
      const mine = Object.fromEntries(keys.map((k, j) => [k, (i * 7 + j) % 3 === 0 ? 5 : b[k]]));
      const r = threeWayMerge(b, theirs, mine);
      for (const k of keys) if (mine[k] === b[k] && theirs[k] !== b[k]) expect(r.merged[k]).toBe(theirs[k]);
    }
  });
  test('deepEqual ignores __typename and is bounded', () => {
    expect(deepEqual({ a: 1, __typename: 'X' }, { a: 1 })).toBe(true);
    expect(deepEqual([1, 2], { 0: 1, 1: 2 })).toBe(false);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(deepEqual(cyclic, { self: {} })).toBe(false);
  });
});

describe('etag paths', () => {
  test.each<[Record<string, unknown>, string | undefined]>([
    [{ input: { id: '1', _etag: 'e' } }, 'input._etag'],
    [{ id: '1', etag: 'e' }, 'etag'],
    [{ _etag: 'a', input: { _etag: 'b' } }, '_etag'],
    [{ input: { id: '1' } }, undefined],
    [{ list: [{ _etag: 'x' }] }, undefined],
  ])('findEtagPath(%p) = %p', (vars, path) => {
    expect(findEtagPath(vars)).toBe(path);
  });
  test('setAtPath copies, never mutates', () => {
    const vars = { input: { id: '1', _etag: 'old', notes: 'n' } };
    const next = setAtPath(vars, 'input._etag', 'new');
    expect(next).toEqual({ input: { id: '1', _etag: 'new', notes: 'n' } });
    expect(vars.input._etag).toBe('old');
    expect(getAtPath(next, 'input._etag')).toBe('new');
    expect(getAtPath(next, 'missing.deep')).toBeUndefined();
  });
  test('intendedChange: the input object, or the variables without ids', () => {
    expect(intendedChange({ input: { id: '1', notes: 'x' } })).toEqual({ mine: { id: '1', notes: 'x' }, inputKey: 'input' });
    expect(intendedChange({ id: '1', _etag: 'e', notes: 'x' })).toEqual({ mine: { notes: 'x' }, inputKey: undefined });
  });
});
