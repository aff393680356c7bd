// Where the outbox keeps mutations made offline, so that they survive a reload or a crash.
//
// Crash safety: every write is one atomic step on one entry (one `setItem`, one IndexedDB
// transaction) — there is no "read all, change, write all" that a crash or a second tab could cut
// in half. The outbox writes an entry before the caller is told it is queued and deletes it only
// after the server answered; a crash in between replays it on the next load with its original
// idempotency key, which the server uses to apply it once.
//
// Two tabs share one storage (same origin, same key or database). Both see every entry (the
// `storage` event for localStorage; a re-load before each replay for both). `replayLock` makes the
// tabs replay one after another (a Web Lock where the browser has one), each re-loading first, so an
// entry one tab sent is gone before the next tab's turn. Without Web Locks two tabs may send the same
// entry: the shared idempotency key still makes the server apply it once, so the lock saves requests,
// not correctness.
import { ResilienceError } from '../classify/annotations.js';
import type { Classification } from '../classify/types.js';
import type { OutboxEntry, StoredClassification } from './outbox.js';

/** The version of the stored entry format; entries of other versions are skipped, never deleted. */
export const OUTBOX_FORMAT_VERSION = 1;

/**
 * Persistent storage of outbox entries. Each method touches one entry atomically, so a crash between
 * two calls never loses or half-writes an entry. Adapters reject with a `ResilienceError` when the
 * store itself is unusable (private mode, quota, blocked database).
 */
export interface OutboxStorage {
  /** Every readable entry, in any order (the outbox sorts). Unreadable ones are skipped and reported, never thrown. */
  load(): Promise<OutboxEntry[]>;
  /** Writes (adds or replaces) one entry; resolves once it is durable. */
  put(entry: OutboxEntry): Promise<void>;
  /** Deletes one entry; deleting an absent id is not an error. */
  delete(id: string): Promise<void>;
  /** Calls `listener` when another tab changed the stored entries (optional). Returns the unsubscribe function. */
  subscribe?(listener: () => void): () => void;
  /** Releases what the adapter holds (a database connection). Optional. */
  close?(): void;
}

/** A stored record that could not be read, reported through `onSkip` and left in place. */
export interface SkippedEntry {
  /** The storage key (localStorage) or the record id (IndexedDB). */
  key: string;
  /** `unparseable` (not JSON), `unsupported-version` (another version of this package), `invalid-entry` (a field missing or of the wrong type, or an id other than the one it is stored under). */
  problem: 'unparseable' | 'unsupported-version' | 'invalid-entry';
  classification: Classification;
}

export interface StorageAdapterOptions {
  /** Called for each stored record that cannot be read; the record is skipped and kept. @defaultValue none */
  onSkip?: (skipped: SkippedEntry) => void;
}

