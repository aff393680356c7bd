// What the event log says about one link event. A pure function of the event's own fields (and
// the clock, for a countdown that is still running): no server texts, no guesses about options the
// event does not carry.
import type { ResilienceEvent } from 'apollo-link-resilience';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** `1 attempt`, `4 attempts`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Seconds with one decimal below 10 s, whole seconds above: `0.8 s`, `12 s`. */
export function seconds(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  return s < 10 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`;
}

/** `12 s`, `4 min`, `2 h`: a duration a person reads (seconds with one decimal below 10 s). */
export function age(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return seconds(ms);
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h`;
}

/** A `classification` field of an event, as far as the texts need it. */
function classificationOf(
  e: ResilienceEvent,
): { category?: string; reason?: string; status?: number; details?: Record<string, unknown> } | undefined {
  const c = e.classification;
  return c && typeof c === 'object'
    ? (c as { category?: string; reason?: string; status?: number; details?: Record<string, unknown> })
    : undefined;
}

/** `server · bad-gateway (502)`: what failed, from the classification's fields. */
function failure(e: ResilienceEvent): string {
  const c = classificationOf(e);
  if (!c?.category) return 'a failure';
  return `${c.category}${c.reason ? ` · ${c.reason}` : ''}${num(c.status) !== undefined ? ` (${c.status})` : ''}`;
}

/** When an open circuit lets the next probe through, from the event's own fields (`undefined`: unknown). */
export function probeDueAt(e: ResilienceEvent): number | undefined {
  const at = num(e.nextProbeAt);
  if (at !== undefined) return at;
  if (e.type === 'circuit-open') {
    const delay = num(e.probeInMs) ?? num(e.delayMs) ?? num(e.cooldownMs);
    return delay === undefined ? undefined : e.at + delay;
  }
  if (e.type === 'give-up' && e.reason === 'circuit-open') {
    const wait = num(classificationOf(e)?.details?.retryAfterMs);
    return wait === undefined ? undefined : e.at + wait;
  }
  return undefined;
}

function giveUpText(e: ResilienceEvent, now: number): string {
  const attempts = num(e.attempt) ?? 0;
  const after = attempts === 0 ? 'before any attempt' : `after ${plural(attempts, 'attempt')}`;
  switch (e.reason) {
    case 'circuit-open': {
      if (attempts === 0) {
        const due = probeDueAt(e);
        const wait = due === undefined ? undefined : due - now;
        return wait !== undefined && wait > 0
          ? `not sent: the circuit is open, next probe in ${seconds(wait)}`
          : 'not sent: the circuit was open';
      }
      return `stopped ${after}: the circuit opened meanwhile (last failure: ${failure(e)})`;
    }
    case 'max-attempts':
      // The etag link's give-up: its attempts are re-read/re-apply rounds, not requests.
      if (classificationOf(e)?.category === 'conflict')
        return `gave up after ${plural(attempts, 're-apply round')}: the record kept changing`;
      return attempts === 0 ? `gave up ${after} (${failure(e)})` : `gave up ${after}; the last one: ${failure(e)}`;
    case 'not-retryable':
      return `stopped ${after}: ${failure(e)} is not retried`;
    case 'unsafe-mutation':
      return `not retried: the mutation may already have run on the server (${failure(e)}, no idempotency key)`;
    case 'deadline':
      return `stopped ${after}: the next wait would pass the deadline`;
    case 'deadline-passed':
      return `stopped ${after}: the deadline passed during the last attempt`;
    case 'budget-exhausted':
      return `stopped ${after}: the retry budget is spent (too many retries across operations)`;
    case 'offline':
      return `stopped ${after}: offline for longer than the link waits for the network`;
    case 'abort': {
      const fields = list(e.conflicts);
      return `not re-sent: ${fields.length ? `the server's ${fields.join(', ')} kept` : 'the change was dropped'}`;
    }
    default:
      return `stopped ${after}${str(e.reason) ? ` (${e.reason as string})` : ''}`;
  }
}

