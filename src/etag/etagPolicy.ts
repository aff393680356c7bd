// The etag policy: on a 409 / etag mismatch for a configured mutation, re-read the entity down the
// rest of the chain, re-apply the user's change on it (three-way merge) and send it again.
import { readAnnotations, ResilienceError } from '../classify/annotations.js';
import type { Classification } from '../classify/types.js';
import { executeForward, getCache, getOperationType, getResponse, subscribe } from '../compat/index.js';
import type { CacheLike, LinkObservable, LinkOperation, ResultLike, SubscriptionLike } from '../compat/index.js';
import { emit } from '../core/events.js';
import { NOTHING, type Downstream, type Policy, type Sink } from '../core/policy.js';
import { ask } from '../guard.js';
import { callbackFailed, conflictInError, conflictInResult } from './conflictDetection.js';
import type { EtagConflictLink } from './EtagConflictLink.js';
import { entityEtag, findEtagPath, getAtPath, setAtPath } from './etagPath.js';
import { deepEqual, threeWayMerge, type FieldConflict } from './threeWayMerge.js';
import type { DocumentNode } from 'graphql';

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

/** The entity a re-read returned: the value of its only root field (ignoring `__typename`). */
function rootEntity(data: unknown): Entity | undefined {
  if (!isObject(data)) return undefined;
  const keys = Object.keys(data).filter((k) => k !== '__typename');
  const value = keys.length >= 1 ? data[keys[0]!] : undefined;
  return isObject(value) ? value : undefined;
}



const fromObservable = (observable: LinkObservable) => (sink: Sink) => subscribe(observable, sink);

export class EtagPolicy implements Policy {
  readonly maxAttempts: number;
  readonly decisionTimeoutMs: number;

  constructor(readonly options: EtagConflictLink.Options) {
    if (!options || !isObject(options.mutations)) throw new TypeError('EtagConflictLink: `mutations` (by operation name) is required');
    this.maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 3));
    this.decisionTimeoutMs = options.decisionTimeoutMs ?? 300_000;
  }

  private configFor(operation: LinkOperation): EtagConflictLink.MutationConfig | undefined {
    if (getOperationType(operation) !== 'mutation') return undefined;
    const name = operation.operationName ?? undefined;
    return name !== undefined && Object.prototype.hasOwnProperty.call(this.options.mutations, name) ? this.options.mutations[name] : undefined;
  }

  run(operation: LinkOperation, _context: Readonly<Record<string, unknown>>, next: Downstream, sink: Sink): SubscriptionLike {
    const config = this.configFor(operation);
    if (!config) return next.send(operation, sink);
    return resolveConflicts(this, config, operation, next, sink);
  }
}

