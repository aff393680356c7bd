// The etag policy's edges, as the app sees them through EtagConflictLink: its options, which
// operations it handles, a re-read that fails or finds nothing, the error and events of an aborted or
// exhausted conflict, and the variables it re-sends.
import { ApolloLink } from '@apollo/client/core/index.js';
import { parse, print, type DocumentNode } from 'graphql';
import { ErrorClassifyLink } from '../../classify/ErrorClassifyLink';
import { getClassifications } from '../../classify/getClassifications';
import type { ResilienceEvent } from '../../events';
import { conflict409 } from '../../__testUtils__/fixtures';
import { execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { MAX_TIMER_MS } from '../../later';
import { EtagConflictLink } from '../EtagConflictLink';
import { EtagPolicy } from '../etagPolicy';

const UPDATE = parse('mutation UpdatePo($input: PoInput!) { updatePo(input: $input) { id _etag notes quantity } }');
const READ = parse('query Po($id: ID!) { po(id: $id) { id _etag notes quantity updatedBy } }');

type Po = Record<string, unknown> & { id: string; _etag: string };

/**
 * A record behind a scripted terminating link: a write with a stale etag is a 409. `reread` answers
 * the re-read (default: the record); `rereadDelayMs` delays it.
 */
function store(initial: Record<string, unknown> = {}) {
  const po: Po = { id: '1', _etag: 'e1', notes: 'a', quantity: 10, ...initial };
  let version = 1;
  const writes: Array<Record<string, unknown>> = [];
  const rereads: DocumentNode[] = [];
  const opts: { reread?: () => unknown; rereadDelayMs?: number; conflictAs?: 'error' | 'result' } = {};
  const s = scripted((sink, _n, operation) => {
    if (operation.operationName === 'Po') {
      rereads.push((operation as unknown as { query: DocumentNode }).query);
      const answer = () => {
        const out = opts.reread ? opts.reread() : { data: { po: { ...po } } };
        if (out instanceof Error) return sink.error(out);
        sink.next(out);
        sink.complete();
      };
      if (!opts.rereadDelayMs) return answer();
      const timer = setTimeout(answer, opts.rereadDelayMs);
      return () => clearTimeout(timer);
    }
    const input = (operation.variables.input ?? operation.variables) as Record<string, unknown>;
    if (input._etag !== po._etag) {
      if (opts.conflictAs === 'result') {
        sink.next({ data: null, errors: [{ message: 'etag mismatch', extensions: { code: 'CONFLICT' } }] });
        return sink.complete();
      }
      return sink.error(conflict409());
    }
    writes.push(input);
    Object.assign(po, input, { _etag: `e${++version}` });
    sink.next({ data: { updatePo: { ...po } } });
    sink.complete();
  });
  const otherWriter = (changes: Record<string, unknown>) => Object.assign(po, changes, { _etag: `e${++version}` });
  return { po, writes, rereads, opts, otherWriter, link: s.link, requests: s.requests };
}

const reread = (op: { variables: Record<string, unknown> }) => ({
  query: READ,
  variables: { id: ((op.variables.input as { id?: string } | undefined)?.id ?? op.variables.id) as string },
});

function fakeCache(entity: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) {
  const written: unknown[] = [];
  return {
    written,
    readQuery: () => (entity ? { po: { ...entity } } : null),
    writeQuery: (o: { data: unknown }) => void written.push(o.data),
    ...extra,
  };
}

/** Runs one save through the link until it settles. */
async function save(
  options: Partial<EtagConflictLink.Options> & { config?: Partial<EtagConflictLink.MutationConfig> },
  db: ReturnType<typeof store>,
  variables: Record<string, unknown>,
  cache?: object,
  query: DocumentNode = UPDATE,
  below: ApolloLink[] = [],
) {
  const events: ResilienceEvent[] = [];
  const { config, ...rest } = options;
  const link = new EtagConflictLink({
    mutations: { UpdatePo: { reread, ...config } },
    onEvent: (e) => events.push(e),
    ...rest,
  });
  const out = execute(ApolloLink.from([link, ...below, db.link]), { query, variables }, cache ? { cache } : {});
  for (let i = 0; i < 10 && !out.complete && out.error === undefined; i++) await flush();
  await flush(); // what the client does after the end (AC4 queues a tick after a query's error)
  return { out, events, classification: getClassifications(out.error)[0] };
}

useFakeTimersAndCheckTeardown();

describe('EtagConflictLink options', () => {
  test.each<[string, unknown]>([
    ['no options', undefined],
    ['no mutations', {}],
    ['mutations null', { mutations: null }],
    ['mutations an array', { mutations: [] }],
    ['mutations a string', { mutations: 'UpdatePo' }],
  ])('%s: a TypeError naming `mutations`', (_n, options) => {
    expect(() => new EtagConflictLink(options as never)).toThrow(
      new TypeError('EtagConflictLink: `mutations` (by operation name) is required'),
    );
  });

  test('mutations {} is accepted: everything passes through', async () => {
    const db = store();
    const out = execute(ApolloLink.from([new EtagConflictLink({ mutations: {} }), db.link]), {
      query: UPDATE,
      variables: { input: { id: '1', _etag: 'e1', notes: 'x' } },
    });
    await flush();
    expect(out.complete).toBe(true);
  });

  test.each<[string, number | undefined, number]>([
    ['default', undefined, 3],
    ['0 (at least one cycle)', 0, 1],
    ['-2', -2, 1],
    ['1', 1, 1],
    ['2.9 (whole cycles)', 2.9, 2],
    ['NaN (`Number()` of an unset variable): the default', NaN, 3],
  ])(
    'maxAttempts %s: that many whole re-read/re-apply cycles (at least one), then conflict-unresolved',
    async (_n, maxAttempts, cycles) => {
      const db = store();
      db.otherWriter({ quantity: 11 });
      // Someone else writes again after every re-read: every re-send meets a 409.
      db.opts.reread = () => {
        const data = { data: { po: { ...db.po } } };
        db.otherWriter({ quantity: (db.po.quantity as number) + 1 });
        return data;
      };
      const { out, events, classification } = await save(
        maxAttempts === undefined ? {} : { maxAttempts },
        db,
        { input: { id: '1', _etag: 'e1', notes: 'mine' } },
        fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 }),
      );
      expect(db.requests).toHaveLength(1 + 2 * cycles);
      expect(classification).toMatchObject({
        category: 'conflict',
        reason: 'conflict-unresolved',
        status: 409,
        retryable: false,
        refreshable: false,
        message: `The record kept changing: the mutation still conflicted after ${cycles} re-read and re-apply attempts.`,
        details: { attempts: cycles, lastReason: 'etag-mismatch' },
      });
      expect((out.error as { cause?: unknown }).cause).toMatchObject({ statusCode: 409 });
      expect(events.filter((e) => e.type === 'conflict').map((e) => (e as { attempt: number }).attempt)).toEqual(
        Array.from({ length: cycles }, (_x, i) => i + 1),
      );
      expect(events.at(-1)).toMatchObject({
        type: 'give-up',
        operationName: 'UpdatePo',
        attempt: cycles,
        reason: 'max-attempts',
        classification: { category: 'conflict', reason: 'etag-mismatch' },
      });
    },
  );

  test('decisionTimeoutMs defaults to 5 minutes: an onConflict that never answers fails the save then, not before', async () => {
    const db = store();
    db.otherWriter({ notes: 'theirs' });
    const events: ResilienceEvent[] = [];
    const link = new EtagConflictLink({
      mutations: { UpdatePo: { reread } },
      onConflict: () => new Promise<'abort'>(() => undefined),
      onEvent: (e) => events.push(e),
    });
    const out = execute(
      ApolloLink.from([link, db.link]),
      { query: UPDATE, variables: { input: { id: '1', _etag: 'e1', notes: 'mine' } } },
      { cache: fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 }) },
    );
    await flush(6);
    await jest.advanceTimersByTimeAsync(299_999);
    expect(out.error).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    await flush();
    expect(getClassifications(out.error)[0]).toMatchObject({
      category: 'conflict',
      reason: 'decision-timeout',
      message: 'No decision on the conflict within 300000 ms: the change was not re-applied.',
      details: { attempts: 1 },
    });
    expect(db.requests).toHaveLength(2);
    expect(events.map((e) => e.type)).toEqual(['conflict', 'reread']);
  });

  test.each<[string, number | undefined, number]>([
    ['none: 5 minutes', undefined, 300_000],
    ['NaN (Number() of an unset env var): 5 minutes, not unbounded', NaN, 300_000],
    ['negative: 5 minutes', -1, 300_000],
    ['null from untyped config: 5 minutes, not 0', null as unknown as number, 300_000],
    ['a numeric string from untyped config: its number', '1000' as unknown as number, 1000],
    ['a non-numeric string from untyped config: 5 minutes', 'soon' as unknown as number, 300_000],
    ['0: only a synchronous decision', 0, 0],
    ['a number of ms is kept', 1500, 1500],
    ['Infinity: the longest timer, never unbounded', Infinity, MAX_TIMER_MS],
    ['over the longest timer: capped to it', 2 ** 32, MAX_TIMER_MS],
  ])('decisionTimeoutMs %s', (_n, decisionTimeoutMs, expected) => {
    expect(new EtagPolicy({ mutations: {}, decisionTimeoutMs }).decisionTimeoutMs).toBe(expected);
  });

  test('decisionTimeoutMs NaN: an onConflict that never answers still fails the save after 5 minutes, no timer left', async () => {
    const db = store();
    db.otherWriter({ notes: 'theirs' });
    const link = new EtagConflictLink({
      mutations: { UpdatePo: { reread } },
      onConflict: () => new Promise<'abort'>(() => undefined),
      decisionTimeoutMs: Number(process.env.ETAG_DECISION_TIMEOUT_UNSET_IN_TESTS),
    });
    const out = execute(
      ApolloLink.from([link, db.link]),
      { query: UPDATE, variables: { input: { id: '1', _etag: 'e1', notes: 'mine' } } },
      { cache: fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 }) },
    );
    await flush(6);
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(300_000);
    await flush();
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'conflict', reason: 'decision-timeout' });
    expect(jest.getTimerCount()).toBe(0);
    expect(db.writes).toEqual([]);
  });

  test('a reapply that never answers within decisionTimeoutMs: decision-timeout (not a callback failure)', async () => {
    const db = store();
    db.otherWriter({ notes: 'theirs' });
    const link = new EtagConflictLink({
      mutations: { UpdatePo: { reread, reapply: () => new Promise<'abort'>(() => undefined) } },
      decisionTimeoutMs: 1000,
    });
    const out = execute(ApolloLink.from([link, db.link]), {
      query: UPDATE,
      variables: { input: { id: '1', _etag: 'e1', notes: 'mine' } },
    });
    await flush(6);
    await jest.advanceTimersByTimeAsync(1000);
    await flush();
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'conflict', reason: 'decision-timeout' });
  });

  test('unsubscribing while onConflict decides cancels its timer and sends nothing more', async () => {
    const db = store();
    db.otherWriter({ notes: 'theirs' });
    const link = new EtagConflictLink({
      mutations: { UpdatePo: { reread } },
      onConflict: () => new Promise<'abort'>(() => undefined),
      decisionTimeoutMs: 1000,
    });
    const out = execute(
      ApolloLink.from([link, db.link]),
      { query: UPDATE, variables: { input: { id: '1', _etag: 'e1', notes: 'mine' } } },
      { cache: fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 }) },
    );
    await flush(6);
    expect(jest.getTimerCount()).toBe(1);
    out.unsubscribe();
    expect(jest.getTimerCount()).toBe(0);
    expect(db.requests).toHaveLength(2);
  });
});

