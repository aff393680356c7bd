// Serialized writes per record (#17, item 3): saves of one record wait for the previous one and send
// the `_etag` it returned, so two quick saves never conflict with each other; other records run in parallel.
import { ApolloLink } from '@apollo/client/core/index.js';
import { parse } from 'graphql';
import { getClassifications } from '../../classify/getClassifications';
import type { ResilienceEvent } from '../../core/events';
import { conflict409 } from '../../__testUtils__/fixtures';
import { execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { EtagConflictLink } from '../EtagConflictLink';
import { recordKey, type EtagPolicy } from '../etagPolicy';

const UPDATE = parse('mutation UpdatePo($input: PoInput!) { updatePo(input: $input) { id _etag notes quantity } }');
const UPDATE_NO_ETAG = parse('mutation RenamePo($input: PoInput!) { updatePo(input: $input) { id notes } }');
const APPROVE = parse(
  'mutation ApprovePo($id: ID!, $_etag: String!) { approvePo(id: $id, _etag: $_etag) { id _etag } }',
);
const READ = parse('query Po($id: ID!) { po(id: $id) { id _etag notes quantity status updatedBy } }');

const invalid422 = () =>
  Object.assign(new Error('Response not successful: Received status code 422'), {
    name: 'ServerError',
    statusCode: 422,
    bodyText: JSON.stringify({ errors: [{ message: 'quantity must be positive' }] }),
    response: { status: 422, headers: new Headers() },
  });

type Po = { id: string; _etag: string; notes: string; quantity: number; status: string; updatedBy: string };

/**
 * A fake server with an etag per record: a write with a stale etag is a 409; every write takes
 * `latencyMs`. `hooks.beforeWrite` runs as a write arrives (another writer, a failure).
 */
function server(latencyMs = 50) {
  let version = 1;
  const records = new Map<string, Po>(
    ['1', '2'].map((id) => [
      id,
      { id, _etag: `${id}-e1`, notes: 'a', quantity: 0, status: 'open', updatedBy: 'system' } as Po,
    ]),
  );
  const stats = { conflicts: 0, writes: [] as Array<Record<string, unknown>>, inFlight: 0, maxInFlight: 0 };
  const hooks: {
    beforeWrite?: (n: number, input: Record<string, unknown>) => Error | { data: null; errors: unknown[] } | void;
  } = {};
  const otherWriter = (id: string, changes: Partial<Po>, by = 'alice') => {
    const po = records.get(id)!;
    Object.assign(po, changes, { updatedBy: by, _etag: `${id}-e${++version}` });
  };
  let writes = 0;
  const s = scripted((sink, _n, operation) => {
    const name = operation.operationName;
    const v = operation.variables;
    if (name === 'Po') {
      sink.next({ data: { po: { ...records.get(v.id as string)! } } });
      return sink.complete();
    }
    const input = (v.input as Record<string, unknown> | undefined) ?? { id: v.id, _etag: v._etag, status: 'approved' };
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    const timer = setTimeout(() => {
      stats.inFlight -= 1;
      const failure = hooks.beforeWrite?.(++writes, input);
      if (failure instanceof Error) return sink.error(failure);
      if (failure) return (sink.next(failure), sink.complete());
      const po = records.get(input.id as string)!;
      if (input._etag !== po._etag) {
        stats.conflicts += 1;
        return sink.error(conflict409());
      }
      stats.writes.push(input);
      Object.assign(po, input, { updatedBy: 'me', _etag: `${po.id}-e${++version}` });
      const field = name === 'ApprovePo' ? 'approvePo' : 'updatePo';
      // RenamePo does not select the etag: its answer does not carry it.
      sink.next({ data: { [field]: name === 'RenamePo' ? { id: po.id, notes: po.notes } : { ...po } } });
      sink.complete();
    }, latencyMs);
    return () => {
      if (stats.inFlight > 0) stats.inFlight -= 1;
      clearTimeout(timer);
    };
  });
  return { records, stats, hooks, otherWriter, link: s.link, requests: s.requests };
}

const reread = (op: { variables: Record<string, unknown> }) => ({
  query: READ,
  variables: { id: ((op.variables.input as { id?: string } | undefined)?.id ?? op.variables.id) as string },
});

function setup(options: Partial<EtagConflictLink.Options> = {}) {
  const db = server();
  const events: ResilienceEvent[] = [];
  const link = new EtagConflictLink({
    mutations: { UpdatePo: { reread }, RenamePo: { reread }, ApprovePo: { reread } },
    onEvent: (e) => events.push(e),
    ...options,
  });
  const queue = (link as unknown as { policies: EtagPolicy[] }).policies[0]!.queue;
  const save = (input: Record<string, unknown>, query = UPDATE, cache?: object) =>
    execute(ApolloLink.from([link, db.link]), { query, variables: { input } }, cache ? { cache } : {});
  return { db, link, events, queue, save };
}

/** A cache holding one record (the merge base of a save), as `EtagConflictLink.test.ts` uses. */
const cacheOf = (po: Po) => ({ readQuery: () => ({ po: { ...po } }), writeQuery: () => undefined });

const sentEtags = (db: ReturnType<typeof server>) =>
  db.requests
    .filter((r) => r.variables.input || r.variables._etag)
    .map((r) => {
      const input = r.variables.input as { _etag?: string } | undefined;
      return input ? input._etag : r.variables._etag;
    });

useFakeTimersAndCheckTeardown();

describe('EtagConflictLink: serialized writes per record', () => {
  test("two quick saves of one record: the second waits and sends the first one's new _etag — 0 conflicts", async () => {
    const { db, events, queue, save } = setup();
    const first = save({ id: '1', _etag: '1-e1', quantity: 1 });
    const second = save({ id: '1', _etag: '1-e1', quantity: 1, notes: 'call supplier' });
    await flush();
    expect(db.requests).toHaveLength(1); // the second waits
    await jest.advanceTimersByTimeAsync(50);
    await first.done;
    await flush();
    expect(db.requests).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(50);
    await second.done;
    expect(first.error).toBeUndefined();
    expect(second.error).toBeUndefined();
    expect(db.stats.conflicts).toBe(0);
    expect(sentEtags(db)).toEqual(['1-e1', '1-e2']);
    expect(db.records.get('1')).toMatchObject({ quantity: 1, notes: 'call supplier' });
    expect(second.next).toEqual([{ data: { updatePo: expect.objectContaining({ _etag: '1-e3' }) } }]);
    expect(events).toEqual([]); // nothing to resolve
    expect(queue.size).toBe(0);
  });

  test('five quick saves chain their etags in order; still 0 conflicts', async () => {
    const { db, save, queue } = setup();
    const saves = [1, 2, 3, 4, 5].map((q) => save({ id: '1', _etag: '1-e1', quantity: q }));
    for (let i = 0; i < 5; i++) {
      await flush();
      await jest.advanceTimersByTimeAsync(50);
    }
    await Promise.all(saves.map((s) => s.done));
    expect(db.stats.conflicts).toBe(0);
    expect(sentEtags(db)).toEqual(['1-e1', '1-e2', '1-e3', '1-e4', '1-e5']);
    expect(db.records.get('1')!.quantity).toBe(5);
    expect(queue.size).toBe(0);
  });

  test('different records run in parallel', async () => {
    const { db, save } = setup();
    const a = save({ id: '1', _etag: '1-e1', quantity: 1 });
    const b = save({ id: '2', _etag: '2-e1', quantity: 2 });
    await flush();
    expect(db.requests).toHaveLength(2);
    expect(db.stats.maxInFlight).toBe(2);
    await jest.advanceTimersByTimeAsync(50);
    await Promise.all([a.done, b.done]);
    expect(db.stats.conflicts).toBe(0);
  });

  test('two mutations that re-read the same record share its queue (the key is the record, not the mutation name)', async () => {
    const { db, link, save } = setup();
    const edit = save({ id: '1', _etag: '1-e1', notes: 'x' });
    const approve = execute(ApolloLink.from([link, db.link]), {
      query: APPROVE,
      variables: { id: '1', _etag: '1-e1' },
    });
    await flush();
    expect(db.requests).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(50);
    await edit.done;
    await flush();
    await jest.advanceTimersByTimeAsync(50);
    await approve.done;
    expect(approve.error).toBeUndefined();
    expect(sentEtags(db)).toEqual(['1-e1', '1-e2']);
    expect(db.stats.conflicts).toBe(0);
    expect(db.records.get('1')).toMatchObject({ notes: 'x', status: 'approved' });
  });

  test('unsubscribing a waiting save removes it without blocking the ones after it', async () => {
    const { db, save, queue } = setup();
    const first = save({ id: '1', _etag: '1-e1', quantity: 1 });
    const second = save({ id: '1', _etag: '1-e1', quantity: 2 });
    const third = save({ id: '1', _etag: '1-e1', quantity: 3 });
    await flush();
    second.unsubscribe(); // the user navigated away before it was sent
    expect(queue.pending(recordKey({ query: READ, variables: { id: '1' } })!)).toBe(2);
    await jest.advanceTimersByTimeAsync(50);
    await first.done;
    await flush();
    await jest.advanceTimersByTimeAsync(50);
    await third.done;
    expect(third.error).toBeUndefined();
    expect(db.requests.map((r) => (r.variables.input as { quantity: number }).quantity)).toEqual([1, 3]);
    expect(sentEtags(db)).toEqual(['1-e1', '1-e2']);
    expect(db.stats.conflicts).toBe(0);
    expect(second.complete).toBe(false);
    expect(second.error).toBeUndefined();
    expect(queue.size).toBe(0);
  });

  test('unsubscribing the running save aborts its request and lets the next one go at once with its own etag', async () => {
    const { db, save, queue } = setup();
    const first = save({ id: '1', _etag: '1-e1', quantity: 1 });
    const second = save({ id: '1', _etag: '1-e1', quantity: 2 });
    await flush();
    first.unsubscribe();
    await flush();
    expect(db.requests).toHaveLength(2); // the next one did not wait for the aborted request
    await jest.advanceTimersByTimeAsync(50);
    await second.done;
    expect(second.error).toBeUndefined();
    expect(sentEtags(db)).toEqual(['1-e1', '1-e1']); // whether the first was applied is unknown: its own etag
    expect(db.records.get('1')!.quantity).toBe(2);
    expect(queue.size).toBe(0);
  });

  test.each<[string, () => Error, string]>([
    ['a validation error', invalid422, 'validation'],
    ['a network error', () => new TypeError('Failed to fetch'), 'network'],
  ])('%s in the first save does not block (or deadlock) the second', async (_n, failure, category) => {
    const { db, save, queue } = setup();
    let thrown: Error | undefined;
    db.hooks.beforeWrite = (n) => (n === 1 ? (thrown = failure()) : undefined);
    const first = save({ id: '1', _etag: '1-e1', quantity: -1 });
    const second = save({ id: '1', _etag: '1-e1', quantity: 2 });
    await flush();
    await jest.advanceTimersByTimeAsync(50);
    await first.done;
    // The first save's caller gets the server's own error, unchanged (not a conflict, not a wrapper).
    expect(thrown).toBeInstanceOf(Error);
    expect(first.error).toBe(thrown);
    expect(getClassifications(first.error)[0]).toMatchObject({ category });
    expect(first.next).toEqual([]);
    await flush();
    await jest.advanceTimersByTimeAsync(50);
    await second.done;
    expect(second.error).toBeUndefined();
    expect(sentEtags(db)).toEqual(['1-e1', '1-e1']);
    expect(db.records.get('1')!.quantity).toBe(2);
    expect(queue.size).toBe(0);
  });

  test.each<[string, () => Error | { data: null; errors: unknown[] }]>([
    ['fails (422)', invalid422],
    [
      'answers GraphQL errors without data',
      () => ({
        data: null,
        errors: [{ message: 'quantity must be positive', extensions: { code: 'BAD_USER_INPUT' } }],
      }),
    ],
  ])(
    "a save in the middle that %s passes on what the save before it left: the third sends the first one's etag",
    async (_n, failure) => {
      const { db, save, queue } = setup();
      db.hooks.beforeWrite = (n) => (n === 2 ? failure() : undefined);
      const saves = [1, -1, 3].map((quantity) => save({ id: '1', _etag: '1-e1', quantity }));
      for (let i = 0; i < 4; i++) {
        await flush();
        await jest.advanceTimersByTimeAsync(50);
      }
      await Promise.all(saves.map((x) => x.done));
      expect(saves[0]!.error).toBeUndefined();
      expect(saves[2]!.error).toBeUndefined();
      expect(sentEtags(db)).toEqual(['1-e1', '1-e2', '1-e2']);
      expect(db.stats.conflicts).toBe(0);
      expect(db.records.get('1')!.quantity).toBe(3);
      expect(queue.size).toBe(0);
    },
  );

  test("a save whose conflict was aborted passes on what the save before it left: the next one sends that save's etag", async () => {
    // The first save writes (e1 → e2); alice writes (e3) as the second arrives, which conflicts on
    // notes and is aborted; the third, made on e1 like the others, takes the first one's e2 and so meets
    // alice's change as a 409 and is merged (never sent past alice's write).
    const { db, save } = setup({ onConflict: () => 'abort' });
    const base = { ...db.records.get('1')! };
    db.hooks.beforeWrite = (n) => void (n === 2 && db.otherWriter('1', { notes: 'alice' }));
    const first = save({ id: '1', _etag: '1-e1', quantity: 1 }, UPDATE, cacheOf(base));
    const second = save({ id: '1', _etag: '1-e1', notes: 'second' }, UPDATE, cacheOf(base));
    const third = save({ id: '1', _etag: '1-e1', quantity: 3 }, UPDATE, cacheOf(base));
    for (let i = 0; i < 10; i++) {
      await flush();
      await jest.advanceTimersByTimeAsync(50);
    }
    await Promise.all([first.done, second.done, third.done]);
    expect(getClassifications(second.error)[0]).toMatchObject({ category: 'conflict', reason: 'edit-conflict' });
    expect(third.error).toBeUndefined();
    expect(sentEtags(db)).toEqual(['1-e1', '1-e2', '1-e2', '1-e3']);
    expect(db.records.get('1')).toMatchObject({ notes: 'alice', quantity: 3 });
  });

  test("a save made on the version a re-applied save met (the re-read showed it) takes that save's new etag", async () => {
    const { db, save } = setup();
    const base = { ...db.records.get('1')! };
    db.otherWriter('1', { status: 'on-hold' }); // 1-e2
    const first = save({ id: '1', _etag: '1-e1', notes: 'first' }, UPDATE, cacheOf(base));
    await flush();
    await jest.advanceTimersByTimeAsync(50); // 409, re-read (e2), re-sent with e2
    await flush();
    // The user, shown alice's version by the re-read, saves again on it while the re-send runs.
    const second = save({ id: '1', _etag: '1-e2', quantity: 5 });
    for (let i = 0; i < 4; i++) {
      await flush();
      await jest.advanceTimersByTimeAsync(50);
    }
    await Promise.all([first.done, second.done]);
    expect(second.error).toBeUndefined();
    expect(sentEtags(db)).toEqual(['1-e1', '1-e2', '1-e3']);
    expect(db.stats.conflicts).toBe(1); // only the first save's, with alice
    expect(db.records.get('1')).toMatchObject({ notes: 'first', status: 'on-hold', quantity: 5 });
  });

  test('a conflict the first save could not resolve (abort) does not block the second', async () => {
    const { db, save } = setup({ onConflict: () => 'abort' });
    db.otherWriter('1', { notes: 'theirs' });
    const first = save(
      { id: '1', _etag: '1-e1', notes: 'mine' },
      UPDATE,
      cacheOf({ ...db.records.get('1')!, _etag: '1-e1', notes: 'a' }),
    );
    const second = save({ id: '1', _etag: '1-e2', quantity: 4 });
    for (let i = 0; i < 3; i++) {
      await flush();
      await jest.advanceTimersByTimeAsync(50);
    }
    await Promise.all([first.done, second.done]);
    expect(getClassifications(first.error)[0]).toMatchObject({ category: 'conflict', reason: 'edit-conflict' });
    expect(second.error).toBeUndefined();
    expect(db.records.get('1')).toMatchObject({ notes: 'theirs', quantity: 4 });
  });

  test("a save made before someone else's change is not swapped past it: it meets the 409 and is merged", async () => {
    // The first save met alice's change and was re-applied on it: the version the second save was
    // made on (e1) is not one this queue's writes replaced, so taking the new etag would overwrite
    // alice's change blindly. It is sent as made, conflicts, and goes through the merge instead.
    const { db, save, events } = setup();
    const base = { ...db.records.get('1')! };
    db.otherWriter('1', { status: 'on-hold' });
    const first = save({ id: '1', _etag: '1-e1', notes: 'first' }, UPDATE, cacheOf(base));
    const second = save({ id: '1', _etag: '1-e1', notes: 'first', status: 'open', quantity: 9 }, UPDATE, cacheOf(base));
    for (let i = 0; i < 8; i++) {
      await flush();
      await jest.advanceTimersByTimeAsync(50);
    }
    await Promise.all([first.done, second.done]);
    expect(first.error).toBeUndefined();
    expect(second.error).toBeUndefined();
    // status: the second save did not change it (open = base): alice's on-hold is kept.
    expect(db.records.get('1')).toMatchObject({ notes: 'first', status: 'on-hold', quantity: 9 });
    expect(events.filter((e) => e.type === 'conflict')).toHaveLength(2); // one per save, each with alice
  });

  test("a swapped save that meets someone else's write is merged on what the first save left (no false conflict with it)", async () => {
    const { db, save, events } = setup();
    const base = { ...db.records.get('1')! };
    // alice writes between the two saves (as the second one arrives)
    db.hooks.beforeWrite = (n) => void (n === 2 && db.otherWriter('1', { notes: 'alice' }));
    const first = save({ id: '1', _etag: '1-e1', quantity: 1, notes: 'a' }, UPDATE, cacheOf(base));
    const second = save({ id: '1', _etag: '1-e1', quantity: 3, notes: 'a' }, UPDATE, cacheOf(base));
    for (let i = 0; i < 6; i++) {
      await flush();
      await jest.advanceTimersByTimeAsync(50);
    }
    await Promise.all([first.done, second.done]);
    expect(second.error).toBeUndefined();
    // quantity: 0 → 1 (first) → 3 (second) is my own sequence, not a conflict; notes: alice's kept.
    expect(db.records.get('1')).toMatchObject({ quantity: 3, notes: 'alice' });
    expect(events.find((e) => e.type === 'reapply')).toMatchObject({ conflicts: [], keptTheirs: ['notes'] });
  });

  test("a waiting save made on the version the first one replaced never undoes the first one's change (lost update)", async () => {
    // Two writers of one device (two components, two workers) save from the same version: the second
    // carries the first one's field as it was (quantity 0). Sent with the first one's new etag as
    // made, it would silently put quantity back: it is merged on what the first save left instead.
    const { db, save } = setup();
    const base = { ...db.records.get('1')! }; // quantity 0, notes 'a'
    const first = save({ id: '1', _etag: '1-e1', quantity: 1, notes: 'a' }, UPDATE, cacheOf(base));
    const second = save({ id: '1', _etag: '1-e1', quantity: 0, notes: 'b' }, UPDATE, cacheOf(base));
    for (let i = 0; i < 4; i++) {
      await flush();
      await jest.advanceTimersByTimeAsync(50);
    }
    await Promise.all([first.done, second.done]);
    expect(second.error).toBeUndefined();
    expect(db.records.get('1')).toMatchObject({ quantity: 1, notes: 'b' });
    expect(db.stats.conflicts).toBe(0); // still no round trip for a conflict with its own save
  });

  test("a custom reapply is never bypassed: two increments made on the same version both count (the soak's lost updates)", async () => {
    const increment = {
      reread,
      reapply: ({ latest, variables }: EtagConflictLink.ReapplyContext) => ({
        input: { ...(variables.input as object), quantity: (latest.quantity as number) + 1 },
      }),
    };
    const { db, save } = setup({ mutations: { UpdatePo: increment } });
    const first = save({ id: '1', _etag: '1-e1', quantity: 1 });
    const second = save({ id: '1', _etag: '1-e1', quantity: 1 });
    for (let i = 0; i < 6; i++) {
      await flush();
      await jest.advanceTimersByTimeAsync(50);
    }
    await Promise.all([first.done, second.done]);
    expect(first.error).toBeUndefined();
    expect(second.error).toBeUndefined();
    expect(db.records.get('1')!.quantity).toBe(2); // two acknowledged increments, two applied
  });

  test('with no cached base and an onConflict that wants to decide, a save made on an older version is sent as made: the app is asked', async () => {
    const onConflict = jest.fn((_conflict: EtagConflictLink.Conflict): 'retry' => 'retry');
    const { db, save } = setup({ onConflict });
    const first = save({ id: '1', _etag: '1-e1', quantity: 1 });
    const second = save({ id: '1', _etag: '1-e1', quantity: 1, notes: 'b' });
    for (let i = 0; i < 6; i++) {
      await flush();
      await jest.advanceTimersByTimeAsync(50);
    }
    await Promise.all([first.done, second.done]);
    expect(second.error).toBeUndefined();
    expect(sentEtags(db)).toEqual(['1-e1', '1-e1', '1-e2']);
    expect(onConflict).toHaveBeenCalledTimes(1);
    expect(onConflict.mock.calls[0]![0]).toMatchObject({ reason: 'no-base' });
  });

  test('a mutation whose response does not carry the etag: the next save sends its own (the 409 is merged)', async () => {
    const { db, save } = setup();
    const first = save({ id: '1', _etag: '1-e1', notes: 'renamed' }, UPDATE_NO_ETAG);
    const second = save({ id: '1', _etag: '1-e1', quantity: 5 });
    for (let i = 0; i < 5; i++) {
      await flush();
      await jest.advanceTimersByTimeAsync(50);
    }
    await Promise.all([first.done, second.done]);
    expect(second.error).toBeUndefined();
    expect(db.stats.conflicts).toBe(1);
    expect(sentEtags(db)).toEqual(['1-e1', '1-e1', '1-e2']); // its own etag, never an unknown one
    expect(db.records.get('1')).toMatchObject({ notes: 'renamed', quantity: 5 });
  });

  test.each(['conflict', 'reread', 'reapply'] as const)(
    'a save its %s listener unsubscribes is never sent again, and the next save of the record runs alone',
    async (on) => {
      // A UI that unmounts as it hears the event (React 17 renders a setState outside handlers at
      // once; useMutation's observable is unsubscribed synchronously): the cancelled save must not be
      // re-read, re-applied or written after it, nor overlap the save that the record's queue let go.
      let unsubscribe: (() => void) | undefined;
      const seen: string[] = [];
      const { db, save, queue } = setup({
        onEvent: (e) => {
          seen.push(e.type);
          if (e.type === on && unsubscribe) {
            unsubscribe();
            unsubscribe = undefined;
          }
        },
      });
      db.otherWriter('1', { notes: 'theirs' }); // 1-e2: the first save, made on 1-e1, meets a 409
      const first = save(
        { id: '1', _etag: '1-e1', quantity: 7 },
        UPDATE,
        cacheOf({ ...db.records.get('1')!, _etag: '1-e1', notes: 'a' }),
      );
      unsubscribe = first.unsubscribe;
      const second = save({ id: '1', _etag: '1-e2', notes: 'second' });
      for (let i = 0; i < 6; i++) {
        await flush();
        await jest.advanceTimersByTimeAsync(50);
      }
      await second.done;
      expect(seen).toContain(on);
      expect(second.error).toBeUndefined();
      expect(db.stats.maxInFlight).toBe(1);
      expect(db.stats.writes).toEqual([{ id: '1', _etag: '1-e2', notes: 'second' }]); // the first never applied
      expect(db.records.get('1')).toMatchObject({ quantity: 0, notes: 'second' });
      expect(first.error).toBeUndefined();
      expect(first.complete).toBe(false);
      expect(queue.size).toBe(0);
    },
  );

  test('dispose() ends the running and the waiting saves; the waiting one is never sent', async () => {
    const { db, link, save, queue } = setup();
    const first = save({ id: '1', _etag: '1-e1', quantity: 1 });
    const second = save({ id: '1', _etag: '1-e1', quantity: 2 });
    await flush();
    link.dispose();
    await Promise.all([first.done, second.done]);
    expect(getClassifications(first.error)[0]).toMatchObject({ reason: 'link-disposed' });
    expect(getClassifications(second.error)[0]).toMatchObject({ reason: 'link-disposed' });
    await jest.advanceTimersByTimeAsync(100);
    expect(db.requests).toHaveLength(1);
    expect(queue.size).toBe(0);
  });
});

describe('recordKey', () => {
  test('the entity the re-read reads: root field and variables, keys in any order', () => {
    expect(recordKey({ query: READ, variables: { id: '1', deep: { b: 1, a: 2 } } })).toBe(
      recordKey({ query: READ, variables: { deep: { a: 2, b: 1 }, id: '1' } }),
    );
    expect(recordKey({ query: READ, variables: { id: '1' } })).toBe('po:{"id":"1"}');
    expect(recordKey({ query: READ, variables: { id: '2' } })).not.toBe(
      recordKey({ query: READ, variables: { id: '1' } }),
    );
    expect(recordKey({ query: READ })).toBe('po:{}');
  });

  test.each<[string, unknown]>([
    ['nothing', undefined],
    ['no query', { variables: { id: '1' } }],
    ['a query that is not a document', { query: 'query Po { po { id } }' }],
  ])(
    'a re-read request with %s: no key, never a throw out of the link (the save goes through)',
    async (_n, request) => {
      expect(recordKey(request as never)).toBeUndefined();
      const s = scripted((sink) => {
        sink.next({ data: { updatePo: { id: '1', _etag: '1-e2' } } });
        sink.complete();
      });
      const link = new EtagConflictLink({ mutations: { UpdatePo: { reread: () => request as never } } });
      const out = execute(ApolloLink.from([link, s.link]), {
        query: UPDATE,
        variables: { input: { id: '1', _etag: '1-e1', quantity: 1 } },
      });
      await flush();
      await out.done;
      expect(out.error).toBeUndefined();
      expect(out.next).toEqual([{ data: { updatePo: { id: '1', _etag: '1-e2' } } }]);
    },
  );

  test.each<[string, string, Record<string, unknown> | undefined, string]>([
    [
      'keys sorted at every depth',
      'query Po { po { id } }',
      { z: 1, a: { y: 2, b: 3 } },
      'po:{"a":{"b":3,"y":2},"z":1}',
    ],
    ['lists kept in their order', 'query Po { po { id } }', { ids: ['b', 'a'] }, 'po:{"ids":["b","a"]}'],
    [
      'the operation, not a fragment defined before it',
      'fragment F on Po { id } query Po($id: ID!) { po(id: $id) { ...F } }',
      { id: '1' },
      'po:{"id":"1"}',
    ],
    ['a root that is no field: no name', 'query Po { ... on Query { po { id } } }', { id: '1' }, ':{"id":"1"}'],
  ])('%s', (_n, source, variables, key) => {
    expect(recordKey({ query: parse(source), ...(variables ? { variables } : {}) })).toBe(key);
  });

  test('variables that are not JSON: no key (the write is not serialized, never lost)', () => {
    expect(recordKey({ query: READ, variables: { id: BigInt(1) as unknown as string } })).toBeUndefined();
  });
});
