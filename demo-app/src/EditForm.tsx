import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { getClassifications, type Classification } from 'apollo-link-resilience';
import { useEffect, useState } from 'react';
import { PURCHASE_ORDER, UPDATE_PURCHASE_ORDER, type PurchaseOrder } from './documents';

export function EditForm({ id }: { id: string }) {
  const { data } = useQuery<{ purchaseOrder: PurchaseOrder }>(PURCHASE_ORDER, { variables: { id } });
  const [mutate, { loading }] = useMutation<{ updatePurchaseOrder: PurchaseOrder }>(UPDATE_PURCHASE_ORDER);
  const po = data?.purchaseOrder;
  const client = useApolloClient();
  // The version the person started from: its _etag goes with the mutation.
  const [editing, setEditing] = useState<PurchaseOrder | undefined>(undefined);
  const [form, setForm] = useState({ quantity: 0, notes: '', status: 'OPEN' as PurchaseOrder['status'] });
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string; classification?: Classification } | undefined>();

  useEffect(() => {
    if (po && !editing) {
      setEditing(po);
      setForm({ quantity: po.quantity, notes: po.notes, status: po.status });
    }
  }, [po, editing]);

  if (!po || !editing) return <p className="hint">Loading purchase order…</p>;

  const save = async () => {
    setOutcome(undefined);
    try {
      const result = await mutate({ variables: { input: { id, _etag: editing._etag, quantity: Number(form.quantity), notes: form.notes, status: form.status } } });
      const saved = result.data?.updatePurchaseOrder;
      if (result.error || !saved) throw result.error ?? new Error('no data');
      setEditing(saved);
      setForm({ quantity: saved.quantity, notes: saved.notes, status: saved.status });
      setOutcome({ ok: true, text: `Saved. Server version: quantity ${saved.quantity}, notes “${saved.notes}”.` });
    } catch (error) {
      const [c] = getClassifications(error);
      const theirs = client.readQuery<{ purchaseOrder: PurchaseOrder }>({ query: PURCHASE_ORDER, variables: { id } })?.purchaseOrder;
      if (c?.category === 'conflict' && theirs) {
        // Their version is in the cache (the link re-read it): continue from it.
        setEditing(theirs);
        setForm({ quantity: theirs.quantity, notes: theirs.notes, status: theirs.status });
      }
      setOutcome({ ok: false, text: c ? c.message : String(error), classification: c });
    }
  };

  return (
    <form className="edit" data-testid="edit-form" onSubmit={(e) => { e.preventDefault(); void save(); }}>
      <h2>{po.number} <small>etag {editing._etag}</small></h2>
      <label>Quantity <input data-testid="edit-quantity" type="number" value={form.quantity} onChange={(e) => setForm({ ...form, quantity: Number(e.target.value) })} /></label>
      <label>Notes <input data-testid="edit-notes" value={form.notes} onChange={(e) => setForm({ ...form, notes: e.target.value })} /></label>
      <label>Status
        <select data-testid="edit-status" value={form.status} onChange={(e) => setForm({ ...form, status: e.target.value as PurchaseOrder['status'] })}>
          {['OPEN', 'APPROVED', 'RECEIVED', 'CLOSED'].map((s) => <option key={s}>{s}</option>)}
        </select>
      </label>
      <button type="submit" data-testid="edit-save" disabled={loading}>{loading ? 'Saving…' : 'Save'}</button>
      {outcome ? (
        <div className={outcome.ok ? 'ok' : 'error-banner'} data-testid="edit-outcome">
          {outcome.text}
          {outcome.classification ? <div className="remediation">{outcome.classification.category} · {outcome.classification.reason}: {outcome.classification.remediation}</div> : null}
        </div>
      ) : null}
    </form>
  );
}
