// The etag policy: on a 409 / etag mismatch for a configured mutation, re-read the entity down the
// rest of the chain, re-apply the user's change on it (three-way merge) and send it again. Writes to
// one record are serialized: a save waits for the previous one and sends the `_etag` it returned.
import { readAnnotations, ResilienceError } from '../classify/annotations.js';
import type { Classification } from '../classify/types.js';
import { executeForward, getCache, getOperationType, getResponse, subscribe } from '../compat/index.js';
import type { CacheLike, LinkObservable, LinkOperation, ResultLike, SubscriptionLike } from '../compat/index.js';
import { emit } from '../core/events.js';
import { NOTHING, type Downstream, type Policy, type Sink } from '../core/policy.js';
import { ask } from '../guard.js';
import { MAX_TIMER_MS } from '../later.js';
import { RecordQueue, type PreviousOutcome, type RecordJob } from '../offline/recordQueue.js';
import { callbackFailed, conflictInError, conflictInResult } from './conflictDetection.js';
import type { EtagConflictLink } from './EtagConflictLink.js';
import { entityEtag, findEtagPath, getAtPath, setAtPath } from './etagPath.js';
import { deepEqual, threeWayMerge, type FieldConflict } from './threeWayMerge.js';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';

type Variables = Record<string, unknown>;
type Entity = Record<string, unknown>;

const ID_KEYS = new Set(['id', '_id', 'uuid', '_etag', 'etag']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The user's intended change: the `input` object, or the variables other than ids and etags. */
export function intendedChange(variables: Variables): { mine: Variables; inputKey: string | undefined } {
  if (isObject(variables.input)) return { mine: variables.input, inputKey: 'input' };
  return { mine: Object.fromEntries(Object.entries(variables).filter(([k]) => !ID_KEYS.has(k))), inputKey: undefined };
}

/** The variables with the merged fields in place (in `input` when the change is there). */
const withMerged = (variables: Variables, inputKey: string | undefined, merged: Variables): Variables =>
  inputKey
    ? { ...variables, [inputKey]: { ...(variables[inputKey] as Variables), ...merged } }
    : { ...variables, ...merged };

/** Fields never merged: ids and etags (the etag path's own key too). */
const skipped = (etagPath: string | undefined): Set<string> =>
  new Set([...ID_KEYS, ...(etagPath ? [etagPath.split('.').pop()!] : [])]);

/** The entity a re-read returned: the value of its only root field (ignoring `__typename`). */
function rootEntity(data: unknown): Entity | undefined {
  if (!isObject(data)) return undefined;
  const keys = Object.keys(data).filter((k) => k !== '__typename');
  const value = keys.length ? data[keys[0]!] : undefined;
  return isObject(value) ? value : undefined;
}

const fromObservable = (observable: LinkObservable) => (sink: Sink) => subscribe(observable, sink);

/**
 * The record a configured mutation writes, as the etag policy knows it: the entity its re-read
 * reads (root field and variables, keys sorted). Saves of one mutation config and id share it, and
 * so do saves of two configs that re-read the same entity (they would conflict the same way).
 * `undefined` (not serialized) when the variables cannot be written as JSON, or the request is not
 * one (the re-read fails on a conflict, as without a queue).
 */
export function recordKey(request: { query: DocumentNode; variables?: Variables }): string | undefined {
  try {
    const definition = request.query.definitions.find((d) => (d.kind as string) === 'OperationDefinition') as
      OperationDefinitionNode | undefined;
    const root = definition?.selectionSet.selections[0];
    return `${root && 'name' in root ? root.name.value : ''}:${JSON.stringify(
      request.variables ?? {},
      (_k, v: unknown) =>
        isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
    )}`;
  } catch {
    return undefined;
  }
}

/** What a write of a record tells the next write of that record (queued behind it). */
interface Written {
  /** Etags this burst's own writes replaced, the last by `etag`: a save made on one of them takes `etag`. */
  own: unknown[];
  /** The etag the write returned. */
  etag: unknown;
  /** The record after the write, as far as known: the next save's merge base. */
  entity: Entity;
}

export class EtagPolicy implements Policy {
  readonly maxAttempts: number;
  readonly decisionTimeoutMs: number;
  /** One running write per record; the others wait in order. */
  readonly queue = new RecordQueue<Written | undefined>();

  constructor(readonly options: EtagConflictLink.Options) {
    if (!options || !isObject(options.mutations))
      throw new TypeError('EtagConflictLink: `mutations` (by operation name) is required');
    const attempts = Math.floor(options.maxAttempts ?? 3);
    this.maxAttempts = Number.isNaN(attempts) ? 3 : Math.max(1, attempts); // NaN: the default
    // Not a number ≥ 0 (NaN from `Number(process.env.X)`, negative, null): the default; Infinity: the longest timer.
    const ms = options.decisionTimeoutMs ?? -1;
    this.decisionTimeoutMs = ms >= 0 ? Math.min(ms, MAX_TIMER_MS) : 300_000;
  }

  private configFor(operation: LinkOperation): EtagConflictLink.MutationConfig | undefined {
    if (getOperationType(operation) !== 'mutation') return undefined;
    const name = operation.operationName ?? undefined;
    return name !== undefined && Object.prototype.hasOwnProperty.call(this.options.mutations, name)
      ? this.options.mutations[name]
      : undefined;
  }

  run(
    operation: LinkOperation,
    _context: Readonly<Record<string, unknown>>,
    next: Downstream,
    sink: Sink,
  ): SubscriptionLike {
    const config = this.configFor(operation);
    if (!config) return next.send(operation, sink);
    return new EtagRun(this, config, operation, next, sink).start();
  }
}

/**
 * Whether a configured mutation waits for an earlier write of its record, or its first send, a
 * re-read, a user decision or a re-send is running.
 */
type Phase = 'queued' | 'sending' | 'rereading' | 'deciding' | 'resending' | 'done';

type Outcome = { results: ResultLike[]; error?: unknown; failed: boolean };
type Decision = EtagConflictLink.Decision | 'retry';

function conflictError(
  reason: string,
  message: string,
  details: Record<string, unknown>,
  cause?: unknown,
): ResilienceError {
  return new ResilienceError(
    {
      category: 'conflict',
      reason,
      status: 409,
      message,
      retryable: false,
      refreshable: false,
      remediation:
        'Someone else changed this record: review their values next to yours, then keep yours, take theirs, or edit.',
      details,
    },
    cause === undefined ? undefined : { cause },
  );
}

/** Who changed the record, as far as the entity says (`updatedBy`, `modifiedAt`…). */
function whoChanged(latest: Entity): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['updatedBy', 'modifiedBy', 'updatedAt', 'modifiedAt'])
    if (latest[key] !== undefined) out[key] = latest[key];
  return out;
}