/** One configured mutation: sent, and on a conflict re-read, re-applied and sent again. */
function resolveConflicts(policy: EtagPolicy, config: EtagConflictLink.MutationConfig, operation: LinkOperation, next: Downstream, sink: Sink): SubscriptionLike {
  const name = operation.operationName ?? undefined;
  const onEvent = policy.options.onEvent;
  let closed = false;
  let inner: SubscriptionLike | undefined;
  let cancelDecision: (() => void) | undefined;
  const cache = getCache(operation);
  const etagPath = config.etagPath ?? findEtagPath(operation.variables);
  let variables: Variables = { ...(operation.variables as Variables) };
  let attempt = 0;
  let rereadRequest: { query: DocumentNode; variables?: Variables } | undefined;
  let base: Entity | undefined;
  try {
    rereadRequest = config.reread(operation);
    const transform = (cache as { transformDocument?: (d: DocumentNode) => DocumentNode } | undefined)?.transformDocument;
    if (transform && cache) rereadRequest = { ...rereadRequest, query: transform.call(cache, rereadRequest.query) };
    base = readEntity(cache, rereadRequest);
    // The cache may already hold a newer version than the one the user edited: then it is not the base.
    const sentEtag = etagPath ? getAtPath(operation.variables, etagPath) : undefined;
    if (base && sentEtag !== undefined && entityEtag(base, etagPath!) !== undefined && entityEtag(base, etagPath!) !== sentEtag) base = undefined;
  } catch (error) {
    sink.error(callbackFailed(error));
    return NOTHING;
  }

  const fail = (error: unknown) => {
    if (!closed) sink.error(error);
  };

  /** Runs one request to its end: all results, or the error. */
  const collect = (start: (sink: Sink) => SubscriptionLike) =>
    new Promise<{ results: ResultLike[]; error?: unknown; failed: boolean }>((resolve) => {
      const results: ResultLike[] = [];
      let done = false;
      const sub = start({
        next: (r) => results.push(r),
        error: (error) => { done = true; inner = undefined; resolve({ results, error, failed: true }); },
        complete: () => { done = true; inner = undefined; resolve({ results, failed: false }); },
      });
      if (!done) inner = sub;
    });

  const conflictOf = (outcome: { results: ResultLike[]; error?: unknown; failed: boolean }): Classification | undefined => {
    if (outcome.failed) return conflictInError(outcome.error);
    const response = getResponse(operation);
    for (const r of outcome.results) {
      const found = conflictInResult(r, response?.errorStatus);
      if (found) return found;
    }
    return undefined;
  };

  const conflictError = (reason: string, message: string, details: Record<string, unknown>, cause?: unknown) =>
    new ResilienceError({
      category: 'conflict',
      reason,
      status: 409,
      message,
      retryable: false,
      refreshable: false,
      remediation: 'Someone else changed this record: review their values next to yours, then keep yours, take theirs, or edit.',
      details,
    }, cause === undefined ? undefined : { cause });

  /** A user decision (`reapply`, `onConflict`): a throw rejects, and so does no answer within `decisionTimeoutMs`. */
  const decide = <T>(fn: () => T | PromiseLike<T>): Promise<T> => {
    const pending = ask(fn, policy.decisionTimeoutMs, () => conflictError('decision-timeout', `No decision on the conflict within ${policy.decisionTimeoutMs} ms: the change was not re-applied.`, { attempts: attempt }));
    cancelDecision = pending.cancel;
    return pending.promise.finally(() => (cancelDecision = undefined));
  };

  const whoChanged = (latest: Entity | undefined) => {
    const out: Record<string, unknown> = {};
    for (const key of ['updatedBy', 'modifiedBy', 'updatedAt', 'modifiedAt']) if (latest && latest[key] !== undefined) out[key] = latest[key];
    return out;
  };

  const send = async (first: boolean) => {
    const outcome = await collect(first ? (s) => next.send(operation, s) : fromObservable(executeForward(next.forward, operation, { query: operation.query, variables })));
    if (closed) return;
    const conflict = conflictOf(outcome);
    if (!conflict) {
      for (const r of outcome.results) sink.next(r);
      if (outcome.failed) sink.error(outcome.error);
      else sink.complete();
      return;
    }
    await resolve(conflict, outcome.error);
  };

  const resolve = async (conflict: Classification, lastError: unknown) => {
    attempt += 1;
    if (attempt > policy.maxAttempts) {
      emit(onEvent, 'give-up', name, { attempt: attempt - 1, reason: 'max-attempts', classification: conflict });
      return fail(conflictError('conflict-unresolved', `The record kept changing: the mutation still conflicted after ${policy.maxAttempts} re-read and re-apply attempts.`, { attempts: policy.maxAttempts, lastReason: conflict.reason }, lastError));
    }
    emit(onEvent, 'conflict', name, { attempt, classification: conflict });
    if (!rereadRequest) return fail(lastError);
    const started = Date.now();
    const reread = await collect(fromObservable(executeForward(next.forward, operation, { query: rereadRequest.query, variables: rereadRequest.variables ?? {} })));
    if (closed) return;
    const data = reread.results.find((r) => r.data)?.data;
    const latest = rootEntity(data);
    if (reread.failed || !latest) {
      const c = readAnnotations(reread.results[0]?.errors?.[0])?.[0];
      return fail(reread.failed ? reread.error : new ResilienceError(c ?? { category: 'not-found', reason: 'entity-gone', message: 'The record could not be re-read after a conflict (deleted or no longer visible).', retryable: false, refreshable: false, remediation: 'Reload the list; the record may have been deleted by someone else.' }));
    }
    try {
      cache?.writeQuery({ query: rereadRequest.query, variables: rereadRequest.variables, data });
    } catch {
      // a cache that cannot take the re-read must not hide the conflict's resolution
    }
    emit(onEvent, 'reread', name, { attempt, durationMs: Date.now() - started, ...whoChanged(latest) });

    let decision: EtagConflictLink.Decision | 'retry';
    let conflicts: FieldConflict[] = [];
    let keptTheirs: string[] = [];
    try {
      if (config.reapply) {
        const reapply = config.reapply;
        decision = await decide(() => reapply({ latest, variables, base, attempt, operation }));
      } else {
        const { mine, inputKey } = intendedChange(variables);
        const skip = new Set([...ID_KEYS, ...(etagPath ? [etagPath.split('.').pop()!] : [])]);
        if (!base) {
          // No base to merge on: only the etag is swapped, unless onConflict decides otherwise.
          conflicts = Object.entries(mine).filter(([f, v]) => !skip.has(f) && f in latest && !deepEqual(v, latest[f])).map(([field, v]) => ({ field, base: undefined, mine: v, theirs: latest[field] }));
          const onConflict = policy.options.onConflict;
          decision = onConflict ? await decide(() => onConflict({ operation, base: undefined, latest, mine, fields: conflicts, attempt, reason: 'no-base' })) : 'retry';
        } else {
          const merge = threeWayMerge(base, latest, mine, skip);
          conflicts = merge.conflicts;
          keptTheirs = merge.keptTheirs;
          const mergedVariables = inputKey ? { ...variables, [inputKey]: { ...mine, ...merge.merged } } : { ...variables, ...merge.merged };
          const onConflict = policy.options.onConflict;
          const fields = conflicts;
          decision = conflicts.length === 0 ? mergedVariables : onConflict ? await decide(() => onConflict({ operation, base, latest, mine, fields, attempt, reason: 'fields' })) : 'abort';
          if (decision === 'retry') decision = mergedVariables;
        }
        if (decision === 'retry') decision = variables;
      }
    } catch (error) {
      return fail(readAnnotations(error)?.[0]?.reason === 'decision-timeout' ? error : callbackFailed(error));
    }
    if (closed) return;
    if (decision === 'abort' || !isObject(decision)) {
      emit(onEvent, 'give-up', name, { attempt, reason: 'abort', conflicts: conflicts.map((c) => c.field) });
      const fields = Object.fromEntries(conflicts.map((c) => [c.field, { base: c.base, mine: c.mine, theirs: c.theirs }]));
      const who = whoChanged(latest);
      const by = typeof who.updatedBy === 'string' ? ` by ${who.updatedBy}` : '';
      return fail(conflictError(conflicts.length > 0 ? 'edit-conflict' : 'conflict-aborted', conflicts.length > 0 ? `This record was modified${by} while you edited it: ${conflicts.map((c) => c.field).join(', ')} changed on both sides.` : 'The conflicting change was not re-applied.', { fields, conflicts, latest, ...who, attempts: attempt, noBase: base === undefined }, lastError));
    }
    const newEtag = entityEtag(latest, etagPath ?? '_etag');
    variables = etagPath && newEtag !== undefined ? setAtPath(decision, etagPath, newEtag) : decision;
    emit(onEvent, 'reapply', name, { attempt, keptTheirs, conflicts: conflicts.map((c) => c.field), etagChanged: etagPath ? getAtPath(operation.variables, etagPath) !== newEtag : false });
    base = latest;
    await send(false);
  };

  const teardown = () => {
    closed = true;
    cancelDecision?.();
    const running = inner;
    inner = undefined;
    running?.unsubscribe();
  };
  send(true).catch((error: unknown) => fail(callbackFailed(error)));
  return { unsubscribe: teardown };
}

function readEntity(cache: CacheLike | undefined, request: { query: DocumentNode; variables?: Variables }): Entity | undefined {
  if (!cache) return undefined;
  try {
    return rootEntity(cache.readQuery({ query: request.query, variables: request.variables }));
  } catch {
    return undefined;
  }
}
