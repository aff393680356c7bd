// The mutation outbox as a link: the `Outbox` queue (outbox.ts, whose note at the top is the design)
// wired into Apollo. Placed first, above the etag/resilience link:
// `ApolloLink.from([outbox, createResilienceLink(...), httpLink])`.
import { Kind, parse } from 'graphql';
import { classifyError } from '../classify/classifyError.js';
import { ResilienceError } from '../classify/annotations.js';
import type { Classification } from '../classify/types.js';
import {
  ApolloLink,
  createLink,
  getContext,
  getOperationType,
  setRequestOnlyHeader,
  subscribe,
  type LinkForward,
  type LinkObservable,
  type LinkOperation,
  type ResultLike,
  type SubscriptionLike,
} from '../compat/index.js';
import type { EventListener } from '../core/events.js';
import { PolicyExecutor } from '../core/executor.js';
import { NOTHING, type Downstream, type Policy, type Sink } from '../core/policy.js';
import { decideSafely } from '../guard.js';
import { browserConnectivity, type Connectivity } from './connectivity.js';
import {
  Outbox,
  outboxInputFromOperation,
  randomId,
  timeoutOption,
  type FlushReport,
  type OutboxEntry,
  type OutboxSettlement,
  type ReplayOutcome,
} from './outbox.js';
import { isQueueable, queueAfterFailure, replayVerdict, type OutboxMutations } from './outboxDecisions.js';
import type { OutboxStorage, ReplayLock } from './storage.js';

export declare namespace OutboxLink {
  interface Options {
    /**
     * The mutations (by operation name) that may be kept while offline, or `'all'`. List the ones
     * that are safe to apply later: with an etag (a stale write becomes a 409 the etag link resolves)
     * or idempotent by nature. A mutation opts out with `context: { outbox: false }`.
     * @defaultValue required
     */
    mutations: OutboxMutations;
    /**
     * Where waiting mutations are kept: `localStorageStorage()`, `indexedDbStorage()`, `memoryStorage()`
     * or your own `OutboxStorage`. Pass the same storage to the link of the next page load.
     * @defaultValue `localStorageStorage()` in a browser, `memoryStorage()` elsewhere (Node, SSR)
     */
    storage?: OutboxStorage;
    /**
     * Online/offline signal: offline, a queueable mutation is stored instead of sent; `online`
     * starts a replay. Pass the same one to the retry link.
     * @defaultValue `browserConnectivity()` (always online in Node)
     */
    connectivity?: Connectivity;
    /** A waiting mutation older than this is dropped; its caller fails with `outbox-expired`. @defaultValue 86400000 (24 h) */
    maxAgeMs?: number;
    /** The most mutations kept (across tabs); one more fails at once with `outbox-full`. @defaultValue 100 */
    maxEntries?: number;
    /** Called with every waiting mutation (in replay order) after each change: "3 changes waiting". @defaultValue none */
    onChange?: (entries: ReadonlyArray<OutboxEntry>) => void;
    /** Every event of the outbox (`outbox-enqueue`, `outbox-replay`, `outbox-delivered`…). @defaultValue none */
    onEvent?: EventListener;
    /**
     * The request header that carries the idempotency key; set the retry link's
     * `idempotencyKey.header` to the same name if you changed it there.
     * @defaultValue 'Idempotency-Key'
     */
    idempotencyHeader?: string;
    /**
     * While the device says online but a replay found the server unreachable, the replay is tried
     * again on this backoff (no `online` event comes when the server, not the Wi-Fi, is down);
     * `false`: only `online`, a load or `flush()` start a replay.
     * @defaultValue `{ initialDelayMs: 5000, maxDelayMs: 300000 }`
     */
    retryUnreachable?: { initialDelayMs?: number; maxDelayMs?: number } | false;
    /** One replay at a time across tabs. @defaultValue `replayLock()` (a Web Lock where available) */
    lock?: ReplayLock;
    /** Ids of entries and idempotency keys. @defaultValue `crypto.randomUUID()` where available */
    generateId?: () => string;
    /** The clock (tests). @defaultValue `Date.now` */
    now?: () => number;
    /** Source of randomness for the replay backoff's jitter (tests). @defaultValue `Math.random` */
    random?: () => number;
    /**
     * A call of the storage (`load`, `put`, `delete`) that has not settled after this fails with
     * `network` / `outbox-storage-failed`: the mutation that could not be kept fails to its caller
     * (a write that lands later is deleted again), a replay stops and is tried again on the
     * `retryUnreachable` backoff; what is already stored stays stored. @defaultValue 10000
     */
    storageTimeoutMs?: number;
    /**
     * A replay request that has not ended after this is cancelled and its change kept as unreachable
     * (sent again with its key on the `retryUnreachable` backoff), so a request that never answers
     * cannot hold the replay and its lock. The links below bound each request first; keep this above
     * what they may take together: the retry link's attempts (by default 4 × 30 s plus backoff) and,
     * for a save that may wait for `onConflict`, the etag link's re-read, `decisionTimeoutMs` (5 min)
     * and re-send. Below that, a user's answer would be dropped and the question asked again.
     * @defaultValue 600000
     */
    replayTimeoutMs?: number;
    /**
     * A replay waits this long for its turn of `lock` (another tab's replay, or a custom lock that
     * never runs its task), then stops with an `outbox-storage-error` event and is tried again on the
     * `retryUnreachable` backoff. @defaultValue 60000
     */
    lockTimeoutMs?: number;
  }
}

