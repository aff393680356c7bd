// The circuit as the page shows it, folded from the link events (pure: tested without a browser).
import type { ResilienceEvent } from 'apollo-link-resilience';
import { probeDueAt } from './eventText';

export interface CircuitView {
  state: 'closed' | 'open' | 'half-open';
  /** When the state last changed. */
  since: number;
  /** When an open circuit lets its next probe through (best known). */
  nextProbeAt?: number;
  /** How many times it opened since it was last closed (the first opening is 1). */
  openings: number;
}

export const closedCircuit: CircuitView = { state: 'closed', since: 0, openings: 0 };

export function nextCircuit(view: CircuitView, e: ResilienceEvent): CircuitView {
  switch (e.type) {
    case 'circuit-open':
      return { state: 'open', since: e.at, nextProbeAt: probeDueAt(e), openings: view.openings + 1 };
    case 'circuit-half-open':
      return { ...view, state: 'half-open', since: e.at, nextProbeAt: undefined };
    case 'circuit-close':
      return { state: 'closed', since: e.at, openings: 0 };
    case 'give-up': {
      // A rejected operation knows the remaining wait at that moment: the freshest estimate.
      if (view.state !== 'open' || e.reason !== 'circuit-open' || e.attempt !== 0) return view;
      const due = probeDueAt(e);
      return due === undefined || due === view.nextProbeAt ? view : { ...view, nextProbeAt: due };
    }
    default:
      return view;
  }
}
