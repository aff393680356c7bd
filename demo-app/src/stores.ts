// Tiny external stores (useSyncExternalStore): the links' event log, the open conflict and the
// outbox's waiting changes.
import { useSyncExternalStore } from 'react';
import type { EtagConflictLink, ResilienceEvent } from 'apollo-link-resilience';
import type { OutboxEntry } from 'apollo-link-resilience/offline';
import { closedCircuit, nextCircuit, type CircuitView } from './circuit';

function store<T>(initial: T) {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => value,
    set(next: T) {
      value = next;
      for (const l of listeners) l();
    },
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** An event as the log keeps it: `page` tells this page load's events from the ones before a reload. */
export type LoggedEvent = ResilienceEvent & { logId: number; page: number };

// The log survives a reload of the tab (sessionStorage), so a change made before the reload and
// delivered after it is explained in one place. Events carry no token (the package's contract); the
// result a delivered change carries is left out.
const LOG_KEY = 'ion-demo-event-log';
const PAGE_KEY = 'ion-demo-page-load';
const session = typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
function restoredLog(): LoggedEvent[] {
  try {
    const saved = JSON.parse(session?.getItem(LOG_KEY) ?? '[]') as unknown;
    return Array.isArray(saved) ? (saved as LoggedEvent[]) : [];
  } catch {
    return [];
  }
}
const page = Number(session?.getItem(PAGE_KEY) ?? 0) + 1;
session?.setItem(PAGE_KEY, String(page));
const events = store<LoggedEvent[]>(restoredLog());
let nextId = Math.max(0, ...events.get().map((e) => (typeof e.logId === 'number' ? e.logId : 0))) + 1;
events.subscribe(() => {
  try {
    session?.setItem(LOG_KEY, JSON.stringify(events.get()));
  } catch {
    // a full sessionStorage only costs the log its history across a reload
  }
});
const circuit = store<CircuitView>(closedCircuit);
export function logEvent(event: ResilienceEvent): void {
  const { result: _result, ...kept } = event as ResilienceEvent & { result?: unknown };
  events.set([{ ...(kept as ResilienceEvent), logId: nextId++, page }, ...events.get()].slice(0, 200));
  const view = nextCircuit(circuit.get(), event);
  if (view !== circuit.get()) circuit.set(view);
}
/** The circuit as the events describe it (state, next probe). */
export const useCircuit = () => useSyncExternalStore(circuit.subscribe, circuit.get);
export const watchCircuit = (fn: (view: CircuitView, previous: CircuitView) => void) => {
  let previous = circuit.get();
  return circuit.subscribe(() => {
    const view = circuit.get();
    const before = previous;
    previous = view;
    fn(view, before);
  });
};
export function clearEvents(): void {
  events.set([]);
}
export const useEvents = () => useSyncExternalStore(events.subscribe, events.get);

/** The outbox's waiting changes (its `onChange`), and how the badge gives one up. */
const waiting = store<ReadonlyArray<OutboxEntry>>([]);
export const setWaitingChanges = (entries: ReadonlyArray<OutboxEntry>) => waiting.set(entries);
export const useWaitingChanges = () => useSyncExternalStore(waiting.subscribe, waiting.get);
let discardChange: (id: string) => Promise<boolean> = () => Promise.resolve(false);
/** Set once by the client factory: the outbox's `discard`. */
export function setDiscard(discard: (id: string) => Promise<boolean>): void {
  discardChange = discard;
}
export const discardWaitingChange = (id: string) => discardChange(id);

export type ConflictChoice = 'retry' | 'abort' | Record<string, unknown>;
export interface OpenConflict {
  conflict: EtagConflictLink.Conflict;
  resolve: (choice: ConflictChoice) => void;
}
/**
 * What the person chose in the dialog, for the form that sent the mutation: it passes one of
 * these in the mutation's context (`context: { decision }`) and reads it when the mutation ends.
 */
export interface ConflictDecision {
  choice?: 'mine' | 'theirs' | 'edited';
}
const conflict = store<OpenConflict | undefined>(undefined);
/** `onConflict` for the etag link: opens the dialog and waits for the person's choice. */
export function askPerson(c: EtagConflictLink.Conflict): Promise<ConflictChoice> {
  const decision = (c.operation.getContext() as { decision?: ConflictDecision }).decision;
  return new Promise((resolve) =>
    conflict.set({
      conflict: c,
      resolve: (choice) => {
        if (decision) decision.choice = choice === 'abort' ? 'theirs' : choice === 'retry' ? 'mine' : 'edited';
        conflict.set(undefined);
        resolve(choice);
      },
    }),
  );
}
export const useConflict = () => useSyncExternalStore(conflict.subscribe, conflict.get);
