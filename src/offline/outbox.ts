/*
 * The mutation outbox: mutations that could not be delivered because the device is offline (or the
 * server unreachable) are kept, and replayed in order, once, when the network returns.
 *
 * ## How `OutboxLink` uses these pieces (OutboxLink.ts)
 *
 * Chain, outermost first: **outbox → etag → retry → auth → classify → HTTP**. The outbox sits above
 * the etag policy so that a replayed mutation goes through etag (a 409 on replay is re-read and
 * re-applied on the latest state like any other; real conflicts go to `onConflict`), retry (backoff,
 * `Idempotency-Key`) and auth (a fresh token at replay time: tokens are never stored).
 *
 * 1. **Which mutations.** Only mutations; `context: { outbox: false }` opts one out; the option
 *    `mutations: string[] | 'all'` lists the operation names that may be queued (default: the etag
 *    policy's mutations, i.e. those that can be safely re-applied on a newer state).
 * 2. **Offline or unreachable?** The outbox queues a mutation *instead of sending it* when
 *    `connectivity.isOnline()` is false (so the retry policy's offline pause never sees it), and
 *    *after it failed* when the chain below ends in a `network` classification (`connection-refused`,
 *    `dns`, `fetch-failed`, `timeout`, `connection-reset`: no response) once the retry policy gave up,
 *    or an open circuit (not sent). A live mutation that got a 5xx fails to its caller as today (the
 *    server answered; queueing would hide it). Going offline while a queueable mutation is on its way
 *    cancels it and queues it (same key), so the retry policy's offline pause never holds it in memory
 *    only. While entries wait (or before the storage is loaded), a new queueable mutation joins the
 *    queue instead of overtaking it. The decisions are `outboxDecisions.ts`.
 * 3. **Idempotency key.** The link generates the key when it first sees the mutation, sends it on the
 *    first attempt already (a request-only header, so the etag re-read/re-apply do not inherit it) and
 *    stores it in the entry; on every send, live or replayed, it also passes it to the retry policy
 *    through `context.retry.idempotencyKey = { header, generate }`, whose `generate` returns the key
 *    once and a fresh key after (the etag policy's re-applied mutation is another write), so every
 *    attempt of the mutation carries the original key. "Applied exactly once" is
 *    the server's half of the contract: it must honour `Idempotency-Key` (the demo server does);
 *    without that, a mutation whose answer was lost is applied again on replay, and the etag turns
 *    that second write into a 409 the etag policy resolves (no blind double write).
 * 4. **Replay.** `new Outbox({ deliver })` where `deliver(entry)` parses `entry.query`, sends it with
 *    `entry.variables` down the chain below the outbox (etag → … → HTTP) and maps the end:
 *    a result → `delivered`; a retryable classification (`network`, `server`, `rate-limited`) once the
 *    retry policy gave up, or `unauthenticated` (kept until the user signs in again) → `unreachable`
 *    (stop, keep, replay later); anything else (validation, forbidden, an aborted conflict, GraphQL
 *    errors without data) → `rejected` (removed, reported). A replay reaches the chain below through
 *    the first operation the link saw, or through the client after `attach(client)`. Replay starts on `online`, on
 *    load (next page load), on `flush()`, and on a backoff while online but unreachable
 *    (`retryUnreachable`: no `online` event comes when the server, not the Wi-Fi, is down).
 * 5. **What the caller sees.** Apollo's `optimisticResponse` path: while the entry waits, the link
 *    keeps the caller's Observable open, so the optimistic result stays in the cache and the UI shows
 *    the change. On replay the caller receives the real result (the cache is updated, the optimistic
 *    layer dropped); if the entry is discarded or expires, the caller receives a classified
 *    `network` error (`outbox-discarded` / `outbox-expired`) and Apollo rolls the optimistic layer
 *    back. After a reload nobody is waiting: the result reaches `onEvent` (`outbox-delivered`) and the
 *    app refetches. A caller whose entry another tab replayed settles `removed-elsewhere`: the link
 *    fails it with that classified `network` error (decided: this tab cannot know the other tab's
 *    result, nor whether the change was sent or discarded there; a re-read would report a success that
 *    may not have happened — the app refetches). A full outbox fails the new mutation at once
 *    (`outbox-full`); the user's older changes are never dropped to make room. Unsubscribing a waiting
 *    caller (an unmounted component) does not discard its entry: the change is the user's, it is
 *    replayed and its result goes to `onEvent`; only `discard(id)` and expiry drop a change.
 * 6. **Connectivity-aware retry** (`connectivity.ts`, for the retry policy): a retryable `network`
 *    failure while `connectivity.isOnline()` is false is parked with `createOnlineGate(connectivity)
 *    .wait(resume)` instead of spending an attempt, the budget or the breaker (events `paused`,
 *    `resumed`); the gate resumes a burst spread by `resumeDelays`, and the operation's teardown calls
 *    the returned `cancel`. A failure while online spends attempts as today (`maxAttempts`/`deadlineMs`).
 *    A queued mutation of the outbox never reaches that gate: the outbox takes it first when offline.
 * 7. **Serialized writes per record** (`recordQueue.ts`): the link runs each etag mutation under
 *    `recordKey(operationName, variables)`, live or replayed, so a second save of the same record waits
 *    for the first and sends the `_etag` the first one returned.
 *
 * ## Decisions
 *
 * - **Order: strictly one at a time, in enqueue order.** Entries of different records could replay in
 *   parallel, but offline edits are often causally linked across records (create an order, then add
 *   its lines), the outbox is a recovery path of tens of entries where throughput does not matter,
 *   and one-at-a-time makes "applied in the order the user made them" a guarantee, not a hope. An
 *   `unreachable` outcome stops the replay (head-of-line: later entries may depend on it); a
 *   `rejected` one is removed and the replay goes on (each later entry gets its own verdict).
 * - **Crash safety:** an entry is written to storage before `enqueue` resolves, its attempt count is
 *   written before each send, and it is deleted only after the server's verdict. A crash at any step
 *   loses nothing; at worst an entry is sent again with its original idempotency key.
 * - **Two tabs** share the storage. A replay runs inside `replayLock` (a Web Lock where available):
 *   one tab replays at a time, the others wait for their turn (not skip: they may hold an entry the
 *   first one did not see), and each re-loads the storage once it holds the lock, so what another
 *   tab sent is gone and is never sent twice. A tab whose
 *   waiting caller's entry was replayed (or discarded) by another tab settles it as `removed-elsewhere`.
 *   Tabs see each other's writes through the `storage` event (localStorage) or the re-load before each
 *   replay (IndexedDB). Without Web Locks two tabs may send one entry twice; its idempotency key makes
 *   the server apply it once. `maxEntries` counts the entries of every tab.
 * - **Nothing hangs on a user callback:** every storage call is bounded (`storageTimeoutMs`, then
 *   `outbox-storage-failed`: the enqueue fails to its caller and a write that lands later is deleted
 *   again; a replay step stops and is retried on the backoff), a replay request by the link's
 *   `replayTimeoutMs` (cancelled, kept as unreachable). A live mutation that got no answer waits for
 *   the backoff before its first replay. `discard` of the entry in flight waits for its verdict, and
 *   the attempt step re-reads the entry, so a discarded or expired change is never sent or written back.
 * - **Full outbox:** `enqueue` rejects with a `network` / `outbox-full` `ResilienceError`; nothing is
 *   dropped. Expired entries are removed first, so they never block new ones.
 * - **Expiry:** `maxAgeMs` counts from `enqueuedAt`; an expired entry is removed (event
 *   `outbox-expired`, `onChange`, its caller fails) when it is noticed: on load, before each replay
 *   step, on enqueue, and by one timer set for the oldest entry while the outbox is not empty.
 * - **No token in storage:** an entry is built field by field from `operationName`, the printed query
 *   and the variables; the operation's context (headers, `Authorization`, tokens) is never read, and
 *   a stored `lastError` keeps only category, reason, status, code and the redacted message.
 */
