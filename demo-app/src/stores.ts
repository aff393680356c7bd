// Tiny external stores (useSyncExternalStore): the links' event log and the open conflict.
import { useSyncExternalStore } from 'react';
import type { EtagConflictLink, ResilienceEvent } from 'apollo-link-resilience';

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

export interface LoggedEvent extends ResilienceEvent {
  id: number;
}

const events = store<LoggedEvent[]>([]);
let nextId = 1;
export function logEvent(event: ResilienceEvent): void {
  events.set([{ ...event, id: nextId++ }, ...events.get()].slice(0, 200));
}
export function clearEvents(): void {
  events.set([]);
}
export const useEvents = () => useSyncExternalStore(events.subscribe, events.get);

export type ConflictChoice = 'retry' | 'abort' | Record<string, unknown>;
export interface OpenConflict {
  conflict: EtagConflictLink.Conflict;
  resolve: (choice: ConflictChoice) => void;
}
const conflict = store<OpenConflict | undefined>(undefined);
/** `onConflict` for the etag link: opens the dialog and waits for the person's choice. */
export function askPerson(c: EtagConflictLink.Conflict): Promise<ConflictChoice> {
  return new Promise((resolve) => conflict.set({ conflict: c, resolve: (choice) => { conflict.set(undefined); resolve(choice); } }));
}
export const useConflict = () => useSyncExternalStore(conflict.subscribe, conflict.get);