const entityGone = (): Classification => ({
  category: 'not-found',
  reason: 'entity-gone',
  message: 'The record could not be re-read after a conflict (deleted or no longer visible).',
  retryable: false,
  refreshable: false,
  remediation: 'Reload the list; the record may have been deleted by someone else.',
});

/** One configured mutation: sent, and on a conflict re-read, re-applied and sent again. */
class EtagRun implements SubscriptionLike {
  private phase: Phase = 'queued';
  private inner: SubscriptionLike | undefined;
  private job: RecordJob<Written | undefined> | undefined;
  /** Ends this write's turn in the record queue, telling the next write what it left. */
  private settle: ((written: Written | undefined) => void) | undefined;
  /** What the previous write of the record left (passed on when this one writes nothing). */
  private previous: Written | undefined;
  /** The etags this write's starting etag stands for (those the earlier writes of the burst replaced). */
  private chain: unknown[] = [];
  private startEtag: unknown;
  private cancelDecision: (() => void) | undefined;
  private variables: Variables;
  private attempt = 0;
  private base: Entity | undefined;
  private rereadRequest: { query: DocumentNode; variables?: Variables } | undefined;
  private readonly cache: CacheLike | undefined;
  private readonly etagPath: string | undefined;
  private readonly name: string | undefined;

  constructor(
    private readonly policy: EtagPolicy,
    private readonly config: EtagConflictLink.MutationConfig,
    private readonly operation: LinkOperation,
    private readonly next: Downstream,
    private readonly sink: Sink,
  ) {
    this.cache = getCache(operation);
    this.etagPath = config.etagPath ?? findEtagPath(operation.variables);
    this.variables = { ...operation.variables };
    this.name = operation.operationName ?? undefined;
  }

