// RecordQueue's edges: writes with no record key, what a cancelled write's error says, and that
// nothing the queue does leaves an unhandled rejection behind (a cancelled job nobody awaits, the
// end of an unkeyed write).
import { getClassifications } from '../../classify/getClassifications';
import { RecordQueue, type PreviousOutcome } from '../recordQueue';

/** Lets promise reactions and Node's unhandled-rejection check run (real macrotasks). */
const settled = async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

let unhandled: unknown[];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

describe('RecordQueue: writes without a record key', () => {
  test('each starts at once, seeing previous "none", and takes no slot', async () => {
    const q = new RecordQueue<string>();
    const seen: Array<PreviousOutcome<string>> = [];
    const a = q.run(undefined, (p) => (seen.push(p), 'a'));
    const b = q.run(undefined, (p) => (seen.push(p), Promise.resolve('b')));
    expect(seen).toEqual([{ status: 'none' }, { status: 'none' }]);
    expect(q.size).toBe(0);
    await expect(a.result).resolves.toBe('a');
    await expect(b.result).resolves.toBe('b');
    await settled();
    expect(a.state).toBe('done');
    expect(unhandled).toEqual([]);
  });

  test('a failing one rejects its own job only, with no unhandled rejection', async () => {
    const q = new RecordQueue<string>();
    const thrown = q.run(undefined, () => {
      throw new Error('sync');
    });
    const rejected = q.run(undefined, () => Promise.reject(new Error('async')));
    await expect(thrown.result).rejects.toThrow('sync');
    await expect(rejected.result).rejects.toThrow('async');
    await settled();
    expect(unhandled).toEqual([]);
  });

  test('cancelling one while it runs: its job rejects as aborted, its late result is ignored', async () => {
    const q = new RecordQueue<string>();
    let finish!: (v: string) => void;
    const job = q.run(undefined, () => new Promise<string>((r) => (finish = r)));
    expect(job.state).toBe('running');
    job.cancel();
    expect(job.state).toBe('cancelled');
    finish('late');
    const error = await job.result.catch((e: unknown) => e);
    expect(getClassifications(error)[0]).toMatchObject({ category: 'network', reason: 'aborted' });
    expect((error as Error).message).toBe('The write to a record was cancelled before it finished');
    await settled();
    expect(job.state).toBe('cancelled');
    expect(unhandled).toEqual([]);
  });
});

describe('RecordQueue: a cancelled write', () => {
  test('its error names the record and is not retryable', async () => {
    const q = new RecordQueue<string>();
    q.run('PO:1', () => new Promise<string>(() => undefined));
    const queued = q.run('PO:1', () => 'never');
    queued.cancel();
    const error = await queued.result.catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ResilienceError',
      message: 'The write to PO:1 was cancelled before it finished',
    });
    expect(getClassifications(error)).toEqual([
      {
        category: 'network',
        reason: 'aborted',
        message: 'The write to PO:1 was cancelled before it finished',
        retryable: false,
        refreshable: false,
        remediation: 'The operation was cancelled by its caller; nothing to do.',
      },
    ]);
  });

  test('a cancelled job nobody awaits leaves no unhandled rejection (queued or running)', async () => {
    const q = new RecordQueue<string>();
    const running = q.run('PO:1', () => new Promise<string>(() => undefined));
    const queued = q.run('PO:1', () => new Promise<string>(() => undefined));
    q.run('PO:1', () => 'third');
    queued.cancel();
    running.cancel();
    await settled();
    expect(unhandled).toEqual([]);
    expect(q.size).toBe(0);
  });

  test('cancelling a running write starts the next one at once with "cancelled", and that one may end the key', async () => {
    const q = new RecordQueue<string>();
    const first = q.run('k', () => new Promise<string>(() => undefined));
    const seen: Array<PreviousOutcome<string>> = [];
    const second = q.run('k', (p) => (seen.push(p), 'second'));
    expect(q.pending('k')).toBe(2);
    first.cancel();
    expect(seen).toEqual([{ status: 'cancelled' }]);
    await expect(second.result).resolves.toBe('second');
    await settled();
    expect(q.pending('k')).toBe(0);
    expect(q.size).toBe(0);
    // A new burst starts fresh.
    const later: Array<PreviousOutcome<string>> = [];
    await q.run('k', (p) => (later.push(p), 'x')).result;
    expect(later).toEqual([{ status: 'none' }]);
  });
});
