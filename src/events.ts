import { notify } from './guard.js';

/** Every link's events share this shape: `{ type, operationName, at, ...details }`. */
export interface ResilienceEvent {
  /** `retry`, `give-up`, `circuit-open`, `circuit-half-open`, `circuit-close`, `refresh-start`, `refresh-success`, `refresh-failure`, `auth-failure`, `conflict`, `reread`, `reapply`… */
  type: string;
  /** The operation the event is about (`undefined` for link-wide events such as the circuit). */
  operationName: string | undefined;
  /** `Date.now()` when it happened. */
  at: number;
  [detail: string]: unknown;
}

export type EventListener = (event: ResilienceEvent) => void;

/** Builds an event and hands it to the user's listener (guarded: a throwing listener never affects the operation). */
export function emit(listener: EventListener | undefined, type: string, operationName: string | undefined, details: Record<string, unknown> = {}): ResilienceEvent {
  const event: ResilienceEvent = { ...details, type, operationName, at: Date.now() };
  notify('onEvent', listener, event);
  return event;
}
