import { useState, useSyncExternalStore } from 'react';
import { offline } from './client';

/** The Offline switch and the browser's own state, as React reads them. */
export function useNetwork(): { switchOn: boolean; browserOnline: boolean } {
  const switchOn = useSyncExternalStore(offline.subscribe, offline.isOn);
  const browserOnline = useSyncExternalStore(offline.subscribe, offline.browserOnline);
  return { switchOn, browserOnline };
}

/** "Online" / "Offline": what the links see (the browser's state and the switch). */
export function NetworkStatus() {
  const { switchOn, browserOnline } = useNetwork();
  const text = !browserOnline ? 'Offline (the browser says so)' : switchOn ? 'Offline (switch)' : 'Online';
  return (
    <span className={`network ${browserOnline && !switchOn ? 'online' : 'offline'}`} data-testid="network-status">
      {text}
    </span>
  );
}

function OfflineSwitch({ onChange }: { onChange: (text: string) => void }) {
  const { switchOn } = useNetwork();
  return (
    <label className="offline-switch" title="The app behaves as an offline browser: its requests fail to fetch">
      <input
        type="checkbox"
        role="switch"
        data-testid="offline-switch"
        checked={switchOn}
        onChange={(e) => {
          offline.set(e.target.checked);
          onChange(
            e.target.checked
              ? 'Offline: every request of the app fails to fetch. Saves are kept and wait; reads wait for the network.'
              : 'Back online: kept changes are sent, waiting reads resume.',
          );
        }}
      />{' '}
      Offline
    </label>
  );
}

async function fault(spec: unknown, method = 'POST') {
  await fetch('/__faults', {
    method,
    headers: { 'content-type': 'application/json' },
    body: method === 'POST' ? JSON.stringify(spec) : undefined,
  });
}

interface ServerPo {
  id: string;
  number: string;
  quantity: number;
  notes: string;
}
async function serverPo(id: string): Promise<ServerPo | undefined> {
  const state = (await (await fetch('/__state')).json()) as { purchaseOrders: ServerPo[] };
  return state.purchaseOrders.find((p) => p.id === id);
}

const ALICE_NOTES = [
  'Alice: expedite, customer escalation',
  'Alice: split delivery, half now',
  'Alice: supplier confirmed Tuesday',
  'Alice: hold for QA sign-off',
];

/** Alice, another buyer, changes the PO on the server: a real change each time (never the value it already has). */
async function aliceEdits(id: string, field: 'quantity' | 'notes'): Promise<string> {
  const po = await serverPo(id);
  if (!po) return `PO ${id} does not exist on the server`;
  if (field === 'quantity') {
    const quantity = po.quantity + 25;
    await fault({ kind: 'edit', id, changes: { quantity }, by: 'alice@acme.test' });
    return `Alice changed ${po.number}'s quantity ${po.quantity} → ${quantity}`;
  }
  const notes = ALICE_NOTES[(ALICE_NOTES.indexOf(po.notes) + 1) % ALICE_NOTES.length]!;
  await fault({ kind: 'edit', id, changes: { notes }, by: 'alice@acme.test' });
  return `Alice changed ${po.number}'s notes to “${notes}”`;
}

export function FaultPanel({ selected }: { selected?: string }) {
  const [last, setLast] = useState('');
  const act = (label: string, spec: unknown, method?: string) => async () => {
    await fault(spec, method);
    setLast(label);
  };
  const po = selected ?? '1';
  return (
    <div className="faults" data-testid="fault-panel">
      <h2>Fault injection</h2>
      <OfflineSwitch onChange={setLast} />
      <div className="buttons">
        <button data-testid="fault-expire" onClick={act('All tokens expired', { kind: 'expire-tokens' })}>
          Expire my token now
        </button>
        <button
          data-testid="fault-502"
          onClick={act('Next 2 requests: 502 (HTML)', { kind: 'status', status: 502, count: 2 })}
        >
          Next 2 requests 502
        </button>
        <button
          data-testid="fault-503"
          onClick={act('Next 3 requests: 503 (HTML)', { kind: 'status', status: 503, count: 3 })}
        >
          Next 3 requests 503
        </button>
        <button
          data-testid="fault-429"
          onClick={act('Next request: 429, Retry-After 2 s', { kind: 'status', status: 429, retryAfter: '2' })}
        >
          Rate-limit (Retry-After 2 s)
        </button>
        <button
          data-testid="fault-drop"
          title="The server applies the next save, then closes the connection before answering: did it save, and only once?"
          onClick={act('Armed: the server applies the next save, then drops the connection before answering', {
            kind: 'drop',
            phase: 'after',
            operationName: 'UpdatePurchaseOrder',
          })}
        >
          Drop next save's connection (after apply)
        </button>
        <button
          data-testid="fault-outage"
          onClick={act(
            'Total outage: every request 503 until “Clear faults”. Press ↻ Refresh to watch the retries; three failed loads open the circuit.',
            { kind: 'status', status: 503, count: -1 },
          )}
        >
          Outage (100 % 503)
        </button>
        <button data-testid="fault-alice-notes" onClick={async () => setLast(await aliceEdits(po, 'notes'))}>
          Alice edits notes of this PO
        </button>
        <button data-testid="fault-alice-qty" onClick={async () => setLast(await aliceEdits(po, 'quantity'))}>
          Alice edits quantity of this PO
        </button>
        <button
          data-testid="fault-partial"
          onClick={act('Supplier rating fails on every request', {
            kind: 'partial',
            field: 'supplierRating',
            count: -1,
          })}
        >
          Supplier rating fails
        </button>
        <button data-testid="fault-clear" onClick={act('Faults cleared', undefined, 'DELETE')}>
          Clear faults
        </button>
      </div>
      {last ? (
        <p className="last-fault" data-testid="last-fault">
          {last}
        </p>
      ) : null}
    </div>
  );
}
