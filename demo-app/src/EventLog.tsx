import type { Classification } from 'apollo-link-resilience';
import { useEffect, useState } from 'react';
import { clearEvents, useEvents, type LoggedEvent } from './stores';

function useNow(intervalMs: number) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

function describe(e: LoggedEvent, now: number): string {
  const c = e.classification as Classification | undefined;
  switch (e.type) {
    case 'retry': {
      const left = Math.max(0, (e.at + (e.delayMs as number) - now) / 1000);
      return `attempt ${e.attempt as number} ${left > 0 ? `in ${left.toFixed(1)} s` : 'sent'} (waited ${((e.delayMs as number) / 1000).toFixed(1)} s)`;
    }
    case 'give-up': return `gave up after ${e.attempt as number} attempt(s): ${e.reason as string}`;
    case 'circuit-open': return `circuit open: requests paused for ${((e.cooldownMs as number) / 1000).toFixed(0)} s`;
    case 'circuit-half-open': return 'circuit half-open: one probe may go through';
    case 'circuit-close': return 'circuit closed: the server answers again';
    case 'refresh-start': return `token refresh started (${e.reason as string}, ${e.waiting as number} waiting)`;
    case 'refresh-success': return `token refreshed in ${e.durationMs as number} ms`;
    case 'refresh-failure': return `token refresh failed after ${e.durationMs as number} ms`;
    case 'auth-failure': return 'authentication failed: sign in again';
    case 'conflict': return `409 on attempt ${e.attempt as number}: someone else changed the record`;
    case 'reread': return `re-read the record${e.updatedBy ? ` (last changed by ${e.updatedBy as string})` : ''}`;
    case 'reapply': {
      const kept = (e.keptTheirs as string[]) ?? [];
      return `re-applied your change${kept.length ? `, kept their ${kept.join(', ')}` : ''}`;
    }
    default: return c?.message ?? '';
  }
}

export function EventLog() {
  const events = useEvents();
  const now = useNow(200);
  return (
    <section className="log" data-testid="event-log">
      <div className="log-head"><h2>Link events</h2><button onClick={clearEvents}>Clear</button></div>
      <ol>
        {events.map((e) => {
          const c = e.classification as Classification | undefined;
          return (
            <li key={e.id} className={`event ${e.type}`} data-testid={`event-${e.type}`}>
              <time>{new Date(e.at).toLocaleTimeString()}</time>
              <span className="type">{e.type}</span>
              <span className="op">{e.operationName ?? ''}</span>
              <span className="what">{describe(e, now)}</span>
              {c ? <div className="why"><b>{c.category}{c.reason ? ` · ${c.reason}` : ''}</b>{c.status ? ` (${c.status})` : ''}: {c.remediation}</div> : null}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
