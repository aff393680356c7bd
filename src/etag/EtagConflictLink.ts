import { readAnnotations, ResilienceError } from '../classify/annotations.js';
import { callbackFailed, conflictInError, conflictInResult } from './conflictDetection.js';
import type { Classification } from '../classify/types.js';
import { ApolloLink, createObservable, executeForward, getCache, getOperationType, getResponse, subscribe } from '../compat/index.js';
import type { CacheLike, LinkForward, LinkObservable, LinkOperation, ResultLike, SubscriptionLike } from '../compat/index.js';
import { emit, type EventListener } from '../events.js';
import { ask } from '../guard.js';
import { Lifecycle } from '../lifecycle.js';
import { entityEtag, findEtagPath, getAtPath, setAtPath } from './etagPath.js';
import { deepEqual, threeWayMerge, type FieldConflict } from './threeWayMerge.js';
import type { DocumentNode } from 'graphql';

type Variables = Record<string, unknown>;
type Entity = Record<string, unknown>;

export declare namespace EtagConflictLink {
  /** What `reapply` and `onConflict` may answer: send these variables, or stop. */
  type Decision = Variables | 'abort';

  interface ReapplyContext {
    /** The entity as the server has it now (re-read). */
    latest: Entity;
    /** The variables last sent. */
    variables: Variables;
    /** The entity as the cache held it when the mutation started (then: as last re-read); undefined when not cached. */
    base: Entity | undefined;
    /** The re-read/re-apply cycle, from 1. */
    attempt: number;
    operation: LinkOperation;
  }

  interface Conflict {
    operation: LinkOperation;
    base: Entity | undefined;
    latest: Entity;
    /** The user's intended change (the `input` object, or the variables other than id/etag). */
    mine: Variables;
    /** Fields both writers changed to different values (with no cached base: every field where mine differs from theirs, `base` undefined). */
    fields: FieldConflict[];
    attempt: number;
    /** `'no-base'` when the entity was not cached, so a merge was impossible. */
    reason: 'fields' | 'no-base';
  }

  interface MutationConfig {
    /** The query that re-reads the entity, from the mutation's operation. @defaultValue required */
    reread: (operation: LinkOperation) => { query: DocumentNode; variables?: Variables };
    /** Re-applies the user's change on the latest state. @defaultValue a three-way merge of base, latest and the user's change */
    reapply?: (context: ReapplyContext) => Decision | Promise<Decision>;
    /** Where the etag lives in the variables (dot path). @defaultValue the first `_etag` or `etag` found */
    etagPath?: string;
  }

  interface Options {
    /** The mutations to resolve, by operation name; all others pass through untouched. @defaultValue required */
    mutations: Record<string, MutationConfig>;
    /** Re-read/re-apply cycles before the conflict is surfaced. @defaultValue 3 */
    maxAttempts?: number;
    /** Decides real conflicts: `'retry'` with the user's values, `'abort'`, or new variables. @defaultValue abort with a `conflict` classification holding base, mine and theirs per field */
    onConflict?: (conflict: Conflict) => 'retry' | Decision | Promise<'retry' | Decision>;
    /**
     * How long a `reapply` or `onConflict` may take to decide (a dialog waits for a person); after
     * that the mutation fails with a `conflict` classification, reason `decision-timeout`.
     * @defaultValue 300000
     */
    decisionTimeoutMs?: number;
    /** Every event of this link (`conflict`, `reread`, `reapply`, `give-up`), in one stream. @defaultValue none */
    onEvent?: EventListener;
  }
}

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


/**
 * On a 409 / etag mismatch for a configured mutation: re-reads the entity down the rest of the
 * chain (auth, retry, HTTP), writes it to the cache, re-applies the user's change on it (three-way
 * merge by default) and retries with the new etag; real conflicts go to `onConflict`.
 */
export class EtagConflictLink extends ApolloLink {
  private readonly options: EtagConflictLink.Options;
  private readonly maxAttempts: number;
  private readonly decisionTimeoutMs: number;
  private readonly life = new Lifecycle('EtagConflictLink');