  start(): SubscriptionLike {
    const { config, operation, cache, etagPath } = this;
    try {
      let rereadRequest = config.reread(operation);
      const transform = (cache as { transformDocument?: (d: DocumentNode) => DocumentNode } | undefined)
        ?.transformDocument;
      if (transform) rereadRequest = { ...rereadRequest, query: transform.call(cache, rereadRequest.query) };
      this.rereadRequest = rereadRequest;
      let base = readEntity(cache, rereadRequest);
      // The cache may already hold a newer version than the one the user edited: then it is not the base.
      const sentEtag = etagPath ? getAtPath(operation.variables, etagPath) : undefined;
      if (
        sentEtag !== undefined &&
        entityEtag(base, etagPath!) !== undefined &&
        entityEtag(base, etagPath!) !== sentEtag
      )
        base = undefined;
      this.base = base;
    } catch (error) {
      this.phase = 'done';
      this.sink.error(callbackFailed(error));
      return NOTHING;
    }
    this.job = this.policy.queue.run(recordKey(this.rereadRequest), (previous) => this.begin(previous));
    return this;
  }

  /**
   * Its turn in the record's queue. A save made on a version that the previous writes of this burst
   * replaced takes the etag the last one returned (as if the app had waited for it); the merge base
   * becomes the record as that write left it. Any other etag is sent as the app gave it: a save made
   * on another version (the previous write was re-applied on someone else's change) must meet that
   * change as a 409 and be merged, never overwrite it. Resolves when the write has ended.
   */
  private begin(previous: PreviousOutcome<Written | undefined>): Promise<Written | undefined> {
    const { etagPath, operation, config } = this;
    const ownBase = this.base; // the version this save was made on, when cached
    const prev = (this.previous = previous.status === 'fulfilled' ? previous.value : undefined);
    const mine = etagPath ? getAtPath(this.variables, etagPath) : undefined;
    let take = prev && etagPath && (mine === prev.etag || prev.own.includes(mine)) ? prev : undefined;
    // Made on an older version than `prev` left: its values for what it did not change are stale, and
    // sent as made with the new etag they would undo the earlier saves unseen (a lost update). Its
    // change is merged on the record as `prev` left it (fields it changed win: it is the later save);
    // with the app's `reapply` (an increment), or with no base to tell and an `onConflict` that wants
    // to decide, it is sent as made instead: the 409 re-reads the record and re-applies as usual.
    if (take && mine !== take.etag) {
      if (config.reapply || (!ownBase && this.policy.options.onConflict)) take = undefined;
      else if (ownBase) {
        const { mine: change, inputKey } = intendedChange(this.variables);
        this.variables = withMerged(
          this.variables,
          inputKey,
          threeWayMerge(ownBase, take.entity, change, skipped(etagPath)).merged,
        );
      }
    }
    if (take) {
      // The app's own operation goes out with the new etag: HttpLink reads its variables when sending.
      this.variables = operation.variables = setAtPath(this.variables, etagPath!, take.etag);
      this.chain = take.own;
      this.base = take.entity;
    }
    this.startEtag = etagPath ? getAtPath(this.variables, etagPath) : undefined;
    return new Promise((resolve) => {
      this.settle = resolve;
      this.send(true).catch((error: unknown) => this.fail(callbackFailed(error)));
    });
  }

  /** What this write leaves the next write of the record. */
  private written(results: ResultLike[]): Written | undefined {
    const path = this.etagPath;
    const entity = rootEntity(results.find((r) => r.data)?.data);
    // No data: nothing was written (an error in the body), the record is as the previous write left it.
    if (!entity) return this.previous;
    const sent = path ? getAtPath(this.variables, path) : undefined;
    const etag = path ? entityEtag(entity, path) : undefined;
    // Written, but its new etag is unknown (not selected): the next save sends its own; a 409 is merged.
    if (sent === undefined || etag === undefined) return undefined;
    return {
      own: sent === this.startEtag ? [...this.chain, sent] : [sent],
      etag,
      entity: { ...this.base, ...intendedChange(this.variables).mine, ...entity },
    };
  }

  unsubscribe(): void {
    // After complete/error Apollo tears down too, before the queue heard the outcome: not a cancel.
    const job = this.phase === 'done' ? undefined : this.job;
    this.phase = 'done';
    this.cancelDecision?.();
    const running = this.inner;
    this.inner = undefined;
    running?.unsubscribe();
    job?.cancel(); // a queued save is removed; a running one frees the record for the next
  }

  /** Failed, answered or unsubscribed (read after an await: the phase may have changed meanwhile). */
  private get ended(): boolean {
    return this.phase === 'done';
  }

  private fail(error: unknown): void {
    if (this.ended) return;
    this.phase = 'done';
    this.settle?.(this.previous); // as far as known, the record is as the previous write left it
    this.sink.error(error);
  }

