import fc from 'fast-check';
import { threeWayMerge } from '../threeWayMerge';

const value = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('a', 'b', null));
const entity = fc.dictionary(fc.constantFrom('notes', 'quantity', 'status', 'supplier', 'counter'), value, { minKeys: 5, maxKeys: 5 });

describe('threeWayMerge properties', () => {
  test('never drops a field the other writer changed that the user did not touch', () => {
    fc.assert(fc.property(entity, entity, entity, fc.subarray(['notes', 'quantity', 'status', 'supplier', 'counter']), (base, theirs, mineAll, sent) => {
      // The user sends some fields: the ones not in `sent`... unchanged ones carry the base value.
      const mine = Object.fromEntries(Object.keys(base).map((k) => [k, sent.includes(k) ? mineAll[k] : base[k]]));
      const { merged, conflicts } = threeWayMerge(base, theirs, mine);
      for (const k of Object.keys(base)) {
        const userTouched = JSON.stringify(mine[k]) !== JSON.stringify(base[k]);
        const theyChanged = JSON.stringify(theirs[k]) !== JSON.stringify(base[k]);
        if (theyChanged && !userTouched) expect(merged[k]).toEqual(theirs[k]);
        if (userTouched && !theyChanged) expect(merged[k]).toEqual(mine[k]);
        if (userTouched && theyChanged && JSON.stringify(mine[k]) !== JSON.stringify(theirs[k])) expect(conflicts.map((c) => c.field)).toContain(k);
      }
    }), { seed: 3, numRuns: 2000 });
  });
});
