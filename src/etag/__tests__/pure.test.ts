import { entityEtag, findEtagPath, getAtPath, setAtPath } from '../etagPath';
import { intendedChange } from '../etagPolicy';
import { deepEqual, threeWayMerge } from '../threeWayMerge';

describe('threeWayMerge', () => {
  const base = { id: '1', _etag: 'e1', notes: 'a', quantity: 10, status: 'OPEN', tags: ['x'] };
  test.each<[string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, string[], string[]]>([
    // name, latest, mine, expected merged, conflicting fields, kept theirs
    [
      'non-overlapping: I change notes, they change quantity',
      { ...base, quantity: 12 },
      { notes: 'mine', quantity: 10 },
      { notes: 'mine', quantity: 12 },
      [],
      ['quantity'],
    ],
    [
      'I send only my field: theirs is not touched',
      { ...base, quantity: 12 },
      { notes: 'mine' },
      { notes: 'mine' },
      [],
      [],
    ],
    [
      'both changed the same field differently: conflict',
      { ...base, notes: 'theirs' },
      { notes: 'mine' },
      { notes: 'mine' },
      ['notes'],
      [],
    ],
    [
      'both made the same change: no conflict',
      { ...base, notes: 'same' },
      { notes: 'same' },
      { notes: 'same' },
      [],
      [],
    ],
    [
      'they did not touch my field',
      { ...base, status: 'APPROVED' },
      { notes: 'mine', status: 'OPEN' },
      { notes: 'mine', status: 'APPROVED' },
      [],
      ['status'],
    ],
    [
      'deep values compare by value',
      { ...base, tags: ['x', 'y'] },
      { tags: ['x'] },
      { tags: ['x', 'y'] },
      [],
      ['tags'],
    ],
    [
      'ids and etags are never merged',
      { ...base, _etag: 'e2' },
      { id: '1', _etag: 'e1', notes: 'mine' },
      { id: '1', _etag: 'e1', notes: 'mine' },
      [],
      [],
    ],
    ['a field the server does not have is sent as is', base, { extra: 1 }, { extra: 1 }, [], []],
    ['null is a value like any other', { ...base, notes: null }, { notes: 'a' }, { notes: null }, [], ['notes']],
  ])('%s', (_n, latest, mine, merged, conflicts, keptTheirs) => {
    const r = threeWayMerge(base, latest, mine, new Set(['id', '_etag']));
    expect(r.merged).toEqual(merged);
    expect(r.conflicts.map((c) => c.field)).toEqual(conflicts);
    expect(r.keptTheirs).toEqual(keptTheirs);
  });
  test('a conflict holds base, mine and theirs', () => {
    expect(threeWayMerge({ q: 1 }, { q: 2 }, { q: 3 }).conflicts).toEqual([
      { field: 'q', base: 1, mine: 3, theirs: 2 },
    ]);
  });
  test('never drops a field the other writer changed that the user did not touch', () => {
    for (let i = 0; i < 200; i++) {
      const keys = ['a', 'b', 'c', 'd'];
      const b = Object.fromEntries(keys.map((k) => [k, i % 3]));
      const theirs = Object.fromEntries(keys.map((k, j) => [k, (i + j) % 2 === 0 ? 9 : b[k]]));
      const mine = Object.fromEntries(keys.map((k, j) => [k, (i * 7 + j) % 3 === 0 ? 5 : b[k]]));
      const r = threeWayMerge(b, theirs, mine);
      // Every field, not only the interesting ones: the user's value where they changed it, else theirs.
      for (const k of keys) expect(r.merged[k]).toBe(mine[k] !== b[k] ? mine[k] : theirs[k]);
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
    expect(intendedChange({ input: { id: '1', notes: 'x' } })).toEqual({
      mine: { id: '1', notes: 'x' },
      inputKey: 'input',
    });
    expect(intendedChange({ id: '1', _etag: 'e', notes: 'x' })).toEqual({ mine: { notes: 'x' }, inputKey: undefined });
  });
  test.each<[string, Record<string, unknown>, Record<string, unknown>, string | undefined]>([
    [
      'every id and etag key is left out',
      { id: '1', _id: '2', uuid: 'u', _etag: 'e', etag: 'f', notes: 'x' },
      { notes: 'x' },
      undefined,
    ],
    [
      'an input that is a list is not the change',
      { input: ['a'], id: '1', notes: 'x' },
      { input: ['a'], notes: 'x' },
      undefined,
    ],
    ['an input that is null is not the change', { input: null, notes: 'x' }, { input: null, notes: 'x' }, undefined],
    ['an input object is the change as it is', { input: { _etag: 'e', q: 1 }, id: '1' }, { _etag: 'e', q: 1 }, 'input'],
  ])('intendedChange: %s', (_n, variables, mine, inputKey) => {
    expect(intendedChange(variables)).toEqual({ mine, inputKey });
  });
});

describe('deepEqual', () => {
  const nest = (levels: number, leaf: unknown): unknown => (levels === 0 ? leaf : { v: nest(levels - 1, leaf) });
  test.each<[string, unknown, unknown, boolean]>([
    ['same primitive', 1, 1, true],
    ['NaN equals NaN', NaN, NaN, true],
    ['+0 and -0 differ', 0, -0, false],
    ['different primitives', 1, 2, false],
    ['a number and a string', 1, '1', false],
    ['null and an object', null, {}, false],
    ['an object and null', {}, null, false],
    ['null and null', null, null, true],
    ['undefined and null', undefined, null, false],
    ['an object and a number', { a: 1 }, 1, false],
    ['a number and an object', 1, { a: 1 }, false],
    ['equal objects', { a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }, true],
    ['one of two fields differs', { a: 1, b: 2 }, { a: 1, b: 3 }, false],
    ['a differing nested value', { a: { b: 1 } }, { a: { b: 2 } }, false],
    ['more keys on the left', { a: 1, b: 2 }, { a: 1 }, false],
    ['more keys on the right', { a: 1 }, { a: 1, b: 2 }, false],
    ['same key count, other keys', { a: 1, b: 2 }, { a: 1, c: 2 }, false],
    ['lists of different length', [1, 2], [1, 2, 3], false],
    ['lists in another order', [1, 2], [2, 1], false],
    ['a list and an object with the same entries', [1, 2], { 0: 1, 1: 2 }, false],
    ['an object and a list with the same entries', { 0: 1, 1: 2 }, [1, 2], false],
    ['__typename on the left only', { a: 1, __typename: 'PO' }, { a: 1 }, true],
    ['__typename on the right only', { a: 1 }, { a: 1, __typename: 'PO' }, true],
    ['__typename on the right only, nested', { po: { a: 1 } }, { po: { a: 1, __typename: 'PO' } }, true],
    ['different __typename on both sides', { a: 1, __typename: 'A' }, { a: 1, __typename: 'B' }, true],
    ['__typename does not hide a differing field', { a: 1, __typename: 'PO' }, { a: 2, __typename: 'PO' }, false],
    // Variables go out as JSON, where a Date is its ISO string.
    ['two Dates of different instants', new Date(1), new Date(2), false],
    ['two Dates of the same instant', new Date(1), new Date(1), true],
    ['a Date and its own ISO string', new Date(1), '1970-01-01T00:00:00.001Z', true],
    ['an ISO string and its Date', '1970-01-01T00:00:00.001Z', new Date(1), true],
    ['a Date and another instant', new Date(1), '1970-01-01T00:00:00.002Z', false],
    ['Dates nested in objects', { due: new Date(1) }, { due: new Date(2) }, false],
    ['an invalid Date and a valid one (no throw)', new Date(NaN), new Date(1), false],
    ['an invalid Date is null in JSON', new Date(NaN), null, true],
    ['a Date and an empty object', new Date(1), {}, false],
    ['33 nested levels compare (depth bound not reached)', nest(33, 1), nest(33, 1), true],
    ['34 nested levels are past the bound: not equal', nest(34, 1), nest(34, 1), false],
  ])('%s', (_name, a, b, expected) => {
    expect(deepEqual(a, b)).toBe(expected);
  });
  test('one object compared with itself is equal at any depth', () => {
    const o = nest(100, 1);
    expect(deepEqual(o, o)).toBe(true);
  });
});

describe('threeWayMerge edges', () => {
  test.each<
    [
      string,
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
      string[],
      string[],
    ]
  >([
    // name, base, latest, mine, expected merged, conflicts, kept theirs
    [
      'a field the base lacks: mine wins without a conflict',
      { a: 1 },
      { a: 1, b: 'theirs' },
      { b: 'mine' },
      { b: 'mine' },
      [],
      [],
    ],
    ['a field the base lacks, same as theirs', { a: 1 }, { b: 2 }, { b: 2 }, { b: 2 }, [], []],
    [
      'a base value of undefined is a known base',
      { b: undefined },
      { b: 'theirs' },
      { b: undefined },
      { b: 'theirs' },
      [],
      ['b'],
    ],
    ['they removed nothing, I changed nothing: theirs', { q: 1 }, { q: 1 }, { q: 1 }, { q: 1 }, [], []],
    [
      'my Date equal to the base (as JSON sends it): I did not change it, theirs is kept',
      { due: '2024-05-01T00:00:00.000Z' },
      { due: '2024-06-01T00:00:00.000Z' },
      { due: new Date('2024-05-01T00:00:00.000Z') },
      { due: '2024-06-01T00:00:00.000Z' },
      [],
      ['due'],
    ],
    [
      'my Date changed, theirs not: mine',
      { due: '2024-05-01T00:00:00.000Z' },
      { due: '2024-05-01T00:00:00.000Z' },
      { due: new Date('2024-07-01T00:00:00.000Z') },
      { due: new Date('2024-07-01T00:00:00.000Z') },
      [],
      [],
    ],
    [
      'both changed a date differently: a conflict',
      { due: '2024-05-01T00:00:00.000Z' },
      { due: '2024-06-01T00:00:00.000Z' },
      { due: new Date('2024-07-01T00:00:00.000Z') },
      { due: new Date('2024-07-01T00:00:00.000Z') },
      ['due'],
      [],
    ],
    // A key whose value is undefined is a field the user did not send (JSON drops it): untouched.
    [
      'a field I did not send (undefined) that they changed: theirs, no conflict, my other change kept',
      { notes: null, quantity: 10 },
      { notes: 'alice wrote this', quantity: 10 },
      { notes: undefined, quantity: 12 },
      { notes: 'alice wrote this', quantity: 12 },
      [],
      ['notes'],
    ],
    [
      'a field I did not send that the base lacks: theirs',
      {},
      { n: 'theirs' },
      { n: undefined },
      { n: 'theirs' },
      [],
      ['n'],
    ],
    [
      'a field I did not send that they cleared: theirs',
      { n: 'a' },
      { n: null },
      { n: undefined },
      { n: null },
      [],
      ['n'],
    ],
    [
      'a field I did not send that nobody changed: theirs',
      { n: 'a' },
      { n: 'a' },
      { n: undefined },
      { n: 'a' },
      [],
      ['n'],
    ],
    [
      'a field I did not send that the server lacks: left out',
      { n: 'a' },
      {},
      { n: undefined },
      { n: undefined },
      [],
      [],
    ],
    [
      '__typename on their copy only is no change',
      { o: { x: 1 } },
      { o: { x: 1, __typename: 'O' } },
      { o: { x: 2 } },
      { o: { x: 2 } },
      [],
      [],
    ],
    [
      '__typename on my copy only is no change',
      { o: { x: 1 } },
      { o: { x: 3 } },
      { o: { x: 1, __typename: 'O' } },
      { o: { x: 3 } },
      [],
      ['o'],
    ],
    [
      'several fields keep their order',
      { a: 1, b: 1, c: 1 },
      { a: 2, b: 2, c: 1 },
      { a: 1, b: 1, c: 5 },
      { a: 2, b: 2, c: 5 },
      [],
      ['a', 'b'],
    ],
    [
      'several conflicts are all reported',
      { a: 1, b: 1 },
      { a: 2, b: 2 },
      { a: 3, b: 4 },
      { a: 3, b: 4 },
      ['a', 'b'],
      [],
    ],
  ])('%s', (_name, base, latest, mine, merged, conflicts, keptTheirs) => {
    const r = threeWayMerge(base, latest, mine);
    expect(r.merged).toEqual(merged);
    expect(Object.keys(r.merged)).toEqual(Object.keys(merged));
    expect(r.conflicts.map((c) => c.field)).toEqual(conflicts);
    expect(r.keptTheirs).toEqual(keptTheirs);
  });
  test('skipped fields are sent as mine even when both changed them', () => {
    const r = threeWayMerge({ _etag: 'e1', v: 1 }, { _etag: 'e2', v: 1 }, { _etag: 'e3', v: 1 }, new Set(['_etag']));
    expect(r).toEqual({ merged: { _etag: 'e3', v: 1 }, conflicts: [], keptTheirs: [] });
    expect(threeWayMerge({ _etag: 'e1' }, { _etag: 'e2' }, { _etag: 'e3' }).conflicts).toEqual([
      { field: '_etag', base: 'e1', mine: 'e3', theirs: 'e2' },
    ]);
  });
});

describe('etag path edges', () => {
  const nest = (levels: number): Record<string, unknown> =>
    levels === 0 ? { _etag: 'deep' } : { n: nest(levels - 1) };
  test.each<[string, unknown, string | undefined]>([
    ['_etag wins over etag in the same object', { etag: 'a', _etag: 'b' }, '_etag'],
    ['an etag of undefined still names the key', { input: { etag: undefined } }, 'input.etag'],
    ['depth first: the first nested object that has one', { a: { b: { etag: 1 } }, c: { _etag: 2 } }, 'a.b.etag'],
    ['null variables', null, undefined],
    ['a string', 'etag', undefined],
    ['an array at the top', [{ _etag: 'x' }], undefined],
    ['null values are skipped', { a: null, b: { _etag: 'x' } }, 'b._etag'],
    ['eight levels down is found', nest(8), `${'n.'.repeat(8)}_etag`],
    ['nine levels down is past the bound', nest(9), undefined],
  ])('%s', (_name, vars, path) => {
    expect(findEtagPath(vars)).toBe(path);
  });
  test.each<[string, unknown, string, unknown]>([
    ['a top-level key', { a: 1 }, 'a', 1],
    ['through null', { a: null }, 'a.b', undefined],
    ['through a string', { a: 'text' }, 'a.length', undefined],
    ['on null', null, 'a', undefined],
    ['a list index', { l: ['x', 'y'] }, 'l.1', 'y'],
  ])('getAtPath: %s', (_name, source, path, expected) => {
    expect(getAtPath(source, path)).toBe(expected);
  });
  test('setAtPath builds missing objects and replaces non-objects', () => {
    expect(setAtPath({}, 'a.b.c', 1)).toEqual({ a: { b: { c: 1 } } });
    expect(setAtPath({ a: 'text', k: 2 }, 'a.b', 1)).toEqual({ a: { b: 1 }, k: 2 });
    expect(setAtPath(null, 'a', 1)).toEqual({ a: 1 });
    const source = { a: { b: { c: 0 }, d: 1 } };
    const next = setAtPath(source, 'a.b.c', 9);
    expect(next).toEqual({ a: { b: { c: 9 }, d: 1 } });
    expect(source).toEqual({ a: { b: { c: 0 }, d: 1 } });
    expect(next.a).not.toBe(source.a);
  });
  test.each<[string, Record<string, unknown> | undefined, string, unknown]>([
    ['no entity', undefined, 'input._etag', undefined],
    ['the key the variables use', { _etag: 'a', etag: 'b' }, 'input.etag', 'b'],
    ['_etag when the variables key is missing', { _etag: 'a' }, 'input.etag', 'a'],
    ['etag when neither the key nor _etag is there', { etag: 'b' }, 'input._etag', 'b'],
    ['a null value falls back', { etag: null, _etag: 'a' }, 'etag', 'a'],
    ['nothing at all', { id: '1' }, '_etag', undefined],
  ])('entityEtag: %s', (_name, entity, path, expected) => {
    expect(entityEtag(entity, path)).toBe(expected);
  });
});