import { print, type DocumentNode } from 'graphql';
import { ResilienceError, unexpectedError } from '../classify/annotations.js';
import { redact } from '../classify/redact.js';
import type { Classification } from '../classify/types.js';
import type { ResilienceEventBase } from '../core/events.js';
import { findEtagPath } from '../etag/etagPath.js';
import { notify, reportCallbackError } from '../guard.js';
import { later, MAX_TIMER_MS } from '../later.js';
import { browserConnectivity, type Connectivity } from './connectivity.js';
import {
  decodeStoredEntry,
  defaultOutboxStorage,
  encodeStoredEntry,
  replayLock,
  storageError,
  type OutboxStorage,
  type ReplayLock,
} from './storage.js';

/** What an entry keeps of its last failure: no details (they may quote a payload), the message redacted. */
export type StoredClassification = Pick<Classification, 'category' | 'message'> &
  Partial<Pick<Classification, 'reason' | 'status' | 'code'>>;

/** One queued mutation, exactly as stored. */
export interface OutboxEntry {
  /** Unique id of the entry (also its storage key). */
  readonly id: string;
  readonly operationName: string;
  /** The mutation document, printed. */
  readonly query: string;
  /** The variables as given (JSON data). */
  readonly variables: Record<string, unknown>;
  /** Sent on every replay attempt, so the server applies the mutation once. */
  readonly idempotencyKey: string;
  /** `Date.now()` when it was queued; `maxAgeMs` counts from here. */
  readonly enqueuedAt: number;
  /** Tie-breaker of entries queued in the same millisecond (enqueue order). */
  readonly seq: number;
  /** Replay attempts started so far. */
  readonly attempts: number;
  /** Why the last replay did not deliver it. */
  readonly lastError?: StoredClassification;
  /** The record it writes (serialized writes per record), if known. */
  readonly recordKey?: string;
}

/** What the link hands to `enqueue`: nothing else of the operation is ever read. */
export interface OutboxInput {
  operationName: string;
  /** The printed document. */
  query: string;
  /** @defaultValue `{}` */
  variables?: Record<string, unknown>;
  /** The key the first attempt carried, if any. @defaultValue a new one from `generateId` */
  idempotencyKey?: string;
}

/** The verdict of one replay, from `deliver`. */
export type ReplayOutcome =
  /** The server applied it (or had already: same idempotency key). Removed; the caller gets `result`. */
  | { status: 'delivered'; result?: unknown }
  /** No answer (offline, network): kept with `lastError`, the replay stops until the next trigger. */
  | { status: 'unreachable'; classification: Classification }
  /** The server said no (validation, forbidden, an aborted conflict): removed; the caller gets `error`. */
  | { status: 'rejected'; classification: Classification; error?: unknown };