describe('which operations the policy handles', () => {
  test.each<[string, string]>([
    ['a query named like a configured mutation', 'query UpdatePo($input: PoInput!) { updatePo(input: $input) { id } }'],
    ['an unconfigured mutation named after an Object.prototype member', 'mutation toString { updatePo { id } }'],
    ['an unconfigured mutation named constructor', 'mutation constructor { updatePo { id } }'],
    ['an anonymous mutation', 'mutation { updatePo { id } }'],
  ])('%s passes through: its 409 reaches the app as it came, no re-read', async (_n, source) => {
    const db = store();
    db.otherWriter({ notes: 'theirs' });
    const { out, classification } = await save({}, db, { input: { id: '1', _etag: 'e1' } }, undefined, parse(source));
    expect(db.requests).toHaveLength(1);
    expect(out.error).toMatchObject({ statusCode: 409 });
    expect(classification).toMatchObject({ category: 'conflict', reason: 'etag-mismatch' });
  });

  test('a conflict that arrives as GraphQL errors in a result (code CONFLICT) is resolved too', async () => {
    const db = store();
    db.opts.conflictAs = 'result';
    db.otherWriter({ quantity: 12 });
    const { out } = await save(
      {},
      db,
      { input: { id: '1', _etag: 'e1', notes: 'mine' } },
      fakeCache({ ...db.po, _etag: 'e1', quantity: 10 }),
    );
    expect(out.error).toBeUndefined();
    expect(out.next).toEqual([{ data: { updatePo: expect.objectContaining({ notes: 'mine', quantity: 12 }) } }]);
    expect(db.writes).toEqual([{ id: '1', _etag: 'e2', notes: 'mine' }]);
  });

  test('a result with neutral GraphQL errors that came with an HTTP 409 (graphql-response+json) is a conflict too', async () => {
    let writes = 0;
    const s = scripted((sink, _a, operation) => {
      const op = operation as unknown as { setContext(c: Record<string, unknown>): void; operationName?: string };
      if (op.operationName === 'Po') {
        op.setContext({ response: { status: 200, headers: new Headers() } });
        sink.next({ data: { po: { id: '1', _etag: 'e2', notes: 'a', quantity: 12 } } });
        return sink.complete();
      }
      if (++writes === 1) {
        op.setContext({ response: { status: 409, headers: new Headers() } });
        sink.next({ data: null, errors: [{ message: 'Request failed' }] });
        return sink.complete();
      }
      op.setContext({ response: { status: 200, headers: new Headers() } });
      sink.next({ data: { updatePo: { id: '1', _etag: 'e3', notes: 'mine', quantity: 12 } } });
      sink.complete();
    });
    const out = execute(
      ApolloLink.from([new EtagConflictLink({ mutations: { UpdatePo: { reread } } }), s.link]),
      { query: UPDATE, variables: { input: { id: '1', _etag: 'e1', notes: 'mine' } } },
      { cache: fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 }) },
    );
    await flush(8);
    expect(out.complete).toBe(true);
    expect(s.requests.map((r) => r.variables)).toEqual([
      { input: { id: '1', _etag: 'e1', notes: 'mine' } },
      { id: '1' },
      { input: { id: '1', _etag: 'e2', notes: 'mine' } },
    ]);
    expect(out.next).toEqual([{ data: { updatePo: { id: '1', _etag: 'e3', notes: 'mine', quantity: 12 } } }]);
  });

  test('a result without a conflict (other GraphQL errors) is handed over as it came', async () => {
    const result = {
      data: null,
      errors: [{ message: 'quantity must be positive', extensions: { code: 'BAD_USER_INPUT' } }],
    };
    const s = scripted((sink) => {
      sink.next(result);
      sink.complete();
    });
    const out = execute(ApolloLink.from([new EtagConflictLink({ mutations: { UpdatePo: { reread } } }), s.link]), {
      query: UPDATE,
      variables: { input: { id: '1', _etag: 'e1', quantity: -1 } },
    });
    await flush();
    expect(out.next).toEqual([result]);
    expect(out.complete).toBe(true);
    expect(s.requests).toHaveLength(1);
  });
});

