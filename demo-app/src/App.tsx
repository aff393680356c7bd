import { useState } from 'react';
import { ConflictDialog } from './ConflictDialog';
import { EditForm } from './EditForm';
import { EventLog } from './EventLog';
import { FaultPanel, NetworkStatus } from './FaultPanel';
import { OutboxBadge } from './OutboxBadge';
import { PartsList, PurchaseOrderList } from './Lists';

export function App() {
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [tab, setTab] = useState<'pos' | 'parts'>('pos');
  return (
    <div className="desk">
      <header>
        <h1>Purchase-order desk</h1>
        <span className="subtitle">
          an ION-like ERP through <code>apollo-link-resilience</code>
        </span>
        <span className="header-right">
          <OutboxBadge />
          <NetworkStatus />
        </span>
      </header>
      <main>
        <section className="lists">
          <nav>
            <button className={tab === 'pos' ? 'active' : ''} onClick={() => setTab('pos')}>
              Purchase orders
            </button>
            <button className={tab === 'parts' ? 'active' : ''} onClick={() => setTab('parts')}>
              Parts
            </button>
          </nav>
          {tab === 'pos' ? <PurchaseOrderList selected={selected} onSelect={setSelected} /> : <PartsList />}
        </section>
        <section className="side">
          {selected ? (
            <EditForm key={selected} id={selected} />
          ) : (
            <p className="hint">Select a purchase order to edit it.</p>
          )}
          <FaultPanel selected={selected} />
        </section>
        <EventLog />
      </main>
      <ConflictDialog />
    </div>
  );
}
