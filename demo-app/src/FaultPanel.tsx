import { useState } from 'react';

async function fault(spec: unknown, method = 'POST') {
  await fetch('/__faults', { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? JSON.stringify(spec) : undefined });
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
      <div className="buttons">
        <button data-testid="fault-expire" onClick={act('All tokens expired', { kind: 'expire-tokens' })}>Expire my token now</button>
        <button data-testid="fault-502" onClick={act('Next 2 requests: 502 (HTML)', { kind: 'status', status: 502, count: 2 })}>Next 2 requests 502</button>
        <button data-testid="fault-503" onClick={act('Next 3 requests: 503 (HTML)', { kind: 'status', status: 503, count: 3 })}>Next 3 requests 503</button>
        <button data-testid="fault-429" onClick={act('Next request: 429, Retry-After 2 s', { kind: 'status', status: 429, retryAfter: '2' })}>Rate-limit (Retry-After 2 s)</button>
        <button data-testid="fault-drop" onClick={act('Next connection dropped', { kind: 'drop' })}>Drop next connection</button>
        <button data-testid="fault-outage" onClick={act('Total outage: every request 503', { kind: 'status', status: 503, count: -1 })}>Outage (100 % 503)</button>
        <button data-testid="fault-alice-notes" onClick={act(`Alice edited PO ${po}'s notes`, { kind: 'edit', id: po, changes: { notes: 'Alice: expedite, customer escalation' }, by: 'alice@acme.test' })}>Alice edits notes of this PO</button>
        <button data-testid="fault-alice-qty" onClick={act(`Alice edited PO ${po}'s quantity`, { kind: 'edit', id: po, changes: { quantity: 250 }, by: 'alice@acme.test' })}>Alice edits quantity of this PO</button>
        <button data-testid="fault-partial" onClick={act('Supplier rating fails on every request', { kind: 'partial', field: 'supplierRating', count: -1 })}>Supplier rating fails</button>
        <button data-testid="fault-clear" onClick={act('Faults cleared', undefined, 'DELETE')}>Clear faults</button>
      </div>
      {last ? <p className="last-fault" data-testid="last-fault">{last}</p> : null}
    </div>
  );
}