  constructor(options: EtagConflictLink.Options) {
    super();
    if (!options || !isObject(options.mutations)) throw new TypeError('EtagConflictLink: `mutations` (by operation name) is required');
    this.options = options;
    this.maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 3));
    this.decisionTimeoutMs = options.decisionTimeoutMs ?? 300_000;
  }

  /**
   * Ends every operation running through the link (a pending re-read, re-send or decision is
   * cancelled; it fails with category `unknown`, reason `link-disposed`), and every later one fails
   * the same way.
   */
  dispose(): void {
    this.life.dispose();
  }

  private configFor(operation: LinkOperation): EtagConflictLink.MutationConfig | undefined {
    if (getOperationType(operation) !== 'mutation') return undefined;
    const name = operation.operationName ?? undefined;
    return name !== undefined && Object.prototype.hasOwnProperty.call(this.options.mutations, name) ? this.options.mutations[name] : undefined;
  }

  /** @internal Whether this link acts on the operation (a configured mutation); otherwise it only passes it on. */
  handles(operation: LinkOperation): boolean {
    return this.configFor(operation) !== undefined;
  }

  override request(operation: LinkOperation, forward: LinkForward): LinkObservable {
    if (this.life.disposed) return this.life.rejected();
    const config = this.configFor(operation);
    if (!config) return forward(operation);
    const name = operation.operationName ?? undefined;
    const onEvent = this.options.onEvent;

    return createObservable((sink) => {
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
        return;
      }

      const fail = (error: unknown) => {
        if (!closed) sink.error(error);
      };

      /** Runs one observable to its end: all results, or the error. */
      const collect = (observable: LinkObservable) =>
        new Promise<{ results: ResultLike[]; error?: unknown; failed: boolean }>((resolve) => {
          const results: ResultLike[] = [];
          let done = false;
          const sub = subscribe(observable, {
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
        const pending = ask(fn, this.decisionTimeoutMs, () => conflictError('decision-timeout', `No decision on the conflict within ${this.decisionTimeoutMs} ms: the change was not re-applied.`, { attempts: attempt }));
        cancelDecision = pending.cancel;
        return pending.promise.finally(() => (cancelDecision = undefined));
      };

      const whoChanged = (latest: Entity | undefined) => {
        const out: Record<string, unknown> = {};
        for (const key of ['updatedBy', 'modifiedBy', 'updatedAt', 'modifiedAt']) if (latest && latest[key] !== undefined) out[key] = latest[key];
        return out;
      };

      const send = async (first: boolean) => {
        const observable = first ? forward(operation) : executeForward(forward, operation, { query: operation.query, variables });
        const outcome = await collect(observable);
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
        if (attempt > this.maxAttempts) {
          emit(onEvent, 'give-up', name, { attempt: attempt - 1, reason: 'max-attempts', classification: conflict });
          return fail(conflictError('conflict-unresolved', `The record kept changing: the mutation still conflicted after ${this.maxAttempts} re-read and re-apply attempts.`, { attempts: this.maxAttempts, lastReason: conflict.reason }, lastError));
        }
        emit(onEvent, 'conflict', name, { attempt, classification: conflict });
        if (!rereadRequest) return fail(lastError);
        const started = Date.now();
        const reread = await collect(executeForward(forward, operation, { query: rereadRequest.query, variables: rereadRequest.variables ?? {} }));
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
              const onConflict = this.options.onConflict;
              decision = onConflict ? await decide(() => onConflict({ operation, base: undefined, latest, mine, fields: conflicts, attempt, reason: 'no-base' })) : 'retry';
            } else {
              const merge = threeWayMerge(base, latest, mine, skip);
              conflicts = merge.conflicts;
              keptTheirs = merge.keptTheirs;
              const mergedVariables = inputKey ? { ...variables, [inputKey]: { ...mine, ...merge.merged } } : { ...variables, ...merge.merged };
              const onConflict = this.options.onConflict;
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
        untrack();
        cancelDecision?.();
        const running = inner;
        inner = undefined;
        running?.unsubscribe();
      };
      const untrack = this.life.track((error) => {
        teardown();
        sink.error(error);
      });
      send(true).catch((error: unknown) => fail(callbackFailed(error)));
      return teardown;
    });
  }
}

function readEntity(cache: CacheLike | undefined, request: { query: DocumentNode; variables?: Variables }): Entity | undefined {
  if (!cache) return undefined;
  try {
    return rootEntity(cache.readQuery({ query: request.query, variables: request.variables }));
  } catch {
    return undefined;
  }
}