/** How a queued mutation ended, for the caller still waiting for it. */
export type OutboxSettlement =
  | { status: 'delivered'; entry: OutboxEntry; result?: unknown }
  | { status: 'rejected'; entry: OutboxEntry; classification: Classification; error: unknown }
  | { status: 'discarded' | 'expired' | 'removed-elsewhere' | 'disposed'; entry: OutboxEntry; error: ResilienceError };

/** What one `flush()` did. */
export interface FlushReport {
  delivered: number;
  rejected: number;
  /** Entries still queued when it ended. */
  remaining: number;
  /**
   * Why it ended early: offline, an `unreachable` outcome, a storage step or the lock that failed or
   * was not granted within `lockTimeoutMs` (event `outbox-storage-error`), or disposed.
   * @defaultValue none (the outbox was emptied)
   */
  stopped?: 'offline' | 'unreachable' | 'storage-failed' | 'disposed';
}

interface OutboxEventBase<T extends string> extends ResilienceEventBase {
  type: T;
}
export interface OutboxEnqueueEvent extends OutboxEventBase<'outbox-enqueue'> {
  id: string;
  size: number;
}
export interface OutboxReplayEvent extends OutboxEventBase<'outbox-replay'> {
  id: string;
  attempt: number;
}
export interface OutboxDeliveredEvent extends OutboxEventBase<'outbox-delivered'> {
  id: string;
  result?: unknown;
}
export interface OutboxRejectedEvent extends OutboxEventBase<'outbox-rejected'> {
  id: string;
  classification: Classification;
}
export interface OutboxUnreachableEvent extends OutboxEventBase<'outbox-unreachable'> {
  id: string;
  classification: StoredClassification;
}
export interface OutboxExpiredEvent extends OutboxEventBase<'outbox-expired'> {
  id: string;
  ageMs: number;
}
export interface OutboxDiscardedEvent extends OutboxEventBase<'outbox-discarded'> {
  id: string;
}
/** Storage failed at load (the outbox starts empty; enqueue will fail the same way) or during a replay (it stops). */
export interface OutboxStorageErrorEvent extends OutboxEventBase<'outbox-storage-error'> {
  classification: Classification;
}
/** An entry the storage returned was invalid and is ignored (left in storage). */
export interface OutboxSkippedEvent extends OutboxEventBase<'outbox-skipped'> {
  classification: Classification;
}

export type OutboxEvent =
  | OutboxEnqueueEvent
  | OutboxReplayEvent
  | OutboxDeliveredEvent
  | OutboxRejectedEvent
  | OutboxUnreachableEvent
  | OutboxExpiredEvent
  | OutboxDiscardedEvent
  | OutboxStorageErrorEvent
  | OutboxSkippedEvent;

/** Which record a mutation writes; mutations with the same key are serialized. */
export type RecordKeyFunction = (operationName: string, variables: Record<string, unknown>) => string | undefined;

export declare namespace Outbox {
  interface Options {
    /**
     * Sends one entry down the chain below the outbox and maps the end to a verdict (the link
     * provides it). A throw counts as `unreachable`: the change is kept. @defaultValue required
     */
    deliver: (entry: OutboxEntry) => Promise<ReplayOutcome>;
    /** Where entries are kept. @defaultValue `localStorageStorage()` in a browser, `memoryStorage()` elsewhere */
    storage?: OutboxStorage;
    /** Online/offline signal: replay starts on `online` and does not start while offline. @defaultValue `browserConnectivity()` */
    connectivity?: Connectivity;
    /** One replay at a time across tabs. @defaultValue `replayLock()` (a Web Lock where available) */
    lock?: ReplayLock;
    /** An entry older than this is dropped (its caller fails with `outbox-expired`). `Infinity` keeps entries forever. @defaultValue 86400000 (24 h) */
    maxAgeMs?: number;
    /** The most entries kept; a mutation beyond it fails with `outbox-full` (older entries are never dropped for it). @defaultValue 100 */
    maxEntries?: number;
    /** The record a mutation writes. @defaultValue `defaultRecordKey`: the `id` beside the variables' `_etag`/`etag` */
    recordKey?: RecordKeyFunction;
    /** Replay what storage holds once loaded (the next page load). @defaultValue true */
    replayOnLoad?: boolean;
    /** Called with every entry (in replay order) after each change, for UI ("3 changes waiting"). @defaultValue none */
    onChange?: (entries: ReadonlyArray<OutboxEntry>) => void;
    /** Every event of the outbox. @defaultValue none */
    onEvent?: (event: OutboxEvent) => void;
    /** The clock. @defaultValue `Date.now` */
    now?: () => number;
    /** Ids of entries and idempotency keys. @defaultValue `crypto.randomUUID()` where available */
    generateId?: () => string;
    /**
     * While the device says online but a replay ended `unreachable` (the server is down, a captive
     * portal), the replay is tried again after this backoff: doubling from `initialDelayMs`, ±20 %
     * jitter, capped at `maxDelayMs`, reset by a delivered entry. `false`: only `online`, a load or
     * `flush()` start a replay. @defaultValue `{ initialDelayMs: 5000, maxDelayMs: 300000 }`
     */
    retryUnreachable?: { initialDelayMs?: number; maxDelayMs?: number } | false;
    /** Source of randomness for the jitter (tests). @defaultValue `Math.random` */
    random?: () => number;
    /**
     * A storage call (`load`, `put`, `delete`) that has not settled after this fails with
     * `network` / `outbox-storage-failed`, so a stuck adapter never holds the queue: the caller of a
     * change that could not be written fails (a write that lands later is deleted again), a replay
     * step stops and is tried again on the `retryUnreachable` backoff. @defaultValue 10000
     */
    storageTimeoutMs?: number;
    /**
     * A replay waits this long for its turn of `lock` (another tab's replay, or a custom lock that
     * never runs its task); then it stops (`stopped: 'storage-failed'`, event `outbox-storage-error`)
     * and is tried again on the `retryUnreachable` backoff. A turn granted after that is handed back
     * at once. @defaultValue 60000
     */
    lockTimeoutMs?: number;
  }
}

