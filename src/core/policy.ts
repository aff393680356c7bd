// The one interface the behaviours compose through (as urql's exchanges and cockatiel's `wrap`):
// a policy runs one operation, sending it down the rest of the chain as often as it decides,
// and hands what the app should see to its sink. No policy knows another.
import type { LinkForward, LinkOperation, ResultLike, SubscriptionLike } from '../compat/index.js';

/** Where a policy delivers what the app (or the policy above) should see. */
export interface Sink {
  next(result: ResultLike): void;
  error(error: unknown): void;
  complete(): void;
}

/** The rest of the chain below a policy: the policies after it, then the next link. */
export interface Downstream {
  /** Sends `operation` down the rest of the chain; its results go to `sink`. */
  send(operation: LinkOperation, sink: Sink): SubscriptionLike;
  /** The rest of the chain as a link's `forward` (for requests built with `executeForward`). */
  readonly forward: LinkForward;
}

export interface Policy {
  /**
   * Runs one operation. `context` is the operation's context as the executor read it (AC4 returns
   * a frozen copy; never mutate it), read again when a policy above changed its headers.
   * A policy with nothing to do returns `next.send(operation, sink)`.
   */
  run(
    operation: LinkOperation,
    context: Readonly<Record<string, unknown>>,
    next: Downstream,
    sink: Sink,
  ): SubscriptionLike;
  /** Stops what the policy holds beyond its operations (a channel, a refresh timer). */
  dispose?(): void;
}

/** A subscription with nothing to stop. */
export const NOTHING: SubscriptionLike = { unsubscribe: () => undefined };
