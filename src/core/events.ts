// Every event the links emit: one interface per `type`, one union, one guarded `notify`.
import type { Classification } from '../classify/types.js';
import { notify } from '../guard.js';
import type { OutboxEvent } from '../offline/outbox.js';

/** What every event carries. */
export interface ResilienceEventBase {
  /** The operation the event is about (`undefined` for link-wide events such as the circuit). */
  operationName: string | undefined;
  /** `Date.now()` when it happened. */
  at: number;
  /** Fields of other event types read as `unknown` (narrow on `type` to get the typed ones). */
  readonly [detail: string]: unknown;
}

/** Why an operation stopped retrying (`give-up`). */
export type GiveUpReason =
  | 'not-retryable'
  | 'max-attempts'
  | 'unsafe-mutation'
  | 'deadline'
  | 'deadline-passed'
  | 'circuit-open'
  | 'budget-exhausted'
  | 'abort'
  | 'offline';

/** A failed attempt will be retried after `delayMs`. */
export interface RetryEvent extends ResilienceEventBase {
  type: 'retry';
  /** The attempt about to be sent (2 for the first retry). */
  attempt: number;
  delayMs: number;
  /** What the failed attempt ended with. */
  classification: Classification;
  /** A partial result (data and only retryable errors) is retried, on its own short schedule. */
  partial?: boolean;
}

/** An operation stopped retrying: its last failure goes to the app. */
export interface GiveUpEvent extends ResilienceEventBase {
  type: 'give-up';
  /** Attempts made (0: none was sent), or re-apply rounds for the etag link. */
  attempt: number;
  reason: GiveUpReason;
  classification?: Classification;
  /** The etag link's abort: the fields both writers changed. */
  conflicts?: string[];
}

interface CircuitEventBase extends ResilienceEventBase {
  state: 'open' | 'half-open' | 'closed';
  previous: 'open' | 'half-open' | 'closed';
  /** The cap of the probe schedule (`circuitBreaker.cooldownMs`). */
  cooldownMs: number | undefined;
  /** When the next half-open probe may go (epoch ms); on `circuit-close`, none. */
  nextProbeAt?: number;
}
/** The circuit opened: new operations fail fast until a probe succeeds; the probe is due at `nextProbeAt`. */
export interface CircuitOpenEvent extends CircuitEventBase {
  type: 'circuit-open';
  state: 'open';
  /** When the probe is due (epoch ms): ~1 s after the first opening, doubling per failed probe, capped by `cooldownMs`. */
  nextProbeAt: number;
}
/** The probe is due (since `nextProbeAt`, epoch ms): the operation being admitted now is the one trial request. */
export interface CircuitHalfOpenEvent extends CircuitEventBase {
  type: 'circuit-half-open';
  state: 'half-open';
  nextProbeAt: number;
}
/** The circuit closed (a probe succeeded, or `resetCircuit()`): a good moment to refetch. */
export interface CircuitCloseEvent extends CircuitEventBase {
  type: 'circuit-close';
  state: 'closed';
}

/** Why a refresh runs: the token is about to expire, the server rejected it, or there is none yet. */
export type RefreshReason = 'expiring' | 'rejected' | 'missing';

export interface RefreshStartEvent extends ResilienceEventBase {
  type: 'refresh-start';
  reason: RefreshReason;
  /** Operations waiting for the token. */
  waiting: number;
}
export interface RefreshSuccessEvent extends ResilienceEventBase {
  type: 'refresh-success';
  reason: RefreshReason;
  source: 'this-tab' | 'other-tab';
  durationMs: number;
  waiting: number;
}
export interface RefreshFailureEvent extends ResilienceEventBase {
  type: 'refresh-failure';
  reason: RefreshReason;
  durationMs: number;
  waiting: number;
  classification: Classification;
}
/** A failure no new token fixes (or a failed refresh): the app should sign the user in again. */
export interface AuthFailureEvent extends ResilienceEventBase {
  type: 'auth-failure';
  classification: Classification;
}

/** A configured mutation met a 409 / etag mismatch. */
export interface ConflictEvent extends ResilienceEventBase {
  type: 'conflict';
  attempt: number;
  classification: Classification;
}
/** The entity was re-read (and written to the cache). */
export interface RereadEvent extends ResilienceEventBase {
  type: 'reread';
  attempt: number;
  durationMs: number;
  updatedBy?: unknown;
  modifiedBy?: unknown;
  updatedAt?: unknown;
  modifiedAt?: unknown;
}
/** The user's change was re-applied on the latest state and is sent again. */
export interface ReapplyEvent extends ResilienceEventBase {
  type: 'reapply';
  attempt: number;
  /** Fields where the other writer's value was kept. */
  keptTheirs: string[];
  conflicts: string[];
  etagChanged: boolean;
}

/** Every event of every link, discriminated by `type`. */
export type ResilienceEvent =
  | RetryEvent
  | PausedEvent
  | ResumedEvent
  | GiveUpEvent
  | CircuitOpenEvent
  | CircuitHalfOpenEvent
  | CircuitCloseEvent
  | RefreshStartEvent
  | RefreshSuccessEvent
  | RefreshFailureEvent
  | AuthFailureEvent
  | ConflictEvent
  | RereadEvent
  | ReapplyEvent
  | OutboxEvent;

export type ResilienceEventType = ResilienceEvent['type'];

/** An event of one type, by its `type`. */
export type EventOf<T extends ResilienceEventType> = Extract<ResilienceEvent, { type: T }>;

/** What an event carries besides `type`, `operationName` and `at`. */
export type EventDetails<T extends ResilienceEventType> = Omit<EventOf<T>, 'type' | 'operationName' | 'at'>;

export type EventListener = (event: ResilienceEvent) => void;

/** Builds an event and hands it to the listener through the guarded `notify` (a throw never reaches the operation). */
export function emit<T extends ResilienceEventType>(
  listener: EventListener | undefined,
  type: T,
  operationName: string | undefined,
  details: EventDetails<T>,
): EventOf<T> {
  const event = { ...details, type, operationName, at: Date.now() } as unknown as EventOf<T>;
  notify('onEvent', listener, event);
  return event;
}

/** Two listeners as one, each guarded on its own (one that throws does not keep the event from the other). */
export function bothListeners(
  first: EventListener | undefined,
  second: EventListener | undefined,
): EventListener | undefined {
  if (!first || !second) return first ?? second;
  return (event) => {
    notify('onEvent', first, event);
    notify('onEvent', second, event);
  };
}

/**
 * The device is offline (the retry policy's `connectivity`): a network failure that would be
 * retried waits for the network instead, without spending an attempt, the retry budget or the circuit.
 */
export interface PausedEvent extends ResilienceEventBase {
  type: 'paused';
  /** The attempt that failed offline (it does not count against `maxAttempts`). */
  attempt: number;
  /** What it ended with. */
  classification: Classification;
  /** Operations of the link paused now, this one included. */
  waiting: number;
}
/** The network returned: a paused operation is sent again (a burst is spread over about a second). */
export interface ResumedEvent extends ResilienceEventBase {
  type: 'resumed';
  /** The attempt about to be sent. */
  attempt: number;
  /** Time spent paused by this operation, over all its pauses. */
  pausedMs: number;
}