/** A timeout option: a number above 0, at most what `setTimeout` can wait (~24.8 days); otherwise `fallback`. */
export function timeoutOption(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && value > 0 ? Math.min(value, MAX_TIMER_MS) : fallback;
}

/** A random id (`crypto.randomUUID()` where available): entry ids and idempotency keys. */
export function randomId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

/** The failures the outbox itself reports: one row per reason (all `retryable: false`). */
const OUTBOX_ERRORS = {
  'outbox-full': [
    'network',
    'You are offline and too many changes are waiting; reconnect so they can be sent, then save this one again.',
  ],
  'outbox-unserializable': ['bad-request', 'Pass plain data (no BigInt, functions or cycles) as mutation variables.'],
  'outbox-discarded': ['network', 'The change was not saved; make it again if it is still needed.'],
  'outbox-expired': ['network', 'The change was not saved; make it again now that you are online.'],
  'outbox-removed-elsewhere': [
    'network',
    'Another tab sent or discarded this change; reload the data to see the saved state.',
  ],
  'link-disposed': ['unknown', 'Create a new client; the waiting changes are replayed when it loads.'],
} as const satisfies Record<string, readonly [Classification['category'], string]>;

/** Why the outbox failed a mutation or a waiting caller (the `reason` of its classification). */
export type OutboxErrorReason = keyof typeof OUTBOX_ERRORS;

function outboxError(reason: OutboxErrorReason, message: string, details?: Record<string, unknown>): ResilienceError {
  const [category, remediation] = OUTBOX_ERRORS[reason];
  return new ResilienceError({
    category,
    reason,
    message,
    retryable: false,
    refreshable: false,
    remediation,
    ...(details ? { details } : {}),
  });
}

/** The redacted subset of a classification an entry keeps. */
export function storedClassification(c: Classification): StoredClassification {
  return {
    category: c.category,
    message: redact(String(c.message)),
    ...(typeof c.reason === 'string' ? { reason: c.reason } : {}),
    ...(typeof c.status === 'number' ? { status: c.status } : {}),
    ...(typeof c.code === 'string' ? { code: redact(c.code) } : {}),
  };
}

/**
 * The default record key: `<operationName>:<id>`, where `id` is the `id` beside the first
 * `_etag`/`etag` of the variables (`{ input: { id, _etag } }` or `{ id, _etag }`). Mutations without an
 * etag, or without an id beside it, have no key and are not serialized.
 */
export const defaultRecordKey: RecordKeyFunction = (operationName, variables) => {
  const path = findEtagPath(variables);
  if (!path) return undefined;
  let holder: unknown = variables;
  for (const segment of path.split('.').slice(0, -1)) holder = (holder as Record<string, unknown>)[segment];
  const id = (holder as Record<string, unknown>).id;
  return typeof id === 'string' || typeof id === 'number' ? `${operationName}:${id}` : undefined;
};

/** The parts of an Apollo operation the outbox stores. Its context (headers, tokens) is never read. */
export function outboxInputFromOperation(
  operation: { operationName?: string | null; query: DocumentNode; variables?: Record<string, unknown> },
  idempotencyKey?: string,
): OutboxInput {
  return {
    operationName: operation.operationName ?? 'anonymous',
    query: print(operation.query),
    variables: operation.variables ?? {},
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
  };
}

const signature = (entries: ReadonlyArray<OutboxEntry>) => entries.map((e) => `${e.id}/${e.attempts}`).join(',');

const byReplayOrder = (a: OutboxEntry, b: OutboxEntry) =>
  a.enqueuedAt - b.enqueuedAt || a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

type Listener = (settlement: OutboxSettlement) => void;

/**
 * The queue model of the outbox: entries in storage and in memory (the same, in replay order),
 * enqueue, discard, expiry, and a single-flight in-order replay through `deliver`. No Apollo here:
 * `OutboxLink` wraps it (see the note at the top of this file).
 */
export class Outbox {
  /** Resolves once the stored entries are loaded (never rejects: a failed load is an `outbox-storage-error` event). */
  readonly ready: Promise<void>;
  private list: OutboxEntry[] = [];
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly storage: OutboxStorage;
  private readonly connectivity: Connectivity;
  private readonly lock: ReplayLock;
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  private readonly recordKey: RecordKeyFunction;
  private readonly now: () => number;
  private readonly generateId: () => string;
  private readonly unsubscribers: Array<() => void> = [];
  /** Storage steps run one after another, so a re-load never interleaves with a write of this tab. */
  private chain: Promise<unknown> = Promise.resolve();
  private flushing: Promise<FlushReport> | undefined;
  private inFlight: string | undefined;
  /** Resolves when the entry in flight has its verdict (`discard` of it waits for that). */
  private flight: Promise<void> = Promise.resolve();
  private landed: () => void = () => undefined;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private nextSeq = 0;
  private disposed = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private unreachableInARow = 0;
  /** Resolves on `dispose()`: a replay stops waiting for its request and releases the lock. */
  private readonly disposal: Promise<'disposed'>;
  private markDisposed: () => void = () => undefined;
  private readonly storageTimeoutMs: number;
  private readonly lockTimeoutMs: number;
  /** Storage calls under way: `dispose()` stops waiting for them. */
  private readonly pending = new Set<(error?: unknown) => void>();

