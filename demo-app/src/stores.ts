// Tiny external stores (useSyncExternalStore): the links' event log and the open conflict.
import { useSyncExternalStore } from 'react';
import type { EtagConflictLink, ResilienceEvent } from 'apollo-link-resilience';
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

export type LoggedEvent = ResilienceEvent & { id: number };

const events = store<LoggedEvent[]>([]);
let nextId = 1;
const circuit = store<CircuitView>(closedCircuit);
export function logEvent(event: ResilienceEvent): void {
  events.set([{ ...event, id: nextId++ }, ...events.get()].slice(0, 200));
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