/** How a replay reaches the rest of the chain: learnt from the first operation through the link. */
interface Route {
  /** The chain below the outbox (learnt from an operation), or… */
  forward?: LinkForward;
  /** …the client's whole chain (`attach(client)`): the replay passes the outbox marked as one. */
  link?: ApolloLink;
  client: unknown;
  /** What Apollo itself put in the context (AC3: the cache) — nothing the app set, no header. */
  context: Record<string, unknown>;
}

/** The context field that marks a replay sent through the client's whole chain (its value: the key). */
const REPLAY = 'apollo-link-resilience:outbox-replay';

/** Context fields Apollo Client sets on every operation, carried to replays (the etag re-read writes to `cache`). */
const APOLLO_CONTEXT = ['cache', 'getCacheKey', 'clientAwareness'] as const;

/** A replay answered with GraphQL errors only, which the server meant as its refusal: the caller gets the result as is. */
class RefusedResult {
  constructor(readonly result: ResultLike) {}
}

/** `context.retry` that makes the retry policy send `key` on every attempt of this mutation, and a fresh key on a re-applied one. */
function retryWithKey(retry: unknown, header: string, key: string): unknown {
  if (retry === false) return false;
  let used = false;
  const generate = () => {
    if (used) return randomId(); // the etag link's re-applied mutation is another write: another key
    used = true;
    return key;
  };
  return { ...(typeof retry === 'object' && retry !== null ? retry : {}), idempotencyKey: { header, generate } };
}

function setContext(operation: LinkOperation, patch: Record<string, unknown>): void {
  (operation.setContext as unknown as (patch: Record<string, unknown>) => void)(patch);
}

/** One queueable mutation: sent live, stored when it cannot be delivered, then waiting for its replay. */
class OutboxRun implements SubscriptionLike {
  phase: 'sending' | 'storing' | 'waiting' | 'done' = 'sending';
  private inner: SubscriptionLike | undefined;
  private detach: (() => void) | undefined;
  private answered = false;

  constructor(
    private readonly policy: OutboxPolicy,
    readonly operation: LinkOperation,
    readonly next: Downstream,
    private readonly sink: Sink,
    readonly key: string,
  ) {}

  start(): SubscriptionLike {
    this.prepare();
    if (this.policy.mustQueue()) this.store();
    else this.send();
    return this;
  }

  /** The key on this operation's next send (live, or its replay): the header, and the retry policy's key. */
  prepare(): void {
    const { policy, operation, key } = this;
    setContext(operation, { retry: retryWithKey(getContext(operation).retry, policy.header, key) });
    setRequestOnlyHeader(operation, policy.header, key);
  }