/** One line for the event log. `now` only drives countdowns that are still running. */
export function eventText(e: ResilienceEvent, now: number): string {
  switch (e.type) {
    case 'retry': {
      const attempt = num(e.attempt);
      const delay = num(e.delayMs) ?? 0;
      const left = e.at + delay - now;
      const which = attempt === undefined ? 'next attempt' : `attempt ${attempt}`;
      const before = attempt === undefined ? 'the last one' : `attempt ${attempt - 1}`;
      return left > 0
        ? `${which} in ${seconds(left)} (backoff ${seconds(delay)}; ${before}: ${failure(e)})`
        : `${which} sent after waiting ${seconds(delay)} (${before}: ${failure(e)})`;
    }
    case 'give-up':
      return giveUpText(e, now);
    case 'circuit-open': {
      const due = probeDueAt(e);
      const wait = due === undefined ? undefined : due - now;
      const why = e.previous === 'half-open' ? 'the probe failed' : 'operations kept failing';
      const probe =
        due === undefined || wait === undefined
          ? ''
          : wait > 0
            ? `; next probe in ${seconds(wait)}`
            : `; probe due ${seconds(due - e.at)} after opening`;
      return `circuit open (${why}): new requests fail fast${probe}`;
    }
    case 'circuit-half-open':
      return 'circuit half-open: the next request is the probe';
    case 'circuit-close':
      return e.previous === 'half-open' || e.previous === 'open'
        ? 'circuit closed: the probe succeeded, requests flow again'
        : 'circuit closed';
    case 'refresh-start': {
      const waiting = num(e.waiting);
      const why =
        e.reason === 'expiring'
          ? 'the token expires soon'
          : e.reason === 'rejected'
            ? 'the server rejected the token'
            : e.reason === 'missing'
              ? 'no token yet'
              : str(e.reason);
      return `token refresh started${why ? `: ${why}` : ''}${waiting ? ` (${plural(waiting, 'operation')} waiting)` : ''}`;
    }
    case 'refresh-success': {
      const ms = num(e.durationMs);
      const from = e.source === 'other-tab' ? ' by another tab' : '';
      return `token refreshed${from}${ms === undefined ? '' : ` in ${ms} ms`}`;
    }
    case 'refresh-failure': {
      const ms = num(e.durationMs);
      return `token refresh failed${ms === undefined ? '' : ` after ${ms} ms`}`;
    }
    case 'auth-failure':
      return `not authenticated (${failure(e)}): sign in again`;
    case 'conflict': {
      const attempt = num(e.attempt);
      return `409${attempt === undefined ? '' : ` on try ${attempt}`}: someone else changed the record`;
    }
    case 'reread': {
      const by = str(e.updatedBy) ?? str(e.modifiedBy);
      return `re-read the record${by ? ` (last changed by ${by})` : ''}`;
    }
    case 'reapply': {
      const kept = list(e.keptTheirs);
      return `re-applied your change${kept.length ? ` on theirs, kept their ${kept.join(', ')}` : ' on the latest version'}`;
    }
    case 'paused': {
      const attempt = num(e.attempt);
      const waiting = num(e.waiting);
      const which = attempt === undefined ? 'the attempt' : `attempt ${attempt}`;
      return `offline: ${which} failed (${failure(e)}); waiting for the network, no attempt spent${waiting && waiting > 1 ? ` (${waiting} operations waiting)` : ''}`;
    }
    case 'resumed': {
      const attempt = num(e.attempt);
      const paused = num(e.pausedMs);
      return `back online: ${attempt === undefined ? 'sent again' : `attempt ${attempt} sent`}${paused === undefined ? '' : ` after ${seconds(paused)} paused`}`;
    }
    case 'outbox-enqueue': {
      const size = num(e.size);
      return `kept offline: the change waits to be sent${size === undefined ? '' : ` (${plural(size, 'change')} waiting)`}`;
    }
    case 'outbox-replay': {
      const attempt = num(e.attempt);
      return attempt === undefined || attempt <= 1
        ? 'sending a change kept offline, with the Idempotency-Key it was made with'
        : `sending a kept change again (replay ${attempt}), with the same Idempotency-Key`;
    }
    case 'outbox-delivered':
      return 'delivered: the server answered the kept change; it leaves the queue';
    case 'outbox-unreachable':
      return `the server could not be reached (${failure(e)}): the change stays queued`;
    case 'outbox-rejected':
      return `the server refused the kept change (${failure(e)}): removed from the queue`;
    case 'outbox-expired': {
      const ageMs = num(e.ageMs);
      return `dropped a kept change${ageMs === undefined ? '' : ` after ${age(ageMs)}`}: too old to send`;
    }
    case 'outbox-discarded':
      return 'discarded a kept change: it will not be sent';
    case 'outbox-storage-error':
      return `the outbox cannot use its storage (${failure(e)})`;
    case 'outbox-skipped':
      return `ignored an unreadable stored change (${failure(e)})`;
    default:
      return classificationOf(e) ? failure(e) : '';
  }
}
