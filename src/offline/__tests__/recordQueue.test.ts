import { ApolloLink } from '@apollo/client/core/index.js';
import fc from 'fast-check';
import { parse } from 'graphql';
import { execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { createLink, createObservable, subscribe } from '../../compat/index';
import { getClassifications } from '../../classify/getClassifications';
import { RecordQueue, type PreviousOutcome } from '../recordQueue';

useFakeTimersAndCheckTeardown();

/** A task whose end the test decides; records when it started and what it saw. */
function controlled<R>() {
  let resolve!: (value: R) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<R>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const seen: Array<PreviousOutcome<R>> = [];
  const task = jest.fn((previous: PreviousOutcome<R>) => {
    seen.push(previous);
    return promise;
  });
  return { task, resolve, reject, seen };
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('RecordQueue', () => {
  test('the same record: one after another; the second sends the etag the first one returned', async () => {
    const q = new RecordQueue<{ _etag: string }>();
    const sent: string[] = [];
    const save = (etag: string) => (previous: PreviousOutcome<{ _etag: string }>) => {
      const use = previous.status === 'fulfilled' ? previous.value._etag : etag;
      sent.push(use);
      return new Promise<{ _etag: string }>((resolve) => setTimeout(() => resolve({ _etag: `${use}+1` }), 100));
    };
    const first = q.run('PO:1', save('e1'));
    const second = q.run('PO:1', save('e1')); // the UI still holds e1: the queue hands it e1+1
    expect(sent).toEqual(['e1']);
    expect(second.state).toBe('queued');
    await jest.advanceTimersByTimeAsync(100);
    expect(await first.result).toEqual({ _etag: 'e1+1' });
    expect(sent).toEqual(['e1', 'e1+1']);
    await jest.advanceTimersByTimeAsync(100);
    expect(await second.result).toEqual({ _etag: 'e1+1+1' });
    expect(q.size).toBe(0);
  });

  test('different records and unkeyed writes run in parallel', () => {
    const q = new RecordQueue();
    const a = controlled();
    const b = controlled();
    const c = controlled();
    const d = controlled();
    q.run('PO:1', a.task);
    q.run('PO:2', b.task);
    q.run(undefined, c.task);
    q.run(undefined, d.task);
    for (const t of [a, b, c, d]) expect(t.task).toHaveBeenCalledTimes(1);
    expect(q.size).toBe(2); // unkeyed writes take no slot
    a.resolve(1);
    b.resolve(2);
    c.resolve(3);
    d.resolve(4);
    return settle().then(() => expect(q.size).toBe(0));
  });

  test.each([
    ['fulfilled', (t: ReturnType<typeof controlled<string>>) => t.resolve('v'), { status: 'fulfilled', value: 'v' }],
    [
      'rejected',
      (t: ReturnType<typeof controlled<string>>) => t.reject(new Error('409')),
      { status: 'rejected', reason: new Error('409') },
    ],
  ])('the next task sees the previous one %s', async (_name, end, expected) => {
    const q = new RecordQueue<string>();
    const first = controlled<string>();
    const second = controlled<string>();
    const job = q.run('k', first.task);
    q.run('k', second.task);
    end(first);
    await job.result.catch(() => undefined);
    await settle();
    expect(second.seen).toEqual([expected]);
    second.resolve('w');
    await settle();
    expect(q.size).toBe(0);
  });

  test('a task that throws synchronously rejects its job and the queue moves on', async () => {
    const q = new RecordQueue<string>();
    const first = controlled<string>();
    q.run('k', first.task);
    const job = q.run('k', () => {
      throw new Error('bad variables');
    });
    const next = controlled<string>();
    q.run('k', next.task);
    first.resolve('e2');
    await expect(job.result).rejects.toThrow('bad variables');
    await settle();
    expect(next.seen).toEqual([{ status: 'rejected', reason: new Error('bad variables') }]);
    next.resolve('ok');
    await settle();
    expect(q.size).toBe(0);
    // On an idle key a throwing task settles at once and leaves nothing behind.
    await expect(
      q.run('k', () => {
        throw new Error('again');
      }).result,
    ).rejects.toThrow('again');
    expect(q.size).toBe(0);
  });

  test('a queued task cancelled before it starts is removed and never runs', async () => {
    const q = new RecordQueue<string>();
    const first = controlled<string>();
    const cancelled = controlled<string>();
    const third = controlled<string>();
    q.run('k', first.task);
    const job = q.run('k', cancelled.task);
    q.run('k', third.task);
    expect(q.pending('k')).toBe(3);
    job.cancel();
    job.cancel();
    expect(job.state).toBe('cancelled');
    expect(q.pending('k')).toBe(2);
    const error = await job.result.catch((e: unknown) => e);
    expect(getClassifications(error)[0]).toMatchObject({ category: 'network', reason: 'aborted' });
    first.resolve('e2');
    await settle();
    expect(cancelled.task).not.toHaveBeenCalled();
    expect(third.seen).toEqual([{ status: 'fulfilled', value: 'e2' }]);
    third.resolve('e3');
    await settle();
    expect(q.size).toBe(0);
  });

  test('cancelling the running task releases the slot at once; its late result is ignored', async () => {
    const q = new RecordQueue<string>();
    const first = controlled<string>();
    const second = controlled<string>();
    const job = q.run('k', first.task);
    q.run('k', second.task);
    job.cancel();
    expect(second.seen).toEqual([{ status: 'cancelled' }]);
    first.resolve('late');
    await settle();
    await expect(job.result).rejects.toMatchObject({ name: 'ResilienceError' });
    expect(job.state).toBe('cancelled');
    second.resolve('ok');
    await settle();
    expect(q.size).toBe(0);
  });

  test('cancelling the last task of a key leaves no entry behind; cancel after done is a no-op', async () => {
    const q = new RecordQueue<string>();
    const only = controlled<string>();
    const job = q.run('k', only.task);
    job.cancel();
    expect(q.size).toBe(0);
    expect(q.pending('k')).toBe(0);
    const done = q.run('k', () => 'sync');
    await expect(done.result).resolves.toBe('sync');
    await settle();
    done.cancel();
    expect(done.state).toBe('done');
    expect(q.size).toBe(0);
  });

  test('after a key went idle, the next task starts fresh (previous "none")', async () => {
    const q = new RecordQueue<string>();
    await q.run('k', () => 'a').result;
    await settle();
    const seen: unknown[] = [];
    await q.run('k', (p) => (seen.push(p), 'b')).result;
    expect(seen).toEqual([{ status: 'none' }]);
  });

  test('property: per key, tasks start in run order minus those cancelled while queued, one at a time, and the map empties', async () => {
    type Step =
      { op: 'run'; key: number } | { op: 'finish'; pick: number; ok: boolean } | { op: 'cancel'; pick: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ op: fc.constant('run' as const), key: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ op: fc.constant('finish' as const), pick: fc.nat(), ok: fc.boolean() }),
      fc.record({ op: fc.constant('cancel' as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const q = new RecordQueue<number>();
        interface T {
          n: number;
          key: string;
          started: boolean;
          cancelledQueued: boolean;
          end?: (ok: boolean) => void;
          job?: ReturnType<RecordQueue<number>['run']>;
        }
        const tasks: T[] = [];
        const running = new Map<string, number>();
        const starts: Array<{ key: string; n: number }> = [];
        const launch = (t: T) => {
          t.job = q.run(t.key, () => {
            t.started = true;
            running.set(t.key, (running.get(t.key) ?? 0) + 1);
            expect(running.get(t.key)).toBe(1); // never two at once for one record
            starts.push({ key: t.key, n: t.n });
            return new Promise<number>((resolve, reject) => {
              t.end = (ok) => {
                running.set(t.key, running.get(t.key)! - 1);
                if (ok) resolve(t.n);
                else reject(new Error(String(t.n)));
              };
            });
          });
        };
        for (const s of steps) {
          if (s.op === 'run') {
            const t: T = { n: tasks.length, key: `k${s.key}`, started: false, cancelledQueued: false };
            tasks.push(t);
            launch(t);
          } else {
            const live = tasks.filter((t) => t.job && t.job.state !== 'done' && t.job.state !== 'cancelled');
            const t = live.length ? live[s.pick % live.length]! : undefined;
            if (!t) continue;
            if (s.op === 'finish') {
              if (t.job!.state === 'running') t.end!(s.ok);
            } else {
              if (t.job!.state === 'queued') t.cancelledQueued = true;
              if (t.job!.state === 'running') running.set(t.key, running.get(t.key)! - 1);
              t.job!.cancel();
            }
          }
          await settle();
        }
        // Drain: finish whatever runs until nothing is left.
        for (let guard = 0; guard < 200; guard++) {
          const t = tasks.find((x) => x.job!.state === 'running');
          if (!t) break;
          t.end!(true);
          await settle();
        }
        for (const t of tasks) {
          expect(t.started).toBe(!t.cancelledQueued);
          expect(['done', 'cancelled']).toContain(t.job!.state);
        }
        for (const key of new Set(tasks.map((t) => t.key))) {
          const expected = tasks.filter((t) => t.key === key && !t.cancelledQueued).map((t) => t.n);
          expect(starts.filter((s) => s.key === key).map((s) => s.n)).toEqual(expected);
        }
        expect(q.size).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});

describe('RecordQueue inside a link (the wiring pattern, on both Apollo majors)', () => {
  const UPDATE = parse('mutation UpdatePo($input: PoInput!) { updatePo(input: $input) { id _etag } }');
  type Result = { data?: { updatePo?: { _etag?: string } } };

  /** A link that serializes writes per `input.id` and sends the previous save's `_etag`. */
  function serializingLink(queue: RecordQueue<Result>) {
    return createLink((operation, forward) =>
      createObservable((sink) => {
        const input = operation.variables.input as { id: string; _etag: string };
        let ended = false; // the teardown after complete/error is not a cancellation
        const job = queue.run(input.id, (previous) => {
          const etag =
            previous.status === 'fulfilled' ? (previous.value.data?.updatePo?._etag ?? input._etag) : input._etag;
          operation.variables = { ...operation.variables, input: { ...input, _etag: etag } };
          return new Promise<Result>((resolve, reject) => {
            let last: Result = {};
            subscribe(forward(operation), {
              next: (value) => {
                last = value as Result;
                sink.next(value);
              },
              error: (error) => ((ended = true), reject(error), sink.error(error)),
              complete: () => ((ended = true), resolve(last), sink.complete()),
            });
          });
        });
        return () => {
          if (!ended) job.cancel();
        };
      }),
    );
  }

  test("two quick saves of one record: the second waits and sends the first one's new _etag; unsubscribing a queued save sends nothing", async () => {
    const server = scripted((sink, _n, op) => {
      const { _etag } = op.variables.input as { _etag: string };
      setTimeout(() => {
        sink.next({ data: { updatePo: { id: 'po-1', _etag: `${_etag}+1` } } });
        sink.complete();
      }, 50);
    });
    const queue = new RecordQueue<Result>();
    const link = ApolloLink.from([serializingLink(queue), server.link]);
    const first = execute(link, { query: UPDATE, variables: { input: { id: 'po-1', _etag: 'e1', qty: 1 } } });
    const second = execute(link, { query: UPDATE, variables: { input: { id: 'po-1', _etag: 'e1', qty: 2 } } });
    const third = execute(link, { query: UPDATE, variables: { input: { id: 'po-1', _etag: 'e1', qty: 3 } } });
    const other = execute(link, { query: UPDATE, variables: { input: { id: 'po-2', _etag: 'x', qty: 9 } } });
    await flush();
    expect(server.requests.map((r) => (r.variables.input as { id: string }).id)).toEqual(['po-1', 'po-2']); // other records in parallel
    third.unsubscribe(); // the user navigated away before it started
    await jest.advanceTimersByTimeAsync(50);
    await flush();
    await jest.advanceTimersByTimeAsync(50);
    await Promise.all([first.done, second.done, other.done]);
    expect(server.requests.map((r) => r.variables.input)).toEqual([
      { id: 'po-1', _etag: 'e1', qty: 1 },
      { id: 'po-2', _etag: 'x', qty: 9 },
      { id: 'po-1', _etag: 'e1+1', qty: 2 },
    ]);
    expect(second.next).toEqual([{ data: { updatePo: { id: 'po-1', _etag: 'e1+1+1' } } }]);
    expect(queue.size).toBe(0);
  });
});