  private send(): void {
    this.phase = 'sending';
    this.policy.live.add(this);
    const subscription = this.next.send(this.operation, {
      next: (result) => {
        if (this.phase !== 'sending') return;
        this.answered = true;
        this.sink.next(result);
      },
      error: (error) => {
        if (this.phase !== 'sending') return;
        this.policy.live.delete(this);
        this.inner = undefined;
        if (!this.answered && queueAfterFailure(classifyError(error), this.policy.online())) return this.store(true);
        this.phase = 'done';
        this.sink.error(error);
      },
      complete: () => {
        if (this.phase !== 'sending') return;
        this.phase = 'done';
        this.policy.live.delete(this);
        this.sink.complete();
      },
    });
    if (this.phase === 'sending') this.inner = subscription;
  }

  /** The device went offline while the request was on its way: it is cancelled and kept (same key). */
  wentOffline(): void {
    if (this.phase !== 'sending' || this.answered) return;
    const inner = this.inner;
    this.inner = undefined;
    this.policy.live.delete(this);
    this.phase = 'storing';
    inner?.unsubscribe();
    this.store();
  }

  /** `failed`: the live send got no answer; the replay then waits for the backoff. */
  private store(failed?: boolean): void {
    this.phase = 'storing';
    this.policy.waiting.set(this.key, this);
    this.policy.outbox
      .enqueue(outboxInputFromOperation(this.operation, this.key), (s) => this.settled(s))
      .then(
        ({ detach }) => {
          if (this.phase !== 'storing') return detach(); // unsubscribed (or settled) meanwhile: the entry stays
          this.phase = 'waiting';
          this.detach = detach;
          if (failed) this.policy.outbox.backOff();
          else this.policy.kick();
        },
        (error: unknown) => {
          if (this.phase !== 'storing') return;
          this.phase = 'done';
          this.policy.waiting.delete(this.key);
          this.sink.error(error); // outbox-full, outbox-unserializable, outbox-storage-failed, link-disposed
        },
      );
  }

  private settled(settlement: OutboxSettlement): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.policy.waiting.delete(this.key);
    this.detach = undefined;
    switch (settlement.status) {
      case 'delivered':
        if (settlement.result !== undefined) this.sink.next(settlement.result as ResultLike);
        this.sink.complete();
        return;
      case 'rejected':
        if (settlement.error instanceof RefusedResult) {
          this.sink.next(settlement.error.result);
          this.sink.complete();
        } else this.sink.error(settlement.error);
        return;
      default:
        this.sink.error(settlement.error); // discarded, expired, removed-elsewhere, disposed
    }
  }

  /** The caller went away: a live request is cancelled; a stored change stays queued (its result goes to `onEvent`). */
  unsubscribe(): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.policy.live.delete(this);
    if (this.policy.waiting.get(this.key) === this) this.policy.waiting.delete(this.key);
    const inner = this.inner;
    this.inner = undefined;
    inner?.unsubscribe();
    this.detach?.();
    this.detach = undefined;
  }
}

/** The outbox policy: above etag, retry, auth and classify. */
export class OutboxPolicy implements Policy {
  readonly outbox: Outbox;
  readonly header: string;
  /** Queueable mutations being sent live (moved to the outbox if the device goes offline). */
  readonly live = new Set<OutboxRun>();
  /** Callers waiting for their stored mutation, by idempotency key. */
  readonly waiting = new Map<string, OutboxRun>();
  /** Cancels each replay request under way (its timeout, dispose). */
  private readonly replays = new Set<() => void>();
  private readonly replayTimeoutMs: number;
  /** `connectivity.isOnline()`, guarded: a source that throws counts as online (try; the retry link bounds it). */
  private readonly isOnline: () => boolean;
  private readonly mutations: OutboxMutations;
  private readonly generateId: () => string;
  private readonly stopListening: () => void;
  private route: Route | undefined;
  private loaded = false;
  private disposed = false;