  /** Runs one request to its end: all results, or the error. */
  private collect(start: (sink: Sink) => SubscriptionLike): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      const results: ResultLike[] = [];
      let done = false;
      const end = (outcome: Outcome) => {
        done = true;
        this.inner = undefined;
        resolve(outcome);
      };
      const subscription = start({
        next: (r) => results.push(r),
        error: (error) => end({ results, error, failed: true }),
        complete: () => end({ results, failed: false }),
      });
      if (!done) this.inner = subscription;
    });
  }

  private conflictOf(outcome: Outcome): Classification | undefined {
    if (outcome.failed) return conflictInError(outcome.error);
    const response = getResponse(this.operation);
    for (const r of outcome.results) {
      const found = conflictInResult(r, response?.errorStatus);
      if (found) return found;
    }
    return undefined;
  }

  /** A user decision (`reapply`, `onConflict`): a throw rejects, and so does no answer within `decisionTimeoutMs`. */
  private decide<T>(fn: () => T | PromiseLike<T>): Promise<T> {
    const ms = this.policy.decisionTimeoutMs;
    const pending = ask(fn, ms, () =>
      conflictError('decision-timeout', `No decision on the conflict within ${ms} ms: the change was not re-applied.`, {
        attempts: this.attempt,
      }),
    );
    this.cancelDecision = pending.cancel;
    return pending.promise.finally(() => (this.cancelDecision = undefined));
  }

  /** The mutation (first as the app sent it, then re-applied): its outcome, or the conflict's resolution. */
  private async send(first: boolean): Promise<void> {
    const { next, operation } = this;
    if (this.ended) return; // a `reapply` listener unsubscribed it
    this.phase = first ? 'sending' : 'resending';
    const outcome = await this.collect(
      first
        ? (s) => next.send(operation, s)
        : fromObservable(
            executeForward(next.forward, operation, { query: operation.query, variables: this.variables }),
          ),
    );
    if (this.ended) return;
    const conflict = this.conflictOf(outcome);
    if (conflict) return this.resolve(conflict, outcome.error);
    this.phase = 'done';
    this.settle?.(outcome.failed ? this.previous : this.written(outcome.results));
    for (const r of outcome.results) this.sink.next(r);
    if (outcome.failed) this.sink.error(outcome.error);
    else this.sink.complete();
  }

  private async resolve(conflict: Classification, lastError: unknown): Promise<void> {
    const { policy, name } = this;
    const onEvent = policy.options.onEvent;
    const attempt = (this.attempt += 1);
    if (attempt > policy.maxAttempts) {
      emit(onEvent, 'give-up', name, { attempt: attempt - 1, reason: 'max-attempts', classification: conflict });
      const message = `The record kept changing: the mutation still conflicted after ${policy.maxAttempts} re-read and re-apply attempts.`;
      return this.fail(
        conflictError(
          'conflict-unresolved',
          message,
          { attempts: policy.maxAttempts, lastReason: conflict.reason },
          lastError,
        ),
      );
    }
    emit(onEvent, 'conflict', name, { attempt, classification: conflict });
    const latest = await this.reread(lastError);
    if (latest === undefined || this.ended) return;
    this.phase = 'deciding';
    let reapplied: { decision: Decision; conflicts: FieldConflict[]; keptTheirs: string[] };
    try {
      reapplied = await this.reapply(latest);
    } catch (error) {
      return this.fail(readAnnotations(error)?.[0]?.reason === 'decision-timeout' ? error : callbackFailed(error));
    }
    if (this.ended) return;
    const { decision, conflicts, keptTheirs } = reapplied;
    if (decision === 'abort' || !isObject(decision)) return this.abort(latest, conflicts, lastError);
    const etagPath = this.etagPath;
    const newEtag = entityEtag(latest, etagPath ?? '_etag');
    this.variables = etagPath && newEtag !== undefined ? setAtPath(decision, etagPath, newEtag) : decision;
    const etagChanged = etagPath ? getAtPath(this.operation.variables, etagPath) !== newEtag : false;
    emit(onEvent, 'reapply', name, { attempt, keptTheirs, conflicts: conflicts.map((c) => c.field), etagChanged });
    this.base = latest;
    await this.send(false);
  }

  /** Re-reads the entity down the rest of the chain and writes it to the cache; `undefined` when the operation failed. */
  private async reread(lastError: unknown): Promise<Entity | undefined> {
    const request = this.rereadRequest;
    if (this.ended) return undefined; // a `conflict` listener unsubscribed it
    if (!request) {
      this.fail(lastError);
      return undefined;
    }
    this.phase = 'rereading';
    const started = Date.now();
    const { next, operation } = this;
    const reread = await this.collect(
      fromObservable(
        executeForward(next.forward, operation, { query: request.query, variables: request.variables ?? {} }),
      ),
    );
    if (this.ended) return undefined;
    const data = reread.results.find((r) => r.data)?.data;
    const latest = rootEntity(data);
    if (reread.failed || !latest) {
      const c = readAnnotations(reread.results[0]?.errors?.[0])?.[0];
      this.fail(reread.failed ? reread.error : new ResilienceError(c ?? entityGone()));
      return undefined;
    }
    try {
      this.cache?.writeQuery({ query: request.query, variables: request.variables, data });
    } catch {
      // a cache that cannot take the re-read must not hide the conflict's resolution
    }
    emit(this.policy.options.onEvent, 'reread', this.name, {
      attempt: this.attempt,
      durationMs: Date.now() - started,
      ...whoChanged(latest),
    });
    return latest;
  }

  /** What to send now: the app's `reapply`, or the three-way merge (with `onConflict` for real conflicts). */
  private async reapply(
    latest: Entity,
  ): Promise<{ decision: Decision; conflicts: FieldConflict[]; keptTheirs: string[] }> {
    const { config, operation, variables, base, attempt } = this;
    if (config.reapply) {
      const reapply = config.reapply;
      return {
        decision: await this.decide(() => reapply({ latest, variables, base, attempt, operation })),
        conflicts: [],
        keptTheirs: [],
      };
    }
    const { mine, inputKey } = intendedChange(variables);
    const skip = skipped(this.etagPath);
    const onConflict = this.policy.options.onConflict;
    if (!base) {
      // No base to merge on: only the etag is swapped, unless onConflict decides otherwise. A field
      // whose value is undefined is not sent (JSON drops it): it differs from nothing.
      const fields = Object.entries(mine)
        .filter(([f, v]) => v !== undefined && !skip.has(f) && f in latest && !deepEqual(v, latest[f]))
        .map(([field, v]) => ({ field, base: undefined, mine: v, theirs: latest[field] }));
      const decision = onConflict
        ? await this.decide(() =>
            onConflict({ operation, base: undefined, latest, mine, fields, attempt, reason: 'no-base' }),
          )
        : 'retry';
      return { decision: decision === 'retry' ? variables : decision, conflicts: fields, keptTheirs: [] };
    }
    const merge = threeWayMerge(base, latest, mine, skip);
    const fields = merge.conflicts;
    const mergedVariables = withMerged(variables, inputKey, merge.merged);
    let decision: Decision = 'abort';
    if (fields.length === 0) decision = mergedVariables;
    else if (onConflict)
      decision = await this.decide(() =>
        onConflict({ operation, base, latest, mine, fields, attempt, reason: 'fields' }),
      );
    return {
      decision: decision === 'retry' ? mergedVariables : decision,
      conflicts: fields,
      keptTheirs: merge.keptTheirs,
    };
  }

  /** A real conflict nobody resolved: the app gets both sides per field. */
  private abort(latest: Entity, conflicts: FieldConflict[], lastError: unknown): void {
    emit(this.policy.options.onEvent, 'give-up', this.name, {
      attempt: this.attempt,
      reason: 'abort',
      conflicts: conflicts.map((c) => c.field),
    });
    const fields = Object.fromEntries(
      conflicts.map((c) => [c.field, { base: c.base, mine: c.mine, theirs: c.theirs }]),
    );
    const who = whoChanged(latest);
    const by = typeof who.updatedBy === 'string' ? ` by ${who.updatedBy}` : '';
    const names = conflicts.map((c) => c.field).join(', ');
    const message =
      conflicts.length > 0
        ? `This record was modified${by} while you edited it: ${names} changed on both sides.`
        : 'The conflicting change was not re-applied.';
    const details = { fields, conflicts, latest, ...who, attempts: this.attempt, noBase: this.base === undefined };
    this.fail(conflictError(conflicts.length > 0 ? 'edit-conflict' : 'conflict-aborted', message, details, lastError));
  }
}

function readEntity(
  cache: CacheLike | undefined,
  request: { query: DocumentNode; variables?: Variables },
): Entity | undefined {
  if (!cache) return undefined;
  try {
    return rootEntity(cache.readQuery({ query: request.query, variables: request.variables }));
  } catch {
    return undefined;
  }
}
