import fc from 'fast-check';
import { threeWayMerge } from '../threeWayMerge';

const FIELDS = ['notes', 'quantity', 'status', 'supplier', 'counter'];
const value = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('a', 'b', null));
const entity = fc.dictionary(fc.constantFrom(...FIELDS), value, { minKeys: 5, maxKeys: 5 });

describe('threeWayMerge properties', () => {
  test('for every field: my change wins, else theirs; a conflict exactly when both changed it differently', () => {
    fc.assert(
      fc.property(entity, entity, entity, fc.subarray(FIELDS), (base, theirs, mineAll, sent) => {
        // The user sends every field: the ones in `sent` with a (possibly) new value, the rest as in the base.
        const mine = Object.fromEntries(FIELDS.map((k) => [k, sent.includes(k) ? mineAll[k] : base[k]]));
        const { merged, conflicts, keptTheirs } = threeWayMerge(base, theirs, mine);
        expect(Object.keys(merged)).toEqual(FIELDS);
        for (const k of FIELDS) {
          const userTouched = mine[k] !== base[k];
          const theyChanged = theirs[k] !== base[k];
          expect(merged[k]).toBe(userTouched ? mine[k] : theirs[k]);
          expect(conflicts.some((c) => c.field === k)).toBe(userTouched && theyChanged && mine[k] !== theirs[k]);
          expect(keptTheirs.includes(k)).toBe(!userTouched && theyChanged);
        }
        for (const c of conflicts)
          expect(c).toEqual({ field: c.field, base: base[c.field], mine: mine[c.field], theirs: theirs[c.field] });
      }),
      { seed: 3, numRuns: 2000 },
    );
  });

  test('fields the user does not send are never in the result', () => {
    fc.assert(
      fc.property(entity, entity, fc.subarray(FIELDS), (base, theirs, sent) => {
        const mine = Object.fromEntries(sent.map((k) => [k, 'mine']));
        expect(Object.keys(threeWayMerge(base, theirs, mine).merged)).toEqual(sent);
      }),
      { seed: 4, numRuns: 500 },
    );
  });
});