  constructor(private readonly options: Outbox.Options) {
    if (!options || typeof options.deliver !== 'function')
      throw new TypeError('Outbox: `deliver` (entry => Promise<ReplayOutcome>) is required');
    this.storage = options.storage ?? defaultOutboxStorage();
    this.connectivity = options.connectivity ?? browserConnectivity();
    this.lock = options.lock ?? replayLock();
    this.maxAgeMs = typeof options.maxAgeMs === 'number' && options.maxAgeMs > 0 ? options.maxAgeMs : 86_400_000;
    this.maxEntries =
      typeof options.maxEntries === 'number' && options.maxEntries >= 1 ? Math.floor(options.maxEntries) : 100;
    this.recordKey = options.recordKey ?? defaultRecordKey;
    this.now = options.now ?? Date.now;
    this.generateId = options.generateId ?? randomId;
    this.storageTimeoutMs = timeoutOption(options.storageTimeoutMs, 10_000);
    this.lockTimeoutMs = timeoutOption(options.lockTimeoutMs, 60_000);
    this.disposal = new Promise((resolve) => (this.markDisposed = () => resolve('disposed')));
    this.ready = this.serial(() => this.reload(true)).then(() => {
      if (this.disposed) return;
      this.unsubscribers.push(this.connectivity.subscribe((online) => void (online && this.flush())));
      try {
        const unsubscribeStorage = this.storage.subscribe?.(() => void this.serial(() => this.reload(false)));
        if (unsubscribeStorage) this.unsubscribers.push(unsubscribeStorage);
      } catch (error) {
        // An adapter's bug: other tabs' changes are then seen at the re-load before each replay.
        reportCallbackError('storage.subscribe', this.storage, error);
      }
      if ((options.replayOnLoad ?? true) && this.list.length > 0) void this.flush();
    });
  }

  /** The queued entries, in replay order. */
  get entries(): ReadonlyArray<OutboxEntry> {
    return this.list.slice();
  }