describe('the re-read', () => {
  const variables = { input: { id: '1', _etag: 'e1', notes: 'mine' } };

  test('reread() gives no request: the original 409 reaches the app, unchanged', async () => {
    const db = store();
    db.otherWriter({ notes: 'theirs' });
    const { out } = await save({ config: { reread: () => undefined as never } }, db, variables);
    expect(db.requests).toHaveLength(1);
    expect(out.error).toMatchObject({ statusCode: 409, name: 'ServerError' });
  });

  test('the re-read fails: its error reaches the app, nothing is re-sent', async () => {
    const db = store();
    db.otherWriter({ notes: 'theirs' });
    const failure = new TypeError('Failed to fetch');
    db.opts.reread = () => failure;
    const { out } = await save({}, db, variables, fakeCache({ id: '1', _etag: 'e1', notes: 'a' }));
    expect(out.error).toBe(failure);
    expect(db.requests).toHaveLength(2);
  });

  test.each<[string, unknown]>([
    ['null', { data: { po: null } }],
    ['no data', { data: null }],
    ['a scalar', { data: { po: 'gone' } }],
    ['a list', { data: { po: [] } }],
  ])('the re-read finds the record %s: not-found / entity-gone', async (_n, answer) => {
    const db = store();
    db.otherWriter({ notes: 'theirs' });
    db.opts.reread = () => answer;
    const { classification, events } = await save({}, db, variables, fakeCache({ id: '1', _etag: 'e1', notes: 'a' }));
    expect(classification).toEqual({
      category: 'not-found',
      reason: 'entity-gone',
      message: 'The record could not be re-read after a conflict (deleted or no longer visible).',
      retryable: false,
      refreshable: false,
      remediation: 'Reload the list; the record may have been deleted by someone else.',
    });
    expect(db.requests).toHaveLength(2);
    expect(events.map((e) => e.type)).toEqual(['conflict']);
  });

  test('a re-read refused with a classified GraphQL error: that classification, not entity-gone', async () => {
    const db = store();
    db.otherWriter({ notes: 'theirs' });
    db.opts.reread = () => ({
      data: { po: null },
      errors: [{ message: 'Not allowed', extensions: { code: 'FORBIDDEN' } }],
    });
    const { classification } = await save({}, db, variables, fakeCache({ id: '1', _etag: 'e1', notes: 'a' }), UPDATE, [
      new ErrorClassifyLink(),
    ]);
    expect(classification).toMatchObject({ category: 'forbidden' });
  });

  test('the answer`s __typename is not the entity: the record is found beside it', async () => {
    const db = store();
    db.otherWriter({ quantity: 12 });
    db.opts.reread = () => ({ data: { __typename: 'Query', po: { ...db.po } } });
    const { out } = await save({}, db, variables, fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 }));
    expect(out.error).toBeUndefined();
    expect(db.po).toMatchObject({ notes: 'mine', quantity: 12 });
  });

  test('the re-read entity goes to the cache; a cache that refuses it does not stop the resolution', async () => {
    const db = store();
    db.otherWriter({ quantity: 12 });
    const writeQuery = jest.fn(() => {
      throw new Error('cache full');
    });
    const cache = fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 }, { writeQuery });
    const { out } = await save({}, db, variables, cache);
    expect(out.error).toBeUndefined();
    expect(writeQuery).toHaveBeenCalledWith({
      query: READ,
      variables: { id: '1' },
      data: { po: expect.objectContaining({ quantity: 12, _etag: 'e2' }) },
    });
    expect(db.po).toMatchObject({ notes: 'mine', quantity: 12 });
  });

  test("the cache's document transform (AC adds __typename) applies to the re-read, its cache read and write", async () => {
    const db = store();
    db.otherWriter({ quantity: 12 });
    const TRANSFORMED = parse('query Po($id: ID!) { po(id: $id) { id _etag notes quantity updatedBy __typename } }');
    const readQuery = jest.fn(() => ({ po: { id: '1', _etag: 'e1', notes: 'a', quantity: 10 } }));
    const writeQuery = jest.fn();
    const cache = fakeCache(undefined, {
      readQuery,
      writeQuery,
      transformDocument(this: unknown, d: DocumentNode) {
        expect(this).toBe(cache);
        return d === READ ? TRANSFORMED : d;
      },
    });
    const { out } = await save({}, db, variables, cache);
    expect(out.error).toBeUndefined();
    expect(readQuery).toHaveBeenCalledWith({ query: TRANSFORMED, variables: { id: '1' } });
    expect(writeQuery).toHaveBeenCalledWith(expect.objectContaining({ query: TRANSFORMED }));
    expect(db.rereads.map((d) => print(d))).toEqual([print(TRANSFORMED)]);
    // the merge used the cached base: quantity is theirs (not sent), notes mine
    expect(db.writes).toEqual([{ id: '1', _etag: 'e2', notes: 'mine' }]);
  });

  test('the reread event: how long the re-read took and who changed the record', async () => {
    const db = store();
    db.otherWriter({ quantity: 12, updatedBy: 'alice', modifiedBy: 'bob', updatedAt: 't1', modifiedAt: 't2' });
    db.opts.rereadDelayMs = 250;
    const events: ResilienceEvent[] = [];
    const link = new EtagConflictLink({ mutations: { UpdatePo: { reread } }, onEvent: (e) => events.push(e) });
    const out = execute(
      ApolloLink.from([link, db.link]),
      { query: UPDATE, variables },
      { cache: fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 }) },
    );
    await flush(6);
    await jest.advanceTimersByTimeAsync(250);
    await flush(6);
    expect(out.complete).toBe(true);
    const rereadEvent = events.find((e) => e.type === 'reread');
    expect(rereadEvent).toEqual({
      type: 'reread',
      operationName: 'UpdatePo',
      at: expect.any(Number),
      attempt: 1,
      durationMs: 250,
      updatedBy: 'alice',
      modifiedBy: 'bob',
      updatedAt: 't1',
      modifiedAt: 't2',
    });
  });
});