/** The classified error an adapter rejects with when the store itself fails. */
export function storageError(message: string, cause?: unknown): ResilienceError {
  return new ResilienceError(
    {
      category: 'network',
      reason: 'outbox-storage-failed',
      message: `Outbox storage: ${message}`,
      retryable: false,
      refreshable: false,
      remediation:
        'The change could not be kept on this device (storage is full, blocked or disabled); reconnect and save it again.',
    },
    cause === undefined ? undefined : { cause },
  );
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

function skipped(key: string, problem: SkippedEntry['problem'], detail: string): SkippedEntry {
  return {
    key,
    problem,
    classification: {
      category: 'bad-request',
      reason: 'outbox-entry-unreadable',
      message: `Outbox entry ${key} was skipped (${problem}): ${detail}`,
      retryable: false,
      refreshable: false,
      remediation: 'A stored offline change could not be read and was left untouched; it will not be replayed.',
      details: { key, problem },
    },
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;
const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const optionalText = (value: unknown) => value === undefined || typeof value === 'string';

function readLastError(value: unknown): StoredClassification | undefined | false {
  if (value === undefined) return undefined;
  if (!isRecord(value) || typeof value.category !== 'string' || typeof value.message !== 'string') return false;
  if (
    !optionalText(value.reason) ||
    !optionalText(value.code) ||
    (value.status !== undefined && typeof value.status !== 'number')
  )
    return false;
  return {
    category: value.category as StoredClassification['category'],
    message: value.message,
    ...(value.reason !== undefined ? { reason: value.reason } : {}),
    ...(value.status !== undefined ? { status: value.status } : {}),
    ...(value.code !== undefined ? { code: value.code } : {}),
  };
}

/**
 * Validates a stored record (`{ v, entry }`) and returns the entry, copied field by field (a foreign
 * field never comes back), or why it was skipped. Custom adapters use it to read their own records.
 * @param id the id the record is stored under, when it has one: an entry of another id is skipped
 * (`invalid-entry`), since `delete(entry.id)` could never remove it and it would be replayed on every load.
 */
export function decodeStoredEntry(key: string, record: unknown, id?: string): OutboxEntry | SkippedEntry {
  if (!isRecord(record)) return skipped(key, 'invalid-entry', 'not an object');
  if (record.v !== OUTBOX_FORMAT_VERSION)
    return skipped(
      key,
      'unsupported-version',
      `format version ${JSON.stringify(record.v) ?? 'missing'}, expected ${OUTBOX_FORMAT_VERSION}`,
    );
  const e = record.entry;
  if (!isRecord(e)) return skipped(key, 'invalid-entry', 'no entry');
  const bad = (field: string) => skipped(key, 'invalid-entry', `field ${field} is missing or invalid`);
  if (!isText(e.id) || (id !== undefined && e.id !== id)) return bad('id');
  if (!isText(e.operationName)) return bad('operationName');
  if (!isText(e.query)) return bad('query');
  if (!isRecord(e.variables)) return bad('variables');
  if (!isText(e.idempotencyKey)) return bad('idempotencyKey');
  if (typeof e.enqueuedAt !== 'number' || !Number.isFinite(e.enqueuedAt)) return bad('enqueuedAt');
  if (!isCount(e.seq)) return bad('seq');
  if (!isCount(e.attempts)) return bad('attempts');
  if (!optionalText(e.recordKey)) return bad('recordKey');
  const lastError = readLastError(e.lastError);
  if (lastError === false) return bad('lastError');
  return {
    id: e.id,
    operationName: e.operationName,
    query: e.query,
    variables: e.variables,
    idempotencyKey: e.idempotencyKey,
    enqueuedAt: e.enqueuedAt,
    seq: e.seq,
    attempts: e.attempts,
    ...(e.recordKey !== undefined ? { recordKey: e.recordKey } : {}),
    ...(lastError ? { lastError } : {}),
  };
}

function isSkipped(value: OutboxEntry | SkippedEntry): value is SkippedEntry {
  return 'problem' in value;
}

/** The record an adapter stores for an entry. */
export function encodeStoredEntry(entry: OutboxEntry): { v: number; entry: OutboxEntry } {
  return { v: OUTBOX_FORMAT_VERSION, entry };
}

function report(options: StorageAdapterOptions, skip: SkippedEntry): void {
  try {
    options.onSkip?.(skip);
  } catch {
    // a reporting callback never breaks loading
  }
}

/**
 * Keeps entries in memory (Node, SSR, tests): they do not survive the process. Entries are copied
 * through JSON on the way in and out, exactly as a persistent adapter would, so a caller that changes
 * its variables object after enqueueing does not change the queued mutation.
 */
export function memoryStorage(): OutboxStorage & { readonly size: number } {
  const records = new Map<string, string>();
  return {
    get size() {
      return records.size;
    },
    load: async () => [...records.values()].map((text) => (JSON.parse(text) as { entry: OutboxEntry }).entry),
    put: async (entry) => void records.set(entry.id, JSON.stringify(encodeStoredEntry(entry))),
    delete: async (id) => void records.delete(id),
  };
}

/** The subset of the Web Storage API (`localStorage`) the adapter uses. */
export interface StorageLike {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Where the adapter listens for other tabs' `storage` events. */
export interface StorageEventTarget {
  addEventListener(type: 'storage', listener: (event: { key: string | null }) => void): void;
  removeEventListener(type: 'storage', listener: (event: { key: string | null }) => void): void;
}

export interface LocalStorageOptions extends StorageAdapterOptions {
  /** The Web Storage to use. @defaultValue `globalThis.localStorage` (read lazily; its absence or a SecurityError rejects each call with a classified error) */
  storage?: StorageLike;
  /** Where other tabs' `storage` events arrive. @defaultValue `globalThis` when it has `addEventListener` */
  events?: StorageEventTarget;
}

/**
 * Keeps entries in `localStorage`, one key per entry (`<key>:<id>`, JSON `{ v: 1, entry }`), so that
 * each write is one atomic `setItem` and two tabs writing at once never overwrite each other's
 * entries. Records that are not JSON, of another format version, missing fields or holding an entry
 * whose id is not the one in their key are skipped and reported through `onSkip`, never deleted and
 * never thrown. Quota and private-mode failures reject with a `network` / `outbox-storage-failed`
 * `ResilienceError`.
 * @param key the prefix of this outbox's keys. @defaultValue 'apollo-link-resilience:outbox'
 */
export function localStorageStorage(
  key = 'apollo-link-resilience:outbox',
  options: LocalStorageOptions = {},
): OutboxStorage {
  const prefix = `${key}:`;
  const store = (): StorageLike => {
    let storage: StorageLike | undefined;
    try {
      storage = options.storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
    } catch (error) {
      throw storageError('localStorage is not accessible', error);
    }
    if (!storage) throw storageError('localStorage is not available here');
    return storage;
  };
  const attempt = <T>(what: string, fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(
        error instanceof ResilienceError ? error : storageError(`${what} failed: ${messageOf(error)}`, error),
      );
    }
  };
  // The assertion is needed under the DOM lib's Window typing (tsc), though the linter's view of it differs.
  const events =
    options.events ??
    (typeof (globalThis as Partial<StorageEventTarget>).addEventListener === 'function'
      ? // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
        (globalThis as unknown as StorageEventTarget)
      : undefined);
  return {
    load: () =>
      attempt('load', () => {
        const storage = store();
        const keys: string[] = [];
        for (let i = 0; i < storage.length; i++) {
          const k = storage.key(i);
          if (k !== null && k.startsWith(prefix)) keys.push(k);
        }
        const entries: OutboxEntry[] = [];
        for (const k of keys) {
          const text = storage.getItem(k);
          if (text === null) continue; // removed by another tab meanwhile
          let record: unknown;
          try {
            record = JSON.parse(text);
          } catch {
            report(options, skipped(k, 'unparseable', 'not JSON'));
            continue;
          }
          const decoded = decodeStoredEntry(k, record, k.slice(prefix.length));
          if (isSkipped(decoded)) report(options, decoded);
          else entries.push(decoded);
        }
        return entries;
      }),
    put: (entry) =>
      attempt('write', () => store().setItem(prefix + entry.id, JSON.stringify(encodeStoredEntry(entry)))),
    delete: (id) => attempt('delete', () => store().removeItem(prefix + id)),
    subscribe: events
      ? (listener) => {
          const onStorage = (event: { key: string | null }) => {
            if (event.key === null || event.key.startsWith(prefix)) listener();
          };
          events.addEventListener('storage', onStorage);
          return () => events.removeEventListener('storage', onStorage);
        }
      : undefined,
  };
}

export interface IndexedDbOptions extends StorageAdapterOptions {
  /** The IndexedDB factory. @defaultValue `globalThis.indexedDB` (its absence rejects each call with a classified error) */
  indexedDB?: IDBFactory;
}

const STORE = 'entries';

function settle<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

/**
 * Keeps entries in IndexedDB (database `name`, object store `entries`, one record per entry keyed by
 * id). A write resolves when its transaction has committed. The connection is opened on first use
 * and closed when another tab upgrades the database (`versionchange`), then reopened on the next
 * call; `close()` releases it. Unreadable records are skipped and reported through `onSkip`.
 * @param name the database name. @defaultValue 'apollo-link-resilience-outbox'
 */
export function indexedDbStorage(
  name = 'apollo-link-resilience-outbox',
  options: IndexedDbOptions = {},
): OutboxStorage {
  let connection: Promise<IDBDatabase> | undefined;
  const open = (): Promise<IDBDatabase> => {
    if (connection) return connection;
    const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (!factory) return Promise.reject(storageError('IndexedDB is not available here'));
    const opening: Promise<IDBDatabase> = new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(name); // the current version: a newer one another tab created still has our store
      request.onupgradeneeded = () => {
        if (!request.result.objectStoreNames.contains(STORE))
          request.result.createObjectStore(STORE, { keyPath: 'id' });
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab upgrades the database: let it, and reopen on the next call.
        db.onversionchange = () => {
          db.close();
          if (connection === opening) connection = undefined;
        };
        resolve(db);
      };
      request.onerror = () => reject(request.error);
    }).catch((error: unknown) => {
      if (connection === opening) connection = undefined;
      throw storageError(`cannot open database ${name}: ${messageOf(error)}`, error);
    });
    connection = opening;
    return opening;
  };
  const run = async <T>(
    what: string,
    mode: IDBTransactionMode,
    work: (store: IDBObjectStore) => Promise<T> | T,
  ): Promise<T> => {
    const db = await open();
    try {
      const tx = db.transaction(STORE, mode);
      const done = committed(tx);
      const value = await work(tx.objectStore(STORE));
      await done;
      return value;
    } catch (error) {
      throw error instanceof ResilienceError ? error : storageError(`${what} failed: ${messageOf(error)}`, error);
    }
  };
  return {
    load: () =>
      run('load', 'readonly', async (store) => {
        const records = await settle(store.getAll());
        const entries: OutboxEntry[] = [];
        for (const record of records as unknown[]) {
          const id = isRecord(record) && typeof record.id === 'string' ? record.id : '?';
          const decoded = decodeStoredEntry(id, record, id);
          if (isSkipped(decoded)) report(options, decoded);
          else entries.push(decoded);
        }
        return entries;
      }),
    put: (entry) => run('write', 'readwrite', (store) => void store.put({ id: entry.id, ...encodeStoredEntry(entry) })),
    delete: (id) => run('delete', 'readwrite', (store) => void store.delete(id)),
    close: () => {
      const current = connection;
      connection = undefined;
      void current?.then(
        (db) => db.close(),
        () => undefined,
      );
    },
  };
}

/**
 * The outbox's storage when none is given: `localStorage` where it exists and works (a browser
 * window), memory otherwise (Node, SSR, a worker, a private mode that forbids storage).
 */
export function defaultOutboxStorage(): OutboxStorage {
  try {
    const storage = (globalThis as { localStorage?: StorageLike }).localStorage;
    if (storage) {
      const probe = 'apollo-link-resilience:probe';
      storage.setItem(probe, '1');
      storage.removeItem(probe);
      return localStorageStorage();
    }
  } catch {
    // private mode or disabled storage: memory
  }
  return memoryStorage();
}

/** The subset of the Web Locks API the replay lock uses. */
export interface ReplayLockManager {
  request<T>(name: string, options: { mode: 'exclusive' }, callback: () => Promise<T>): Promise<T>;
}

/** One replay at a time: across tabs with Web Locks, within this JavaScript realm without. */
export interface ReplayLock {
  /** Runs `task` holding the lock, after any replay that holds it now (in this tab or another) has ended. */
  run<T>(task: () => Promise<T>): Promise<T>;
}

export interface ReplayLockOptions {
  /** Web Locks. @defaultValue `navigator.locks` where it exists; otherwise a lock within this realm only */
  locks?: ReplayLockManager;
}

/** Realm-local queues by lock name: two outboxes of one page (two clients) on one storage take turns. */
const localTurns = new Map<string, Promise<unknown>>();

/**
 * The lock around one replay of the outbox. A replay waits for its turn rather than skipping, and
 * re-loads the storage once it holds the lock: whatever another tab already sent is gone by then,
 * and whatever it did not see (an entry this tab queued meanwhile) is replayed now.
 *
 * With Web Locks (`navigator.locks`) the turns span every tab of the origin. Without them only this
 * realm is covered: two tabs may both send an entry, and its idempotency key makes the server apply it
 * once. A replay holds the lock while its request runs: `OutboxLink`'s `replayTimeoutMs` (and the
 * retry policy's attempt timeout and deadline before it) bound every request a replay makes.
 * @param name the lock name; outboxes sharing a storage must share it. @defaultValue 'apollo-link-resilience:outbox'
 */
export function replayLock(name = 'apollo-link-resilience:outbox', options: ReplayLockOptions = {}): ReplayLock {
  const locks = options.locks ?? (globalThis as { navigator?: { locks?: ReplayLockManager } }).navigator?.locks;
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      if (locks) return locks.request(name, { mode: 'exclusive' }, task);
      const previous = localTurns.get(name) ?? Promise.resolve();
      const mine = previous.then(task, task);
      const settled = mine.then(
        () => undefined,
        () => undefined,
      );
      localTurns.set(name, settled);
      void settled.then(() => {
        if (localTurns.get(name) === settled) localTurns.delete(name);
      });
      return mine;
    },
  };
}