  /**
   * Stores a mutation for replay; resolves once it is durable. `onSettled` hears how it ended (the
   * live caller); `detach()` stops listening and leaves the entry queued. Rejects with a
   * `ResilienceError`: `outbox-full`, `outbox-unserializable` (variables that are not JSON data),
   * `outbox-storage-failed`, `link-disposed`.
   */
  async enqueue(input: OutboxInput, onSettled?: Listener): Promise<{ entry: OutboxEntry; detach: () => void }> {
    await this.ready;
    return this.serial(async () => {
      if (this.disposed) throw this.disposedError();
      const operationName = String(input.operationName);
      let variables: Record<string, unknown>;
      try {
        variables = JSON.parse(JSON.stringify(input.variables ?? {})) as Record<string, unknown>;
      } catch {
        throw outboxError(
          'outbox-unserializable',
          `Outbox: the variables of ${operationName} are not JSON data and cannot be kept offline`,
        );
      }
      if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) variables = {};
      await this.expireNow();
      if (this.list.length >= this.maxEntries) {
        const waiting = `${this.list.length} changes are waiting for the network (maxEntries ${this.maxEntries})`;
        throw outboxError('outbox-full', `Outbox is full: ${waiting}; ${operationName} was not kept`, {
          size: this.list.length,
          maxEntries: this.maxEntries,
        });
      }
      let recordKey: string | undefined;
      try {
        recordKey = this.recordKey(operationName, variables);
      } catch (error) {
        reportCallbackError('recordKey', this.recordKey, error); // the write is then not serialized, never lost
      }
      const entry: OutboxEntry = {
        id: this.generateId(),
        operationName,
        query: String(input.query),
        variables,
        idempotencyKey:
          typeof input.idempotencyKey === 'string' && input.idempotencyKey ? input.idempotencyKey : this.generateId(),
        // Never before a change already waiting: a clock set back (NTP) must not reorder the user's changes.
        enqueuedAt: this.list.reduce((at, e) => Math.max(at, e.enqueuedAt), this.now()),
        seq: this.nextSeq++,
        attempts: 0,
        ...(typeof recordKey === 'string' ? { recordKey } : {}),
      };
      try {
        // A write that lands after its timeout is undone: the caller is told the change was not kept.
        await this.within(
          'write',
          () => this.storage.put(entry),
          () => this.storage.delete(entry.id),
        );
      } catch (error) {
        const message = (error as { message?: unknown } | null)?.message ?? String(error);
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a thrown non-Error is shown as its string form
        throw error instanceof ResilienceError ? error : storageError(`write failed: ${String(message)}`, error);
      }
      this.list.push(entry);
      this.list.sort(byReplayOrder);
      const detach = onSettled ? this.watch(entry.id, onSettled) : () => undefined;
      this.emit({ type: 'outbox-enqueue', operationName, at: this.now(), id: entry.id, size: this.list.length });
      this.changed();
      return { entry, detach };
    });
  }

  /** Listens for how an entry ends (e.g. a caller attached after a reload). Returns `detach`. */
  watch(id: string, onSettled: Listener): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(onSettled);
    return () => {
      const current = this.listeners.get(id);
      if (!current?.delete(onSettled)) return;
      if (current.size === 0) this.listeners.delete(id);
    };
  }

  /**
   * Removes an entry (the user gave up on the change); its caller fails with `outbox-discarded`.
   * Resolves `false` when there is no such entry. An entry being replayed right now waits for its
   * verdict: delivered or refused, its caller gets that and `discard` resolves `false` (the server
   * has it); no answer, it is discarded.
   */
  async discard(id: string): Promise<boolean> {
    await this.ready;
    for (;;) {
      if (this.inFlight === id) await this.flight;
      const done = await this.serial(async () => {
        if (this.inFlight === id) return undefined; // sent again meanwhile: wait for that verdict
        const entry = this.list.find((e) => e.id === id);
        if (!entry) return false;
        await this.within('delete', () => this.storage.delete(id));
        this.remove(id);
        this.emit({ type: 'outbox-discarded', operationName: entry.operationName, at: this.now(), id });
        const error = outboxError(
          'outbox-discarded',
          `The offline change ${entry.operationName} was discarded before it was sent`,
        );
        this.settle(entry, { status: 'discarded', entry, error });
        this.changed();
        return true;
      });
      if (done !== undefined) return done;
    }
  }

  /**
   * Replays the queue now, in order, one entry at a time, and resolves with what it did. Single
   * flight: a call while a replay runs returns that replay (which also takes entries queued meanwhile).
   * Does nothing while offline (`stopped: 'offline'`); waits for a replay another tab runs to end,
   * up to `lockTimeoutMs` (then `stopped: 'storage-failed'` and the backoff).
   */
  flush(): Promise<FlushReport> {
    if (this.disposed)
      return Promise.resolve({ delivered: 0, rejected: 0, remaining: this.list.length, stopped: 'disposed' });
    if (this.flushing) return this.flushing;
    this.clearRetry();
    const run = (async (): Promise<FlushReport> => {
      await this.ready;
      const report: FlushReport = { delivered: 0, rejected: 0, remaining: this.list.length };
      if (!this.connectivity.isOnline()) return { ...report, stopped: 'offline' };
      /** A storage step or the lock failed: an event; nothing is lost (the backoff tries again). */
      const failed = (what: string, error?: unknown): FlushReport => {
        this.storageFailed(`replay ${what}`, error);
        return { ...report, remaining: this.list.length, stopped: 'storage-failed' };
      };
      // Not granted within lockTimeoutMs (or disposed meanwhile): stop; a turn granted later is handed back at once.
      let settle: (report: FlushReport | undefined) => void = () => undefined;
      const gaveUp = new Promise<FlushReport | undefined>((resolve) => (settle = resolve));
      /** Ends the wait for the lock once (`undefined`: the turn came); false when it had already ended. */
      const stop = (ended?: FlushReport): boolean => {
        if (!this.pending.delete(onDispose)) return false;
        clearTimeout(timer);
        settle(ended);
        return true;
      };
      const onDispose = (): void => void stop({ ...report, remaining: this.list.length, stopped: 'disposed' });
      this.pending.add(onDispose);
      const timer = setTimeout(
        () => stop(failed(`lock not granted within ${this.lockTimeoutMs} ms`)),
        this.lockTimeoutMs,
      );
      (timer as { unref?: () => void }).unref?.();
      // (A custom lock that throws synchronously fails like one that rejects.)
      const locked = new Promise<FlushReport | undefined>((resolve) =>
        resolve(
          this.lock.run(async (): Promise<FlushReport | undefined> => {
            if (!stop()) return undefined;
            try {
              await this.serial(() => this.reload(false)); // the truth after another tab's replay
              return await this.replay(report);
            } catch (error) {
              // A storage step failed (the entry stays where it was: at worst it is sent again, same key).
              return failed('step', error);
            }
          }),
        ),
      )
        // The lock itself failed (a Web Lock refused in a sandboxed frame), unless already given up: nothing was sent.
        .catch((error: unknown) => (stop() ? failed('lock', error) : undefined));
      // Given up first, or the replay's own report once it started (it ends by itself: its steps are bounded).
      return (await Promise.race([gaveUp, locked])) ?? (await locked) ?? { ...report, stopped: 'storage-failed' };
    })()
      .then((report) => {
        this.afterFlush(report);
        return report;
      })
      .finally(() => {
        if (this.flushing === run) this.flushing = undefined;
      });
    this.flushing = run;
    return run;
  }

  /** Removes the entries older than `maxAgeMs` now (also done on load, enqueue, before each replay step, and by a timer). */
  async expire(): Promise<ReadonlyArray<OutboxEntry>> {
    await this.ready;
    return this.serial(() => this.expireNow());
  }

  /** Stops listening (connectivity, storage, the expiry timer); waiting callers fail with `link-disposed`. Entries stay in storage. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.markDisposed();
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    this.clearRetry();
    for (const stop of [...this.pending]) stop(this.disposedError());
    for (const entry of this.list) this.settle(entry, { status: 'disposed', entry, error: this.disposedError() });
    this.listeners.clear();
  }

  /**
   * A change just failed with no answer: replay it after the backoff, not at once on a server that
   * just failed (a backoff already pending, or a replay running, takes it in its turn).
   */
  backOff(): void {
    if (!this.backingOff && !this.flushing)
      this.afterFlush({ delivered: 0, rejected: 0, remaining: 0, stopped: 'unreachable' });
  }

  /** A replay waits for the `retryUnreachable` backoff. */
  get backingOff(): boolean {
    return this.retryTimer !== undefined;
  }

  /** Online but unreachable: try again on a backoff, since no `online` event will come. */
  private afterFlush(report: FlushReport): void {
    if (report.delivered > 0 || report.stopped === undefined) this.unreachableInARow = 0;
    const option = this.options.retryUnreachable ?? {};
    // A storage step that failed (or timed out) is tried again on the same backoff.
    if (
      (report.stopped !== 'unreachable' && report.stopped !== 'storage-failed') ||
      option === false ||
      this.disposed ||
      !this.connectivity.isOnline()
    )
      return;
    this.unreachableInARow += 1;
    const initial =
      typeof option.initialDelayMs === 'number' && option.initialDelayMs > 0 ? option.initialDelayMs : 5_000;
    const max = typeof option.maxDelayMs === 'number' && option.maxDelayMs > 0 ? option.maxDelayMs : 300_000;
    const base = Math.min(max, initial * 2 ** Math.min(this.unreachableInARow - 1, 30));
    const jitter = 1 + ((this.options.random ?? Math.random)() * 2 - 1) * 0.2;
    this.clearRetry();
    this.retryTimer = later(
      () => {
        this.retryTimer = undefined;
        void this.flush();
      },
      Math.round(Math.min(max, base * jitter)),
    );
    (this.retryTimer as { unref?: () => void }).unref?.();
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private async replay(report: FlushReport): Promise<FlushReport> {
    for (;;) {
      if (this.disposed) return { ...report, remaining: this.list.length, stopped: 'disposed' };
      await this.serial(() => this.expireNow());
      const head = this.list[0];
      if (!head) return { ...report, remaining: 0 };
      if (!this.connectivity.isOnline()) return { ...report, remaining: this.list.length, stopped: 'offline' };
      const entry = await this.serial(async () => {
        // Read again in the step: a discard or an expiry queued meanwhile removed it (never write it back).
        const current = this.list.find((e) => e.id === head.id);
        if (!current) return undefined;
        const started: OutboxEntry = { ...current, attempts: current.attempts + 1 };
        await this.within('write', () => this.storage.put(started)); // the attempt is durable before the request leaves
        this.replace(started);
        this.inFlight = started.id;
        this.flight = new Promise((resolve) => (this.landed = resolve));
        return started;
      });
      if (!entry) continue;
      this.emit({
        type: 'outbox-replay',
        operationName: entry.operationName,
        at: this.now(),
        id: entry.id,
        attempt: entry.attempts,
      });
      this.changed();
      let outcome: ReplayOutcome | 'disposed';
      try {
        // Settles for sure (never throws synchronously into the loop), and gives way to dispose().
        outcome = await Promise.race([Promise.resolve().then(() => this.options.deliver(entry)), this.disposal]);
      } catch (error) {
        outcome = {
          status: 'unreachable',
          classification: unexpectedError(error, 'Outbox deliver').classification,
        };
      }
      // Disposed mid-request: the entry stays stored (its attempt counted) for the next load.
      if (outcome === 'disposed') {
        this.land();
        return { ...report, remaining: this.list.length, stopped: 'disposed' };
      }
      const verdict = outcome;
      const stop = await this.serial(async () => {
        this.land(); // still in flight until here: neither expired nor discarded before its verdict
        const current = this.list.find((e) => e.id === entry.id);
        switch (verdict.status) {
          case 'delivered':
            if (current) await this.within('delete', () => this.storage.delete(entry.id));
            this.remove(entry.id);
            report.delivered += 1;
            this.emit({
              type: 'outbox-delivered',
              operationName: entry.operationName,
              at: this.now(),
              id: entry.id,
              result: verdict.result,
            });
            this.settle(entry, { status: 'delivered', entry, result: verdict.result });
            this.changed();
            return false;
          case 'rejected':
            if (current) await this.within('delete', () => this.storage.delete(entry.id));
            this.remove(entry.id);
            report.rejected += 1;
            this.emit({
              type: 'outbox-rejected',
              operationName: entry.operationName,
              at: this.now(),
              id: entry.id,
              classification: verdict.classification,
            });
            this.settle(entry, {
              status: 'rejected',
              entry,
              classification: verdict.classification,
              error: verdict.error ?? new ResilienceError(verdict.classification),
            });
            this.changed();
            return false;
          default: {
            const lastError = storedClassification(verdict.classification);
            if (current) {
              const kept: OutboxEntry = { ...current, lastError };
              await this.within('write', () => this.storage.put(kept));
              this.replace(kept);
              this.changed();
            }
            this.emit({
              type: 'outbox-unreachable',
              operationName: entry.operationName,
              at: this.now(),
              id: entry.id,
              classification: lastError,
            });
            // Discarded meanwhile: the next entry may go on; otherwise head-of-line, wait for the next trigger.
            return current !== undefined;
          }
        }
      });
      if (stop) return { ...report, remaining: this.list.length, stopped: 'unreachable' };
    }
  }

  private land(): void {
    this.inFlight = undefined;
    this.landed();
  }

  /** Event `outbox-storage-error` for `what` (failed with `error`, or `what` says why). */
  private storageFailed(what: string, error?: unknown): void {
    const detail = redact(String((error as { message?: unknown } | null)?.message ?? error));
    const { classification } =
      error instanceof ResilienceError
        ? error
        : storageError(error === undefined ? what : `${what} failed: ${detail}`, error);
    this.emit({ type: 'outbox-storage-error', operationName: undefined, at: this.now(), classification });
  }

  /** Reads the storage again: it is the truth (other tabs write to it). */
  private async reload(initial: boolean): Promise<void> {
    let loaded: OutboxEntry[];
    try {
      loaded = await this.within('load', () => this.storage.load());
    } catch (error) {
      this.storageFailed('load', error);
      return;
    }
    const valid: OutboxEntry[] = [];
    for (const raw of Array.isArray(loaded) ? loaded : []) {
      let decoded: OutboxEntry | { classification: Classification };
      try {
        decoded = decodeStoredEntry(typeof raw?.id === 'string' ? raw.id : '?', encodeStoredEntry(raw));
      } catch (error) {
        decoded = unexpectedError(error, 'Outbox entry'); // a custom adapter's hostile value: skipped
      }
      if ('classification' in decoded)
        this.emit({
          type: 'outbox-skipped',
          operationName: undefined,
          at: this.now(),
          classification: decoded.classification,
        });
      else {
        valid.push(decoded);
        if (decoded.seq >= this.nextSeq) this.nextSeq = decoded.seq + 1;
      }
    }
    valid.sort(byReplayOrder);
    const before = signature(this.list);
    const gone = this.list.filter((e) => e.id !== this.inFlight && !valid.some((v) => v.id === e.id));
    const inFlight = this.list.find((e) => e.id === this.inFlight);
    this.list = inFlight && !valid.some((v) => v.id === inFlight.id) ? [...valid, inFlight].sort(byReplayOrder) : valid;
    for (const entry of gone) {
      const error = outboxError(
        'outbox-removed-elsewhere',
        `The offline change ${entry.operationName} was replayed or discarded in another tab`,
      );
      this.settle(entry, { status: 'removed-elsewhere', entry, error });
    }
    await this.expireNow();
    if (initial || signature(this.list) !== before) this.changed();
  }

  private async expireNow(): Promise<OutboxEntry[]> {
    const now = this.now();
    const expired = this.list.filter((e) => e.id !== this.inFlight && now - e.enqueuedAt >= this.maxAgeMs);
    for (const entry of expired) {
      await this.within('delete', () => this.storage.delete(entry.id)).catch(() => undefined); // it is dropped from the replay either way
      this.remove(entry.id);
      this.emit({
        type: 'outbox-expired',
        operationName: entry.operationName,
        at: now,
        id: entry.id,
        ageMs: now - entry.enqueuedAt,
      });
      const message = `The offline change ${entry.operationName} waited longer than ${this.maxAgeMs} ms and was dropped`;
      this.settle(entry, {
        status: 'expired',
        entry,
        error: outboxError('outbox-expired', message, { ageMs: now - entry.enqueuedAt }),
      });
    }
    if (expired.length > 0) this.changed();
    else this.scheduleExpiry();
    return expired;
  }

  private scheduleExpiry(): void {
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    const oldest = this.list.find((e) => e.id !== this.inFlight);
    if (this.disposed || !oldest || !Number.isFinite(this.maxAgeMs)) return;
    const wait = Math.max(0, oldest.enqueuedAt + this.maxAgeMs - this.now());
    this.expiryTimer = later(() => {
      this.expiryTimer = undefined;
      void this.expire();
    }, wait);
    (this.expiryTimer as { unref?: () => void }).unref?.();
  }

  /**
   * A storage call, bounded: it fails with `outbox-storage-failed` after `storageTimeoutMs` (then
   * `late` runs if it succeeds after all), or with `link-disposed` on `dispose()`.
   */
  private within<T>(what: string, call: () => Promise<T>, late?: () => Promise<unknown>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const started = new Promise<T>((r) => r(call())); // a synchronous throw is a failure too
      const stop = (error?: unknown) => {
        clearTimeout(timer);
        this.pending.delete(stop);
        if (error) reject(error);
      };
      const timer = setTimeout(() => {
        stop(storageError(`${what} did not finish within ${this.storageTimeoutMs} ms`));
        if (late) started.then(late).catch(() => undefined);
      }, this.storageTimeoutMs);
      (timer as { unref?: () => void }).unref?.();
      this.pending.add(stop);
      started.then(
        (value) => (stop(), resolve(value)),
        (error: unknown) => (stop(), reject(error)),
      );
    });
  }

  private serial<T>(step: () => Promise<T>): Promise<T> {
    const next = this.chain.then(step, step);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private remove(id: string): void {
    this.list = this.list.filter((e) => e.id !== id);
  }

  private replace(entry: OutboxEntry): void {
    this.list = this.list.map((e) => (e.id === entry.id ? entry : e));
  }

  private settle(entry: OutboxEntry, settlement: OutboxSettlement): void {
    const set = this.listeners.get(entry.id);
    if (!set) return;
    this.listeners.delete(entry.id);
    for (const listener of set) notify('outbox settlement', listener, settlement);
  }

  private changed(): void {
    if (!this.disposed) this.scheduleExpiry();
    notify('onChange', this.options.onChange, this.list.slice());
  }

  private emit(event: OutboxEvent): void {
    notify('onEvent', this.options.onEvent, event);
  }

  private disposedError(): ResilienceError {
    return outboxError('link-disposed', 'The outbox was disposed; its entries stay stored for the next load');
  }
}
