// The outbox link's three decisions, as pure functions: which operations it may keep, which failure of
// a live mutation sends it to the outbox, and what a replay's failure means for the stored entry.
import type { Classification } from '../classify/types.js';

/** `network` reasons that mean "no answer arrived": the change may be kept and sent again with its key. */
const UNANSWERED: ReadonlySet<string> = new Set([
  'connection-refused',
  'dns',
  'fetch-failed',
  'timeout',
  'connection-reset',
]);

/** Mutation names the outbox may keep, or every mutation. */
export type OutboxMutations = ReadonlyArray<string> | 'all';

/**
 * Whether the outbox handles this operation: a mutation, listed in `mutations` (or `'all'`), that
 * did not opt out with `context: { outbox: false }`.
 */
export function isQueueable(
  operationType: 'query' | 'mutation' | 'subscription',
  operationName: string | undefined,
  context: { readonly outbox?: unknown },
  mutations: OutboxMutations,
): boolean {
  if (operationType !== 'mutation' || context.outbox === false) return false;
  if (mutations === 'all') return true;
  return operationName !== undefined && mutations.includes(operationName);
}

/**
 * Whether a live mutation that failed with `classification` (once the policies below gave up) is
 * kept in the outbox instead of failing to its caller: a `network` failure where no answer arrived
 * (refused, DNS, fetch failed, timeout, connection reset: the request may or may not have reached the
 * server, and the idempotency key makes a replay safe), any `network` failure while the device is
 * offline, and an open circuit (the request was not sent: the server is unreachable). Never a
 * cancellation (`aborted`), an exceeded `deadlineMs` (the app's own limit), or an answer of the
 * server (a 5xx, a 4xx, GraphQL errors): queueing those would hide them.
 */
export function queueAfterFailure(classification: Classification, online: boolean): boolean {
  const { category, reason } = classification;
  if (category === 'network') {
    if (reason === 'aborted' || reason === 'deadline-exceeded') return false;
    return !online || (reason !== undefined && UNANSWERED.has(reason));
  }
  return reason === 'circuit-open';
}

/**
 * What a replay that ended with `classification` means for the entry. `unreachable` keeps it and
 * stops the replay until the next trigger: no answer or a transient one (`network`, `server`,
 * `rate-limited`), an expired session (`unauthenticated`: the change waits until the user signs in
 * again and `flush()` or the next trigger runs), or a link below that was disposed. `rejected` removes
 * it and fails its caller: the server refused this change (validation, forbidden, not found, an
 * aborted conflict, a bad request).
 */
export function replayVerdict(classification: Classification): 'unreachable' | 'rejected' {
  switch (classification.category) {
    case 'network':
    case 'server':
    case 'rate-limited':
    case 'unauthenticated':
      return 'unreachable';
    default:
      return classification.reason === 'link-disposed' ? 'unreachable' : 'rejected';
  }
}