  constructor(options: OutboxLink.Options) {
    const { mutations } = options ?? {};
    if (mutations !== 'all' && !Array.isArray(mutations))
      throw new TypeError(
        "OutboxLink: `mutations` (the operation names that may be kept offline, or 'all') is required",
      );
    this.mutations = mutations === 'all' ? 'all' : [...(mutations as ReadonlyArray<string>)];
    this.header =
      typeof options.idempotencyHeader === 'string' && options.idempotencyHeader
        ? options.idempotencyHeader
        : 'Idempotency-Key';
    this.generateId = options.generateId ?? randomId;
    this.replayTimeoutMs = timeoutOption(options.replayTimeoutMs, 600_000);
    const connectivity: Connectivity = options.connectivity ?? browserConnectivity();
    const read = () => connectivity.isOnline();
    this.isOnline = () => decideSafely('connectivity.isOnline', read, true);
    this.outbox = new Outbox({
      deliver: (entry) => this.deliver(entry),
      // A replay needs the chain below, which the link learns from its first operation.
      connectivity: {
        isOnline: () => this.route !== undefined && this.isOnline(),
        subscribe: (listener) => connectivity.subscribe(listener),
      },
      replayOnLoad: true,
      ...(options.storage ? { storage: options.storage } : {}),
      ...(options.lock ? { lock: options.lock } : {}),
      ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),
      ...(options.maxEntries !== undefined ? { maxEntries: options.maxEntries } : {}),
      ...(options.onChange ? { onChange: options.onChange } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.retryUnreachable !== undefined ? { retryUnreachable: options.retryUnreachable } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(options.storageTimeoutMs !== undefined ? { storageTimeoutMs: options.storageTimeoutMs } : {}),
      ...(options.lockTimeoutMs !== undefined ? { lockTimeoutMs: options.lockTimeoutMs } : {}),
      generateId: this.generateId,
    });
    void this.outbox.ready.then(() => (this.loaded = true));
    this.stopListening = connectivity.subscribe((online) => {
      if (!online) for (const run of [...this.live]) run.wentOffline();
    });
  }

  online(): boolean {
    return this.isOnline();
  }

  /** Store instead of sending: offline, still loading, or older changes wait (they go first). */
  mustQueue(): boolean {
    return !this.isOnline() || !this.loaded || this.outbox.entries.length > 0;
  }

  /** Replays now when it can (online, the chain below known, no backoff pending). */
  kick(): void {
    if (!this.disposed && this.route && this.isOnline() && !this.outbox.backingOff) void this.outbox.flush();
  }

  run(
    operation: LinkOperation,
    context: Readonly<Record<string, unknown>>,
    next: Downstream,
    sink: Sink,
  ): SubscriptionLike {
    const replayKey = context[REPLAY];
    if (typeof replayKey === 'string') {
      setRequestOnlyHeader(operation, this.header, replayKey); // a replay of `attach(client)`: on its way down
      return next.send(operation, sink);
    }
    if (!this.route) {
      const carried: Record<string, unknown> = {};
      for (const name of APOLLO_CONTEXT) if (context[name] !== undefined) carried[name] = context[name];
      this.route = { forward: next.forward, client: (operation as { client?: unknown }).client, context: carried };
      if (this.outbox.entries.length > 0) this.kick(); // the next page load: replay what the last one left
    }
    const operationName = operation.operationName ?? undefined;
    if (!isQueueable(getOperationType(operation), operationName, context, this.mutations))
      return next.send(operation, sink);
    let key: string;
    try {
      key = this.generateId();
    } catch (error) {
      sink.error(new ResilienceError(classifyError(error)));
      return NOTHING;
    }
    return new OutboxRun(this, operation, next, sink, key).start();
  }