describe('a conflict nobody resolved', () => {
  test('edit-conflict: the error names the fields and who changed them, holds both sides and the 409 as cause', async () => {
    const db = store();
    db.otherWriter({ notes: 'theirs', quantity: 11, updatedBy: 'alice', updatedAt: '2026-11-25' });
    const { out, classification, events } = await save(
      {},
      db,
      { input: { id: '1', _etag: 'e1', notes: 'mine', quantity: 12 } },
      fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 }),
    );
    expect(classification).toMatchObject({
      category: 'conflict',
      reason: 'edit-conflict',
      status: 409,
      retryable: false,
      refreshable: false,
      message: 'This record was modified by alice while you edited it: notes, quantity changed on both sides.',
      remediation:
        'Someone else changed this record: review their values next to yours, then keep yours, take theirs, or edit.',
      details: {
        fields: {
          notes: { base: 'a', mine: 'mine', theirs: 'theirs' },
          quantity: { base: 10, mine: 12, theirs: 11 },
        },
        conflicts: [
          { field: 'notes', base: 'a', mine: 'mine', theirs: 'theirs' },
          { field: 'quantity', base: 10, mine: 12, theirs: 11 },
        ],
        latest: expect.objectContaining({ notes: 'theirs', _etag: 'e2' }),
        updatedBy: 'alice',
        updatedAt: '2026-11-25',
        attempts: 1,
        noBase: false,
      },
    });
    expect((out.error as { cause?: unknown }).cause).toMatchObject({ statusCode: 409 });
    expect(events.at(-1)).toMatchObject({
      type: 'give-up',
      attempt: 1,
      reason: 'abort',
      conflicts: ['notes', 'quantity'],
    });
    expect(db.writes).toEqual([]);
  });

  test.each<[string, unknown]>([
    ['no updatedBy', undefined],
    ['an updatedBy that is not a name', 42],
  ])('edit-conflict with %s: the message names no one', async (_n, updatedBy) => {
    const db = store();
    db.otherWriter({ notes: 'theirs', ...(updatedBy === undefined ? {} : { updatedBy }) });
    const { classification } = await save(
      {},
      db,
      { input: { id: '1', _etag: 'e1', notes: 'mine' } },
      fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 }),
    );
    expect(classification!.message).toBe('This record was modified while you edited it: notes changed on both sides.');
    // what the record does not say is not in the details (no keys with undefined values)
    for (const key of ['modifiedBy', 'updatedAt', 'modifiedAt'])
      expect(Object.keys(classification!.details!)).not.toContain(key);
  });

  test.each<[string, unknown]>([
    ["'abort'", 'abort'],
    ['null', null],
    ['a string', 'later'],
    ['a list', [{ notes: 'x' }]],
  ])('a reapply that answers %s: conflict-aborted, nothing re-sent', async (_n, decision) => {
    const db = store();
    db.otherWriter({ notes: 'theirs' });
    const { classification, events } = await save({ config: { reapply: () => decision as 'abort' } }, db, {
      input: { id: '1', _etag: 'e1', notes: 'mine' },
    });
    expect(classification).toMatchObject({
      category: 'conflict',
      reason: 'conflict-aborted',
      message: 'The conflicting change was not re-applied.',
      details: { fields: {}, conflicts: [], attempts: 1, noBase: true },
    });
    expect(db.requests).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({ type: 'give-up', reason: 'abort', conflicts: [] });
  });

  test('onConflict aborts without a base: noBase in the details', async () => {
    const db = store();
    db.otherWriter({ notes: 'theirs' });
    const { classification } = await save({ onConflict: () => 'abort' }, db, {
      input: { id: '1', _etag: 'e1', notes: 'mine' },
    });
    expect(classification).toMatchObject({
      reason: 'edit-conflict',
      details: { noBase: true, fields: { notes: { base: undefined, mine: 'mine', theirs: 'theirs' } } },
    });
  });
});

