// What happens after a failed attempt, as a pure function of what is known: the link only acts on it.
import type { Classification } from '../classify/types.js';
import type { GiveUpReason } from '../core/events.js';
import type { OperationType } from '../compat/index.js';
import { nextDelay, type BackoffOptions } from './backoff.js';
import { mayRetryMutation, type MutationRetryMode } from './retryDecision.js';

export interface RetryFacts {
  /** How the failed attempt ended. */
  classification: Classification;
  /** Whether `retryIf` (or, without one, `classification.retryable`) wants a retry. */
  wanted: boolean;
  /** The attempt that failed, from 1. */
  attempt: number;
  kind: OperationType;
  /** The attempt was a partial result (data and only retryable errors): its own short delay applies. */
  partial: boolean;
  /** The operation is marked idempotent (`context.idempotent`), and whether it carries an idempotency key. */
  idempotent: boolean;
  keyed: boolean;
  /** `Date.now()` and the operation's deadline (`Infinity`: none). */
  now: number;
  deadlineAt: number;
  /** This operation is the circuit's half-open probe, or the circuit is no longer closed. */
  circuitBlocks: boolean;
  /** The connectivity source says the device is offline. @defaultValue false */
  offline?: boolean;
  /** Data from an earlier attempt waits to be shown (a partial result held for a retry). @defaultValue false */
  held?: boolean;
}

export interface RetrySchedule extends BackoffOptions {
  maxAttempts: number;
  respectRetryAfter: boolean;
  maxRetryAfterMs: number;
  mutations: MutationRetryMode;
  partialRetryDelayMs: number;
}

/**
 * `{ delayMs }`: retry after that wait; `{ giveUp }`: stop, and say why; `{ answer: true }`: the
 * failure is the operation's answer (a 404, a 422 on the first attempt), not a give-up;
 * `{ pause: true }`: the device is offline, wait for the network (the failed attempt is not spent).
 */
export type RetryDecision = { delayMs: number } | { giveUp: GiveUpReason } | { answer: true } | { pause: true };

/** The delay before a retry: `Retry-After` when respected, a partial result's short delay, or the backoff. */
export function retryDelay(
  facts: Pick<RetryFacts, 'attempt' | 'partial' | 'classification'>,
  schedule: RetrySchedule,
  random?: () => number,
): number {
  const retryAfterMs = facts.classification.details?.retryAfterMs;
  if (facts.partial && !(schedule.respectRetryAfter && typeof retryAfterMs === 'number'))
    return schedule.partialRetryDelayMs;
  return nextDelay(facts.attempt, retryAfterMs, schedule, random);
}

/**
 * Decides what follows a failed attempt. The retry budget is not consulted here (taking a retry
 * from it is a side effect): the link asks it last, for a `{ delayMs }` decision.
 *
 * Offline: a wanted `network` failure (not a partial result) pauses instead of counting against
 * `maxAttempts`, the deadline (still ahead), the circuit or the budget. A mutation pauses only
 * where it could be retried online (`mayRetryMutation`): being offline does not prove the request
 * never reached the server (the connection may have dropped after it was sent). With data from an
 * earlier attempt waiting to be shown, it gives up (`offline`) instead: the data is shown now, not
 * held for as long as the outage lasts.
 */
export function decideRetry(facts: RetryFacts, schedule: RetrySchedule, random?: () => number): RetryDecision {
  const { classification, attempt } = facts;
  if (!facts.wanted) return attempt === 1 && !classification.retryable ? { answer: true } : { giveUp: 'not-retryable' };
  const unsafe =
    facts.kind === 'mutation' &&
    !mayRetryMutation(classification, schedule.mutations, {
      idempotent: facts.idempotent,
      idempotencyKey: facts.keyed,
    });
  if (
    facts.offline &&
    !unsafe &&
    !facts.partial &&
    classification.category === 'network' &&
    facts.now < facts.deadlineAt
  )
    return facts.held ? { giveUp: 'offline' } : { pause: true };
  if (attempt >= schedule.maxAttempts) return { giveUp: 'max-attempts' };
  if (unsafe) return { giveUp: 'unsafe-mutation' };
  const delayMs = retryDelay(facts, schedule, random);
  if (facts.now + delayMs >= facts.deadlineAt) return { giveUp: 'deadline' };
  if (facts.circuitBlocks) return { giveUp: 'circuit-open' };
  return { delayMs };
}
