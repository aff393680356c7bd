// Serialized writes per record: two saves of the same record in quick succession must not conflict
// with each other. Tasks with the same key run one after another, and each one sees how the previous
// one ended (so it can send the `_etag` the previous save returned); tasks with different keys, or
// with no key, run in parallel. A pure scheduler: no Apollo, no timers.
import { ResilienceError } from '../classify/annotations.js';

/** How the previous task of the same key ended, as the next one sees it. */
export type PreviousOutcome<R> =
  /** The key was idle: no task ran before this one in the current burst. */
  | { status: 'none' }
  | { status: 'fulfilled'; value: R }
  | { status: 'rejected'; reason: unknown }
  /** It was cancelled while running: its request may or may not have reached the server. */
  | { status: 'cancelled' };

/** One scheduled task. */
export interface RecordJob<T> {
  /** Settles with the task's result; rejects with an `aborted` `ResilienceError` when cancelled first. */
  readonly result: Promise<T>;
  /** Where it is now. */
  readonly state: 'queued' | 'running' | 'done' | 'cancelled';
  /**
   * Cancels it. A queued task is removed and never runs. A running task's slot is released at once
   * (the next task starts, seeing `{ status: 'cancelled' }`) and its eventual outcome is ignored;
   * stopping its work (the request) is up to the caller, e.g. by unsubscribing. No-op once done.
   *
   * In a link, call it from the teardown only when the caller unsubscribed before the task ended:
   * Apollo also runs the teardown right after `complete`, before the task's promise has settled
   * (a microtask later), and cancelling then would hide its result from the next task.
   */
  cancel(): void;
}

interface Job<R> {
  state: RecordJob<R>['state'];
  task: (previous: PreviousOutcome<R>) => PromiseLike<R> | R;
  resolve(value: R): void;
  reject(reason: unknown): void;
}

interface KeyQueue<R> {
  running: Job<R> | undefined;
  waiting: Job<R>[];
  last: PreviousOutcome<R>;
}

function cancelledError(key: string | undefined): ResilienceError {
  return new ResilienceError({
    category: 'network',
    reason: 'aborted',
    message: `The write to ${key ?? 'a record'} was cancelled before it finished`,
    retryable: false,
    refreshable: false,
    remediation: 'The operation was cancelled by its caller; nothing to do.',
  });
}

/**
 * Runs tasks one at a time per record key. `R` is what a task resolves with and what the next task
 * of the same key receives (for the etag policy: the mutation's result, holding the new `_etag`).
 * A key's entry exists only while it has a running or waiting task (`size` counts them), so a
 * long-lived link never accumulates keys.
 */
export class RecordQueue<R = unknown> {
  private readonly queues = new Map<string, KeyQueue<R>>();

  /** Keys with a running or waiting task. */
  get size(): number {
    return this.queues.size;
  }

  /** Tasks of `key` not finished yet (running + waiting). */
  pending(key: string): number {
    const queue = this.queues.get(key);
    return queue ? queue.waiting.length + (queue.running ? 1 : 0) : 0;
  }

  /**
   * Schedules `task` under `key`: it starts at once (synchronously) when the key is idle or
   * `undefined`, otherwise after every task queued before it under that key has finished or been
   * cancelled. The task receives how the previous one ended.
   */
  run<T extends R>(key: string | undefined, task: (previous: PreviousOutcome<R>) => PromiseLike<T> | T): RecordJob<T> {
    let resolve!: (value: R) => void;
    let reject!: (reason: unknown) => void;
    const result = new Promise<R>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A cancelled job rejects; whoever cancelled it need not listen.
    result.catch(() => undefined);
    const job: Job<R> = { state: 'queued', task, resolve, reject };
    const handle: RecordJob<T> = {
      result: result as Promise<T>,
      get state() {
        return job.state;
      },
      cancel: () => this.cancel(key, job),
    };
    if (key === undefined) {
      this.start(undefined, undefined, job, { status: 'none' });
      return handle;
    }
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = { running: undefined, waiting: [], last: { status: 'none' } }));
    if (queue.running) queue.waiting.push(job);
    else this.start(key, queue, job, queue.last);
    return handle;
  }

  private start(
    key: string | undefined,
    queue: KeyQueue<R> | undefined,
    job: Job<R>,
    previous: PreviousOutcome<R>,
  ): void {
    job.state = 'running';
    if (queue) queue.running = job;
    let out: PromiseLike<R> | R;
    try {
      out = job.task(previous);
    } catch (error) {
      this.finish(key, queue, job, { status: 'rejected', reason: error });
      return;
    }
    Promise.resolve(out).then(
      (value) => this.finish(key, queue, job, { status: 'fulfilled', value }),
      (reason: unknown) => this.finish(key, queue, job, { status: 'rejected', reason }),
    );
  }

  private finish(
    key: string | undefined,
    queue: KeyQueue<R> | undefined,
    job: Job<R>,
    outcome: Exclude<PreviousOutcome<R>, { status: 'none' | 'cancelled' }>,
  ): void {
    if (job.state !== 'running') return; // cancelled while running: its slot is already released
    job.state = 'done';
    if (outcome.status === 'fulfilled') job.resolve(outcome.value);
    else job.reject(outcome.reason);
    if (key !== undefined && queue) this.advance(key, queue, outcome);
  }

  private advance(key: string, queue: KeyQueue<R>, outcome: PreviousOutcome<R>): void {
    queue.running = undefined;
    queue.last = outcome;
    const next = queue.waiting.shift();
    if (next) this.start(key, queue, next, outcome);
    else if (this.queues.get(key) === queue) this.queues.delete(key);
  }

  private cancel(key: string | undefined, job: Job<R>): void {
    if (job.state === 'done' || job.state === 'cancelled') return;
    const wasRunning = job.state === 'running';
    job.state = 'cancelled';
    job.reject(cancelledError(key));
    if (key === undefined) return;
    const queue = this.queues.get(key);
    if (!queue) return;
    if (wasRunning && queue.running === job) this.advance(key, queue, { status: 'cancelled' });
    else queue.waiting = queue.waiting.filter((j) => j !== job);
  }
}