describe('what is re-sent', () => {
  test('the conflict and reapply events: attempt, classification, kept fields, and that the etag changed', async () => {
    const db = store();
    db.otherWriter({ quantity: 12 });
    const { out, events } = await save(
      {},
      db,
      { input: { id: '1', _etag: 'e1', notes: 'mine', quantity: 10 } },
      fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 }),
    );
    expect(out.complete).toBe(true);
    expect(events[0]).toEqual({
      type: 'conflict',
      operationName: 'UpdatePo',
      at: expect.any(Number),
      attempt: 1,
      classification: expect.objectContaining({ category: 'conflict', reason: 'etag-mismatch' }),
    });
    expect(events[2]).toEqual({
      type: 'reapply',
      operationName: 'UpdatePo',
      at: expect.any(Number),
      attempt: 1,
      keptTheirs: ['quantity'],
      conflicts: [],
      etagChanged: true,
    });
  });

  test('a 409 although the etag did not change (a server that lost it): re-sent with the same etag, etagChanged false', async () => {
    let n = 0;
    const s = scripted((sink, _a, operation) => {
      if (operation.operationName === 'Po') {
        sink.next({ data: { po: { id: '1', _etag: 'e1', notes: 'a' } } });
        return sink.complete();
      }
      if (++n === 1) return sink.error(conflict409());
      sink.next({ data: { updatePo: { id: '1', _etag: 'e2', notes: 'mine' } } });
      sink.complete();
    });
    const events: ResilienceEvent[] = [];
    const out = execute(
      ApolloLink.from([
        new EtagConflictLink({ mutations: { UpdatePo: { reread } }, onEvent: (e) => events.push(e) }),
        s.link,
      ]),
      { query: UPDATE, variables: { input: { id: '1', _etag: 'e1', notes: 'mine' } } },
      { cache: fakeCache({ id: '1', _etag: 'e1', notes: 'a' }) },
    );
    await flush(8);
    expect(out.complete).toBe(true);
    expect(s.requests[2]!.variables).toEqual({ input: { id: '1', _etag: 'e1', notes: 'mine' } });
    expect(events.find((e) => e.type === 'reapply')).toMatchObject({ etagChanged: false });
  });

  test('a custom etagPath: the new etag is written there, and its key is never merged as a field', async () => {
    const db = store();
    db.otherWriter({ quantity: 12 });
    const { out } = await save(
      { config: { etagPath: 'input._etag' } },
      db,
      { input: { id: '1', _etag: 'e1', notes: 'mine' } },
      fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 }),
    );
    expect(out.complete).toBe(true);
    expect(db.writes).toEqual([{ id: '1', _etag: 'e2', notes: 'mine' }]);
  });

  describe('an etag under another key (etagPath input.version)', () => {
    /** A record whose etag is `version`: a write with another version is a 409. */
    function versioned() {
      const po = { id: '1', version: 2, notes: 'a', quantity: 12 };
      const s = scripted((sink, _a, operation) => {
        if (operation.operationName === 'Po') {
          sink.next({ data: { po: { ...po } } });
          return sink.complete();
        }
        const input = operation.variables.input as typeof po;
        if (input.version !== po.version) return sink.error(conflict409());
        Object.assign(po, input, { version: po.version + 1 });
        sink.next({ data: { updatePo: { ...po } } });
        sink.complete();
      });
      return { po, s };
    }
    const run = (options: Partial<EtagConflictLink.Options>, cache?: object) => {
      const { po, s } = versioned();
      const events: ResilienceEvent[] = [];
      const out = execute(
        ApolloLink.from([
          new EtagConflictLink({
            mutations: { UpdatePo: { reread, etagPath: 'input.version' } },
            onEvent: (e) => events.push(e),
            ...options,
          }),
          s.link,
        ]),
        { query: UPDATE, variables: { input: { id: '1', version: 1, notes: 'mine', quantity: 10 } } },
        cache ? { cache } : {},
      );
      return { po, s, out, events };
    };

    test('merged: the version is the new one and never counts as a field the other writer changed', async () => {
      const { po, s, out, events } = run({}, fakeCache({ id: '1', version: 1, notes: 'a', quantity: 10 }));
      await flush(8);
      expect(out.complete).toBe(true);
      expect(s.requests[2]!.variables).toEqual({ input: { id: '1', version: 2, notes: 'mine', quantity: 12 } });
      expect(po).toMatchObject({ version: 3, notes: 'mine', quantity: 12 });
      expect(events.find((e) => e.type === 'reapply')).toMatchObject({ keptTheirs: ['quantity'], etagChanged: true });
    });

    test('no base: onConflict is not told about the version as a differing field', async () => {
      const onConflict = jest.fn((_c: EtagConflictLink.Conflict) => 'retry' as const);
      const { out } = run({ onConflict });
      await flush(8);
      expect(out.complete).toBe(true);
      expect(onConflict.mock.calls[0]![0].fields).toEqual([
        { field: 'notes', base: undefined, mine: 'mine', theirs: 'a' },
        { field: 'quantity', base: undefined, mine: 10, theirs: 12 },
      ]);
    });
  });

  test('variables without input: the change is the variables other than ids and etags, merged in place', async () => {
    const FLAT = parse(
      'mutation UpdatePo($id: ID!, $_etag: String!, $notes: String) { updatePo(id: $id, _etag: $_etag, notes: $notes) { id _etag notes } }',
    );
    const db = store();
    db.otherWriter({ quantity: 12 });
    const { out } = await save(
      {},
      db,
      { id: '1', _etag: 'e1', notes: 'mine' },
      fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 }),
      FLAT,
    );
    expect(out.complete).toBe(true);
    expect(db.requests[2]!.variables).toEqual({ id: '1', _etag: 'e2', notes: 'mine' });
  });

  test('no etag in the variables: the re-applied variables are sent without one, merged on the cached entity', async () => {
    let n = 0;
    const s = scripted((sink, _a, operation) => {
      if (operation.operationName === 'Po') {
        sink.next({ data: { po: { id: '1', _etag: 'e2', notes: 'a', quantity: 12 } } });
        return sink.complete();
      }
      if (++n === 1) return sink.error(conflict409());
      sink.next({ data: { updatePo: { id: '1', notes: 'mine' } } });
      sink.complete();
    });
    const events: ResilienceEvent[] = [];
    const out = execute(
      ApolloLink.from([
        new EtagConflictLink({ mutations: { UpdatePo: { reread } }, onEvent: (e) => events.push(e) }),
        s.link,
      ]),
      { query: UPDATE, variables: { input: { id: '1', notes: 'mine', quantity: 10 } } },
      // the cache's etag tells nothing about the version edited (the variables carry none): still the base
      { cache: fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 }) },
    );
    await flush(8);
    expect(out.complete).toBe(true);
    expect(s.requests[2]!.variables).toEqual({ input: { id: '1', notes: 'mine', quantity: 12 } });
    expect(events.find((e) => e.type === 'reapply')).toMatchObject({ etagChanged: false });
  });

  test('a reapply that unsubscribes its operation (the UI unmounts) ends it: no reapply event, nothing re-sent', async () => {
    const db = store();
    db.otherWriter({ notes: 'theirs' });
    let unsubscribe: () => void = () => undefined;
    const events: ResilienceEvent[] = [];
    const link = new EtagConflictLink({
      mutations: {
        UpdatePo: {
          reread,
          reapply: ({ variables }) => {
            unsubscribe();
            return variables;
          },
        },
      },
      onEvent: (e) => events.push(e),
    });
    const out = execute(ApolloLink.from([link, db.link]), {
      query: UPDATE,
      variables: { input: { id: '1', _etag: 'e1', notes: 'mine' } },
    });
    unsubscribe = out.unsubscribe;
    await flush(8);
    expect(events.map((e) => e.type)).toEqual(['conflict', 'reread']);
    expect(db.requests).toHaveLength(2);
    expect(out.error).toBeUndefined();
    expect(out.complete).toBe(false);
  });

  test('a cached entity that does not carry the etag is still the merge base', async () => {
    const db = store();
    db.otherWriter({ quantity: 12 });
    const { out } = await save(
      {},
      db,
      { input: { id: '1', _etag: 'e1', notes: 'mine', quantity: 10 } },
      fakeCache({ id: '1', notes: 'a', quantity: 10 }),
    );
    expect(out.complete).toBe(true);
    expect(db.writes).toEqual([{ id: '1', _etag: 'e2', notes: 'mine', quantity: 12 }]);
  });

  test('with no base and no onConflict, only the etag is swapped: the user`s values are sent as made', async () => {
    const db = store();
    db.otherWriter({ notes: 'theirs', quantity: 12 });
    const { out, events } = await save({}, db, { input: { id: '1', _etag: 'e1', notes: 'mine', quantity: 10 } });
    expect(out.complete).toBe(true);
    expect(db.writes).toEqual([{ id: '1', _etag: 'e2', notes: 'mine', quantity: 10 }]);
    expect(events.find((e) => e.type === 'reapply')).toMatchObject({
      keptTheirs: [],
      conflicts: ['notes', 'quantity'],
    });
  });

  test("onConflict 'retry' on a real conflict: the reapply event names the fields re-sent over theirs", async () => {
    const db = store();
    db.otherWriter({ notes: 'theirs' });
    const { out, events } = await save(
      { onConflict: () => 'retry' },
      db,
      { input: { id: '1', _etag: 'e1', notes: 'mine' } },
      fakeCache({ id: '1', _etag: 'e1', notes: 'a', quantity: 10 }),
    );
    expect(out.complete).toBe(true);
    expect(events.find((e) => e.type === 'reapply')).toMatchObject({ conflicts: ['notes'], keptTheirs: [] });
  });

  test('a reapply that throws: a classified link error (the bug is not handed over raw)', async () => {
    const db = store();
    db.otherWriter({ notes: 'theirs' });
    const bug = new Error('reapply bug');
    const { out, classification } = await save(
      {
        config: {
          reapply: () => {
            throw bug;
          },
        },
      },
      db,
      { input: { id: '1', _etag: 'e1', notes: 'mine' } },
    );
    expect(out.error).not.toBe(bug);
    expect(classification).toMatchObject({ category: 'unknown', reason: 'link-error' });
    expect(db.requests).toHaveLength(2);
  });

  test('with no base, onConflict is told only the fields that differ (ids, etags and equal values left out)', async () => {
    const db = store();
    db.otherWriter({ quantity: 12 });
    const onConflict = jest.fn((_c: EtagConflictLink.Conflict) => 'retry' as const);
    await save({ onConflict }, db, { input: { id: '1', _etag: 'e1', notes: 'a', quantity: 10, extra: 'new' } });
    expect(onConflict.mock.calls[0]![0]).toMatchObject({
      reason: 'no-base',
      attempt: 1,
      base: undefined,
      mine: { id: '1', _etag: 'e1', notes: 'a', quantity: 10, extra: 'new' },
      fields: [{ field: 'quantity', base: undefined, mine: 10, theirs: 12 }],
    });
  });
});
