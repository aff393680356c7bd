import { useApolloClient } from '@apollo/client/react';
import { useState } from 'react';
import { useNow } from './deskQuery';
import { PURCHASE_ORDER, type PurchaseOrder } from './documents';
import { describeEntry, waitingText } from './outboxView';
import { discardWaitingChange, useWaitingChanges } from './stores';

/** "3 changes waiting": the outbox's kept changes, each with a Discard button. Hidden when none waits. */
export function OutboxBadge() {
  const entries = useWaitingChanges();
  const client = useApolloClient();
  const now = useNow(1000);
  const [open, setOpen] = useState(false);
  if (entries.length === 0) return null;
  const numberOf = (id: string) =>
    client.readQuery<{ purchaseOrder: PurchaseOrder }>({ query: PURCHASE_ORDER, variables: { id } })?.purchaseOrder
      ?.number;
  return (
    <div className="outbox">
      <button
        className="outbox-badge"
        data-testid="outbox-badge"
        aria-expanded={open}
        title="Changes kept while offline: they are sent, in order and once each, when the network returns"
        onClick={() => setOpen(!open)}
      >
        {waitingText(entries.length)}
      </button>
      {open ? (
        <ol className="outbox-list" data-testid="outbox-list">
          {entries.map((entry) => {
            const view = describeEntry(entry, now, numberOf);
            return (
              <li key={entry.id} data-testid="outbox-entry">
                <div className="outbox-title">{view.title}</div>
                <div className="outbox-detail">{view.detail}</div>
                <button data-testid="outbox-discard" onClick={() => void discardWaitingChange(entry.id)}>
                  Discard
                </button>
              </li>
            );
          })}
        </ol>
      ) : null}
    </div>
  );
}
