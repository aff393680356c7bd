import { ApolloLink } from '@apollo/client/core/index.js';
import { parse } from 'graphql';
import { getClassifications } from '../../classify/getClassifications';
import type { ResilienceEvent } from '../../events';
import { conflict409 } from '../../__testUtils__/fixtures';
import { execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { RetryBackoffLink } from '../../retry/RetryBackoffLink';
import { EtagConflictLink } from '../EtagConflictLink';

const UPDATE = parse('mutation UpdatePo($input: PoInput!) { updatePo(input: $input) { id _etag notes quantity } }');
const READ = parse('query Po($id: ID!) { po(id: $id) { id _etag notes quantity updatedBy } }');

/** A tiny in-memory entity store behind a scripted terminating link. */
function store(initial: { notes: string; quantity: number }) {
  const po = { id: '1', _etag: 'e1', ...initial, updatedBy: 'system', version: 1 };
  const writes: Array<Record<string, unknown>> = [];
  const s = scripted((sink, _n, operation) => {
    const name = (operation as unknown as { operationName?: string }).operationName;
    if (name === 'Po') {
      sink.next({ data: { po: { ...po } } });
      return sink.complete();
    }
    const input = operation.variables.input as Record<string, unknown>;
    if (input._etag !== po._etag) return sink.error(conflict409());
    writes.push(input);
    Object.assign(po, input, { version: po.version + 1 });
    po._etag = `e${po.version}`;
    sink.next({ data: { updatePo: { ...po } } });
    sink.complete();
  });
  const otherWriter = (changes: Partial<typeof po>, by = 'alice') => {
    Object.assign(po, changes, { version: po.version + 1, updatedBy: by });
    po._etag = `e${po.version}`;
  };
  return { po, writes, link: s.link, requests: s.requests, otherWriter };
}

/** The cache the link reads `base` from and writes the re-read to. */
function fakeCache(entity: Record<string, unknown> | undefined) {
  const written: unknown[] = [];
  return {
    written,
    readQuery: () => (entity ? { po: entity } : null),
    writeQuery: (o: { data: unknown }) => {
      written.push(o.data);
    },
  };
}

const config = (extra: Partial<EtagConflictLink.MutationConfig> = {}) => ({
  UpdatePo: {
    reread: (op: { variables: Record<string, unknown> }) => ({
      query: READ,
      variables: { id: (op.variables.input as { id: string }).id },
    }),
    ...extra,
  },
});

useFakeTimersAndCheckTeardown();

describe('EtagConflictLink', () => {
  test('non-overlapping edit: re-read, merge, retry with the new etag; both changes survive', async () => {
    const db = store({ notes: 'a', quantity: 10 });
    const cache = fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 });
    db.otherWriter({ quantity: 12 });
    const events: ResilienceEvent[] = [];
    const out = execute(
      ApolloLink.from([new EtagConflictLink({ mutations: config(), onEvent: (e) => events.push(e) }), db.link]),
      {
        query: UPDATE,
        variables: { input: { id: '1', _etag: 'e1', notes: 'mine', quantity: 10 } },
        operationName: 'UpdatePo',
      },
      { cache },
    );
    await flush(6);
    await out.done;
    expect(out.error).toBeUndefined();
    expect(db.po).toMatchObject({ notes: 'mine', quantity: 12 });
    expect(db.writes).toEqual([{ id: '1', _etag: 'e2', notes: 'mine', quantity: 12 }]);
    expect(cache.written).toEqual([{ po: expect.objectContaining({ quantity: 12, _etag: 'e2' }) }]);
    expect(events.map((e) => e.type)).toEqual(['conflict', 'reread', 'reapply']);
    expect(events[2]).toMatchObject({ keptTheirs: ['quantity'], conflicts: [] });
    expect(db.requests).toHaveLength(3); // mutation, re-read, mutation: 2 extra round trips
  });

  test('behind the retry link with idempotency keys: the re-read carries no key, the re-applied mutation its own', async () => {
    const db = store({ notes: 'a', quantity: 10 });
    db.otherWriter({ quantity: 12 });
    let n = 0;
    const retry = new RetryBackoffLink({ idempotencyKey: { generate: () => `key-${++n}` } });
    const out = execute(
      ApolloLink.from([new EtagConflictLink({ mutations: config() }), retry, db.link]),
      {
        query: UPDATE,
        variables: { input: { id: '1', _etag: 'e1', notes: 'mine', quantity: 10 } },
        operationName: 'UpdatePo',
        context: { headers: { 'x-tenant': 'acme' } },
      },
      { cache: fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 }) },
    );
    await flush(6);
    await out.done;
    expect(out.error).toBeUndefined();
    expect(db.requests.map((r) => r.context.headers)).toEqual([
      { 'x-tenant': 'acme', 'Idempotency-Key': 'key-1' },
      { 'x-tenant': 'acme' },
      { 'x-tenant': 'acme', 'Idempotency-Key': 'key-2' },
    ]);
  });

  test('overlapping edit: default onConflict aborts with base / mine / theirs, nothing is overwritten', async () => {
    const db = store({ notes: 'a', quantity: 10 });
    db.otherWriter({ notes: 'theirs' });
    const out = execute(
      ApolloLink.from([new EtagConflictLink({ mutations: config() }), db.link]),
      { query: UPDATE, variables: { input: { id: '1', _etag: 'e1', notes: 'mine' } } },
      { cache: fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 }) },
    );
    await flush(6);
    await out.done;
    expect(db.po.notes).toBe('theirs');
    expect(db.writes).toEqual([]);
    const [c] = getClassifications(out.error);
    expect(c).toMatchObject({
      category: 'conflict',
      reason: 'edit-conflict',
      retryable: false,
      details: { fields: { notes: { base: 'a', mine: 'mine', theirs: 'theirs' } }, updatedBy: 'alice' },
    });
    expect(c!.message).toMatch(/modified by alice/);
  });

  test.each<[string, unknown, string]>([
    ["'retry' keeps mine", 'retry', 'mine'],
    [
      'new variables are sent',
      { input: { id: '1', _etag: 'stale', notes: 'merged by a person' } },
      'merged by a person',
    ],
  ])('onConflict %s', async (_n, decision, expected) => {
    const db = store({ notes: 'a', quantity: 10 });
    db.otherWriter({ notes: 'theirs' });
    const onConflict = jest.fn(async () => decision as 'retry');
    const out = execute(
      ApolloLink.from([new EtagConflictLink({ mutations: config(), onConflict }), db.link]),
      { query: UPDATE, variables: { input: { id: '1', _etag: 'e1', notes: 'mine' } } },
      { cache: fakeCache({ id: '1', _etag: 'e1', notes: 'a' }) },
    );
    await flush(6);
    await out.done;
    expect(out.error).toBeUndefined();
    expect(db.po.notes).toBe(expected);
    expect(onConflict).toHaveBeenCalledWith(
      expect.objectContaining({
        reason: 'fields',
        attempt: 1,
        fields: [{ field: 'notes', base: 'a', mine: 'mine', theirs: 'theirs' }],
        latest: expect.objectContaining({ notes: 'theirs' }),
      }),
    );
  });

  test('without a cached base only the etag is swapped, and onConflict is told', async () => {
    const db = store({ notes: 'a', quantity: 10 });
    db.otherWriter({ quantity: 99 });
    const onConflict = jest.fn(() => 'retry' as const);
    const out = execute(
      ApolloLink.from([new EtagConflictLink({ mutations: config(), onConflict }), db.link]),
      { query: UPDATE, variables: { input: { id: '1', _etag: 'e1', notes: 'mine', quantity: 10 } } },
      { cache: fakeCache(undefined) },
    );
    await flush(6);
    await out.done;
    expect(onConflict).toHaveBeenCalledWith(
      expect.objectContaining({
        reason: 'no-base',
        base: undefined,
        fields: [
          { field: 'notes', base: undefined, mine: 'mine', theirs: 'a' },
          { field: 'quantity', base: undefined, mine: 10, theirs: 99 },
        ],
      }),
    );
    expect(db.writes).toEqual([{ id: '1', _etag: 'e2', notes: 'mine', quantity: 10 }]);
  });

  test('a cached entity newer than the edited version is not used as the base', async () => {
    const db = store({ notes: 'a', quantity: 10 });
    db.otherWriter({ quantity: 12 });
    const onConflict = jest.fn(() => 'abort' as const);
    // The cache already shows the other writer's version (e2) while the user edited e1.
    const out = execute(
      ApolloLink.from([new EtagConflictLink({ mutations: config(), onConflict }), db.link]),
      { query: UPDATE, variables: { input: { id: '1', _etag: 'e1', notes: 'mine', quantity: 10 } } },
      { cache: fakeCache({ id: '1', _etag: 'e2', notes: 'a', quantity: 12 }) },
    );
    await flush(6);
    await out.done;
    expect(onConflict).toHaveBeenCalledWith(
      expect.objectContaining({
        reason: 'no-base',
        fields: [
          { field: 'notes', base: undefined, mine: 'mine', theirs: 'a' },
          { field: 'quantity', base: undefined, mine: 10, theirs: 12 },
        ],
      }),
    );
    expect(db.po.quantity).toBe(12);
  });

  test('a field the app left undefined (not sent) is not a conflict: my other change goes through, theirs stays', async () => {
    const db = store({ notes: 'a', quantity: 10 });
    db.otherWriter({ notes: 'alice wrote this' });
    const out = execute(
      ApolloLink.from([new EtagConflictLink({ mutations: config() }), db.link]),
      {
        query: UPDATE,
        variables: { input: { id: '1', _etag: 'e1', quantity: 12, notes: undefined } },
        operationName: 'UpdatePo',
      },
      { cache: fakeCache({ id: '1', _etag: 'e1', notes: null, quantity: 10 }) },
    );
    await flush(6);
    await out.done;
    expect(out.error).toBeUndefined();
    expect(db.po).toMatchObject({ _etag: 'e3', notes: 'alice wrote this', quantity: 12 });
    expect(db.writes).toEqual([{ id: '1', _etag: 'e2', notes: 'alice wrote this', quantity: 12 }]);
  });

  test('without a cached base, a field left undefined (not sent) is not among the fields onConflict is shown', async () => {
    const db = store({ notes: 'a', quantity: 10 });
    db.otherWriter({ notes: 'alice wrote this' });
    const onConflict = jest.fn(() => 'retry' as const);
    const out = execute(
      ApolloLink.from([new EtagConflictLink({ mutations: config(), onConflict }), db.link]),
      { query: UPDATE, variables: { input: { id: '1', _etag: 'e1', quantity: 12, notes: undefined } } },
      { cache: fakeCache(undefined) },
    );
    await flush(6);
    await out.done;
    expect(onConflict).toHaveBeenCalledWith(
      expect.objectContaining({
        reason: 'no-base',
        fields: [{ field: 'quantity', base: undefined, mine: 12, theirs: 10 }],
      }),
    );
    expect(db.writes).toEqual([{ id: '1', _etag: 'e2', quantity: 12 }]);
  });

  test('a custom reapply (increment on the latest value) never loses an update', async () => {
    const db = store({ notes: '', quantity: 0 });
    const link = new EtagConflictLink({
      mutations: config({
        reapply: ({ latest, variables }) => ({
          input: { ...(variables.input as object), quantity: (latest.quantity as number) + 1 },
        }),
      }),
      maxAttempts: 10,
    });
    db.otherWriter({ quantity: 5 });
    const out = execute(ApolloLink.from([link, db.link]), {
      query: UPDATE,
      variables: { input: { id: '1', _etag: 'e1', quantity: 1 } },
    });
    await flush(6);
    await out.done;
    expect(db.po.quantity).toBe(6);
  });

  test('exhausted attempts end in a conflict error naming them', async () => {
    const db = store({ notes: 'a', quantity: 10 });
    // The other writer changes the entity again right after every re-read.
    const racing = scripted((sink, _n, operation) => {
      const name = (operation as unknown as { operationName?: string }).operationName;
      if (name === 'Po') {
        sink.next({ data: { po: { ...db.po } } });
        sink.complete();
        db.otherWriter({ quantity: db.po.quantity + 1 });
        return;
      }
      sink.error(conflict409());
    });
    const out = execute(
      ApolloLink.from([new EtagConflictLink({ mutations: config(), maxAttempts: 2 }), racing.link]),
      { query: UPDATE, variables: { input: { id: '1', _etag: 'e0', notes: 'mine' } } },
      { cache: fakeCache({ id: '1', _etag: 'e0', notes: 'a', quantity: 10 }) },
    );
    await flush(10);
    await out.done;
    expect(getClassifications(out.error)[0]).toMatchObject({
      category: 'conflict',
      reason: 'conflict-unresolved',
      details: { attempts: 2 },
    });
    expect(racing.requests).toHaveLength(5);
  });

  test('unconfigured mutations and queries pass through untouched', async () => {
    const s = scripted((sink) => sink.error(conflict409()));
    const out = execute(ApolloLink.from([new EtagConflictLink({ mutations: config() }), s.link]), {
      query: parse('mutation Other { other }'),
    });
    await flush();
    await out.done;
    expect(s.requests).toHaveLength(1);
    expect(getClassifications(out.error)[0]!.category).toBe('conflict');
  });

  test('unsubscribing mid-cycle stops it', async () => {
    let release!: () => void;
    const s = scripted((sink, n) => {
      if (n === 1) return sink.error(conflict409());
      release = () => {
        sink.next({ data: { po: { id: '1', _etag: 'e2', notes: 'x' } } });
        sink.complete();
      };
    });
    const out = execute(
      ApolloLink.from([new EtagConflictLink({ mutations: config() }), s.link]),
      { query: UPDATE, variables: { input: { id: '1', _etag: 'e1', notes: 'mine' } } },
      { cache: fakeCache({ id: '1', _etag: 'e1', notes: 'a' }) },
    );
    await flush(4);
    expect(s.requests).toHaveLength(2);
    out.unsubscribe();
    expect(s.teardowns.count).toBe(2);
    release();
    await flush(4);
    expect(s.requests).toHaveLength(2);
  });
});
