import type { Classification } from 'apollo-link-resilience';
import { useNow } from './deskQuery';
import { eventText } from './eventText';
import { Fragment } from 'react';
import { clearEvents, useEvents } from './stores';

/** Events after which a person may have to act: their classification's remediation is shown. */
const OUTCOMES = new Set(['give-up', 'auth-failure', 'refresh-failure', 'outbox-rejected']);

export function EventLog() {
  const events = useEvents();
  const now = useNow(200);
  return (
    <section className="log" data-testid="event-log">
      <div className="log-head">
        <h2>Link events</h2>
        <button onClick={clearEvents}>Clear</button>
      </div>
      <ol>
        {events.map((e, i) => {
          const c = e.classification as Classification | undefined;
          const head = c ? `${c.category}${c.reason ? ` · ${c.reason}` : ''}${c.status ? ` (${c.status})` : ''}` : '';
          const older = events[i + 1];
          return (
            <Fragment key={e.logId}>
              <li
                className={`event ${e.type}${e.reason ? ` reason-${String(e.reason)}` : ''}`}
                data-testid={`event-${e.type}`}
              >
                <time>{new Date(e.at).toLocaleTimeString()}</time>
                <span className="type">{e.type}</span>
                <span className="op">{e.operationName ?? ''}</span>
                <span className="what">{eventText(e, now)}</span>
                {c && OUTCOMES.has(e.type) ? (
                  <div className="why">
                    <b>{head}</b>: {c.remediation}
                  </div>
                ) : null}
                {c && e.type === 'retry' ? <div className="why">the server said: {c.message}</div> : null}
              </li>
              {older && older.page !== e.page ? (
                <li className="reload" data-testid="event-reload">
                  page reloaded: the events below are from before the reload
                </li>
              ) : null}
            </Fragment>
          );
        })}
      </ol>
    </section>
  );
}