  /** Sends one entry down the chain below and maps the end to a verdict (outbox.ts, note 4). */
  private deliver(entry: OutboxEntry): Promise<ReplayOutcome> {
    return new Promise<ReplayOutcome>((resolve) => {
      const results: ResultLike[] = [];
      let subscription: SubscriptionLike | undefined;
      let ended = false;
      const end = (outcome: ReplayOutcome) => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        this.replays.delete(cancel);
        resolve(outcome);
      };
      // No answer in time (or dispose): the request is cancelled, the change kept for a later replay.
      const cancel = () => {
        end({ status: 'unreachable', classification: replayTimedOut(entry, this.replayTimeoutMs) });
        subscription?.unsubscribe();
      };
      const timer = setTimeout(cancel, this.replayTimeoutMs);
      (timer as { unref?: () => void }).unref?.();
      this.replays.add(cancel);
      const observer = {
        next: (result: ResultLike) => void results.push(result),
        error: (error: unknown) => end(failed(classifyError(error), error)),
        complete: () => end(answered(results[results.length - 1])),
      };
      // The caller of this change is still here (this tab, no reload): its own operation is replayed.
      const caller = this.waiting.get(entry.idempotencyKey);
      if (caller && caller.phase !== 'done') {
        caller.prepare();
        subscription = caller.next.send(caller.operation, observer);
      } else {
        const replay = this.replayOperation(entry);
        if ('outcome' in replay) return end(replay.outcome);
        subscription = subscribe(replay.observable, observer);
      }
    });
  }

  /** A new operation for an entry nobody waits for (stored by an earlier page load or another tab). */
  private replayOperation(entry: OutboxEntry): { observable: LinkObservable } | { outcome: ReplayOutcome } {
    const route = this.route;
    if (!route) return { outcome: failed(noRoute(), undefined) };
    let query;
    try {
      query = parse(entry.query);
      // Storage is not trusted: only one mutation (and its fragments) is ever sent from it.
      const [operation, ...more] = query.definitions.filter((d) => d.kind !== Kind.FRAGMENT_DEFINITION);
      if (
        more.length > 0 ||
        operation?.kind !== Kind.OPERATION_DEFINITION ||
        (operation.operation as string) !== 'mutation'
      )
        throw new Error('not one mutation');
    } catch (error) {
      const classification = unreadable(entry, error);
      return { outcome: { status: 'rejected', classification, error: new ResilienceError(classification) } };
    }
    const { header } = this;
    const key = entry.idempotencyKey;
    const { forward } = route;
    const through =
      route.link ??
      createLink((operation) => {
        setRequestOnlyHeader(operation, header, key);
        return forward!(operation);
      });
    // A static method that uses no `this`.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const execute = ApolloLink.execute as unknown as (link: ApolloLink, req: unknown, ctx?: unknown) => LinkObservable;
    const context = {
      ...route.context,
      retry: retryWithKey(undefined, header, key),
      ...(route.link ? { [REPLAY]: key } : {}),
    };
    return { observable: execute(through, { query, variables: entry.variables, context }, { client: route.client }) };
  }

  /** Replays through the client's chain from now on, without waiting for its first operation. */
  attach(client: { readonly link: ApolloLink; readonly cache?: unknown }): void {
    if (this.disposed) return;
    this.route = { link: client.link, client, context: client.cache !== undefined ? { cache: client.cache } : {} };
    void this.outbox.ready.then(() => {
      if (this.outbox.entries.length > 0) this.kick();
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stopListening();
    this.outbox.dispose();
    for (const cancel of [...this.replays]) cancel();
  }
}

function failed(classification: Classification, error: unknown): ReplayOutcome {
  return replayVerdict(classification) === 'unreachable'
    ? { status: 'unreachable', classification }
    : { status: 'rejected', classification, error: error ?? new ResilienceError(classification) };
}

/** A replay's answer: delivered, unless it is GraphQL errors without data (then the errors decide). */
function answered(result: ResultLike | undefined): ReplayOutcome {
  if (!result || !Array.isArray(result.errors) || result.errors.length === 0 || (result.data ?? null) !== null)
    return { status: 'delivered', result };
  const classification = classifyError(result);
  return replayVerdict(classification) === 'unreachable'
    ? { status: 'unreachable', classification }
    : { status: 'rejected', classification, error: new RefusedResult(result) };
}

function noRoute(): Classification {
  return {
    category: 'network',
    reason: 'outbox-not-ready',
    message: 'OutboxLink has not seen an operation yet, so it cannot reach the rest of the chain',
    retryable: true,
    refreshable: false,
    remediation: 'The change is replayed once the client runs its first operation.',
  };
}

function replayTimedOut(entry: OutboxEntry, ms: number): Classification {
  return {
    category: 'network',
    reason: 'timeout',
    message: `The replay of ${entry.operationName} got no answer within ${ms} ms`,
    retryable: true,
    refreshable: false,
    remediation: 'The change is kept and sent again with its key.',
  };
}

function unreadable(entry: OutboxEntry, error: unknown): Classification {
  return {
    category: 'bad-request',
    reason: 'outbox-entry-unreadable',
    message: `The stored mutation ${entry.operationName} could not be parsed: ${error instanceof Error ? error.message : 'invalid document'}`,
    retryable: false,
    refreshable: false,
    remediation: 'A stored offline change could not be read; it was dropped.',
  };
}

/**
 * The mutation outbox: a listed mutation that cannot be delivered because the device is offline (or
 * the server unreachable: no answer arrived) is stored — document, variables, operation name,
 * idempotency key, enqueue time; never the context, headers or tokens — and replayed in order, one
 * at a time, each with its original `Idempotency-Key`, on `online`, on the next page load, on
 * `flush()`, and on a backoff while online but unreachable. Place it first:
 * `ApolloLink.from([outbox, createResilienceLink(...), httpLink])`.
 *
 * The caller's Observable stays open while its change waits (an `optimisticResponse` stays in the
 * cache); it receives the real result when the replay is delivered, or a classified error
 * (`outbox-discarded`, `outbox-expired`, `outbox-removed-elsewhere`, the server's refusal).
 * Unsubscribing a waiting caller does not discard its change: it stays queued, and its result goes
 * to `onEvent` (`outbox-delivered`). After a reload nobody waits: refetch on `outbox-delivered`.
 *
 * Replays go through the rest of the chain, which the link learns from its first operation: stored
 * changes of an earlier page load are replayed once the client runs its first operation, or at once
 * after `attach(client)` (a first screen served from a persisted cache never reaches the link).
 *
 * `dispose()` stops listening (connectivity, storage, timers), cancels a running replay, and fails
 * the waiting callers with `link-disposed`; their changes stay stored for the next load.
 */
export class OutboxLink extends PolicyExecutor {
  private readonly policy: OutboxPolicy;

  constructor(options: OutboxLink.Options) {
    const policy = new OutboxPolicy(options);
    super([policy], 'OutboxLink');
    this.policy = policy;
  }

  /** The waiting changes, in replay order (every tab's, for a shared storage). */
  get entries(): ReadonlyArray<OutboxEntry> {
    return this.policy.outbox.entries;
  }

  /** Resolves once the stored changes are loaded (never rejects). */
  get ready(): Promise<void> {
    return this.policy.outbox.ready;
  }

  /**
   * Replays now, in order, and resolves with what it did. Does nothing while offline or before the
   * link's first operation (`stopped: 'offline'`).
   */
  flush(): Promise<FlushReport> {
    return this.policy.outbox.flush();
  }

  /**
   * Lets the link replay through `client` before the client ran any operation through it: call it
   * once after `new ApolloClient({ link })` when the first screen may not reach the network (a
   * persisted cache, `cache-first`). Without it, replays start at the client's first operation.
   */
  attach(client: { readonly link: ApolloLink; readonly cache?: unknown }): void {
    this.policy.attach(client);
  }

  /**
   * Drops a waiting change (the user gave it up); its caller fails with `outbox-discarded`. `false`
   * when there is none. A change whose replay is on its way waits for the server's verdict: applied
   * or refused, its caller gets that and `discard` resolves `false`; no answer, it is dropped.
   */
  discard(id: string): Promise<boolean> {
    return this.policy.outbox.discard(id);
  }
}
