// `apollo-link-resilience/offline`: the mutation outbox, its storage adapters and connectivity sources.
export { OutboxLink } from './OutboxLink.js';
export type { OutboxMutations } from './outboxDecisions.js';
export type {
  FlushReport,
  OutboxDeliveredEvent,
  OutboxDiscardedEvent,
  OutboxEnqueueEvent,
  OutboxEntry,
  OutboxErrorReason,
  OutboxEvent,
  OutboxExpiredEvent,
  OutboxRejectedEvent,
  OutboxReplayEvent,
  OutboxSkippedEvent,
  OutboxStorageErrorEvent,
  OutboxUnreachableEvent,
  StoredClassification,
} from './outbox.js';
export {
  OUTBOX_FORMAT_VERSION,
  decodeStoredEntry,
  encodeStoredEntry,
  indexedDbStorage,
  localStorageStorage,
  memoryStorage,
  replayLock,
  storageError,
} from './storage.js';
export type {
  IndexedDbOptions,
  LocalStorageOptions,
  OutboxStorage,
  ReplayLock,
  ReplayLockManager,
  ReplayLockOptions,
  SkippedEntry,
  StorageAdapterOptions,
  StorageEventTarget,
  StorageLike,
} from './storage.js';
export { browserConnectivity, manualConnectivity } from './connectivity.js';
export type {
  BrowserConnectivityOptions,
  Connectivity,
  ConnectivityTarget,
  ManualConnectivity,
} from './connectivity.js';
