// What the outbox badge says about the waiting changes: pure functions of the entries the outbox
// reports (`onChange`) and the clock; tested without a browser.
import type { OutboxEntry } from 'apollo-link-resilience/offline';
import { age, plural } from './eventText';

/** `1 change waiting`, `3 changes waiting`; empty when nothing waits (the badge hides). */
export function waitingText(count: number): string {
  return count > 0 ? `${plural(count, 'change')} waiting` : '';
}

/** The fields a change sets, as shown: every variable of the input except the id and the etag. */
function fieldsOf(input: Record<string, unknown>): string {
  return Object.entries(input)
    .filter(([name]) => name !== 'id' && name !== '_etag' && name !== 'etag')
    .map(([name, value]) => (typeof value === 'string' ? `${name} “${value}”` : `${name} ${JSON.stringify(value)}`))
    .join(', ');
}

export interface EntryView {
  /** `PO-1005: notes “Deliver to dock 7”, quantity 50`. */
  title: string;
  /** `made 12 s ago, waiting to be sent` / `made 2 min ago; 1 replay attempt, the last: network · fetch-failed`. */
  detail: string;
}

/**
 * One waiting change, as the badge lists it. `numberOf` names a record by what the person knows (the
 * PO number from the cache); without it the record is named by its id.
 */
export function describeEntry(
  entry: Pick<OutboxEntry, 'operationName' | 'variables' | 'enqueuedAt' | 'attempts' | 'lastError'>,
  now: number,
  numberOf?: (id: string) => string | undefined,
): EntryView {
  const raw = entry.variables.input;
  const input = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : entry.variables;
  const id = typeof input.id === 'string' || typeof input.id === 'number' ? String(input.id) : undefined;
  const record = id === undefined ? entry.operationName : (numberOf?.(id) ?? `${entry.operationName} #${id}`);
  const fields = fieldsOf(input);
  const made = now - entry.enqueuedAt < 1000 ? 'made just now' : `made ${age(now - entry.enqueuedAt)} ago`;
  const e = entry.lastError;
  const last = e
    ? `${e.category}${e.reason ? ` · ${e.reason}` : ''}${e.status !== undefined ? ` (${e.status})` : ''}`
    : '';
  return {
    title: fields ? `${record}: ${fields}` : record,
    detail:
      entry.attempts === 0
        ? `${made}, waiting to be sent`
        : `${made}; ${plural(entry.attempts, 'replay attempt')}${last ? `, the last: ${last}` : ''}`,
  };
}
