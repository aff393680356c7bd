// The public contract, and nothing else: each link, the combined link, the classifier and its UI
// helper, the token manager and token source, and the types they take and emit. Pure helpers
// stay on their subpath entries (`apollo-link-resilience/retry`, `/etag`, …).
export { classifyError } from './classify/classifyError.js';
export { ErrorClassifyLink } from './classify/ErrorClassifyLink.js';
export { getClassifications } from './classify/getClassifications.js';
export { ResilienceError } from './classify/annotations.js';
export type {
  Category,
  Classification,
  ClassificationDetails,
  ClassificationPatch,
  ClassificationProfile,
  ClassificationRule,
  ClassifyOptions,
  ErrorFacts,
  Reason,
  Remediation,
  Remediations,
  RuleMatcher,
} from './classify/types.js';

export { RetryBackoffLink } from './retry/RetryBackoffLink.js';
export type { CircuitBreakerOptions, CircuitState } from './retry/circuitBreaker.js';
export type { RetryBudgetOptions } from './retry/retryBudget.js';
export type { MutationRetryMode } from './retry/retryDecision.js';
export type { Connectivity } from './offline/connectivity.js';

export { AuthRefreshLink } from './auth/AuthRefreshLink.js';
export { TokenManager } from './auth/TokenManager.js';
export { clientCredentials } from './auth/clientCredentials.js';
export type { ClientCredentialsOptions, TokenSource } from './auth/clientCredentials.js';
export type { BroadcastChannelLike, CrossTabOptions, LockManagerLike } from './auth/crossTab.js';

export { EtagConflictLink } from './etag/EtagConflictLink.js';
export type { FieldConflict } from './etag/threeWayMerge.js';

export { createResilienceLink } from './createResilienceLink.js';
export type { ResilienceLink, ResilienceLinkOptions } from './createResilienceLink.js';

export type {
  AuthFailureEvent,
  CircuitCloseEvent,
  CircuitHalfOpenEvent,
  CircuitOpenEvent,
  ConflictEvent,
  EventListener,
  GiveUpEvent,
  GiveUpReason,
  PausedEvent,
  ReapplyEvent,
  RefreshFailureEvent,
  RefreshReason,
  RefreshStartEvent,
  RefreshSuccessEvent,
  RereadEvent,
  ResilienceEvent,
  ResilienceEventBase,
  ResilienceEventType,
  ResumedEvent,
  RetryEvent,
} from './core/events.js';
