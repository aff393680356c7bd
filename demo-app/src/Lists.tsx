import { useQuery } from '@apollo/client/react';
import { getClassifications, type Classification } from 'apollo-link-resilience';
import { PARTS, PURCHASE_ORDERS, type PurchaseOrder } from './documents';

/** The paths of fields that failed (partial data), with why. */
function failedPaths(error: unknown): Map<string, Classification> {
  const out = new Map<string, Classification>();
  for (const c of getClassifications(error)) if (c.path) out.set(c.path.join('.'), c);
  return out;
}

export function ErrorBanner({ error }: { error: unknown }) {
  const list = getClassifications(error).filter((c) => !c.path);
  if (list.length === 0) return null;
  return (
    <div className="error-banner" role="alert">
      {list.map((c, i) => (
        <div key={i}>
          <strong>{c.category}{c.reason ? ` · ${c.reason}` : ''}</strong>: {c.message}
          <div className="remediation">{c.remediation}</div>
        </div>
      ))}
    </div>
  );
}

function Field({ value, failed }: { value: unknown; failed?: Classification }) {
  if (failed) return <span className="failed-field" title={`${failed.message} — ${failed.remediation}`}>⚠ unavailable</span>;
  return <>{value === null || value === undefined ? '—' : String(value)}</>;
}

export function PurchaseOrderList({ selected, onSelect }: { selected?: string; onSelect: (id: string) => void }) {
  const { data, error, loading, refetch } = useQuery<{ purchaseOrders: PurchaseOrder[] }>(PURCHASE_ORDERS, { errorPolicy: 'all', notifyOnNetworkStatusChange: true });
  const failed = failedPaths(error);
  return (
    <div>
      <div className="toolbar">
        <button data-testid="refresh-list" onClick={() => void refetch().catch(() => undefined)}>↻ Refresh</button>
        {loading ? <span className="loading">loading…</span> : null}
        {failed.size > 0 ? <span className="partial-note" data-testid="partial-note">Partial data: {failed.size} field(s) unavailable, the rest is shown.</span> : null}
      </div>
      <ErrorBanner error={error} />
      <div className="table-scroll">
      <table data-testid="po-table">
        <thead>
          <tr><th>PO</th><th>Supplier</th><th>Status</th><th>Qty</th><th>Notes</th><th>Rating</th><th>Lead time</th><th>Updated by</th></tr>
        </thead>
        <tbody>
          {(data?.purchaseOrders ?? []).map((po, i) => (
            <tr key={po.id} className={po.id === selected ? 'selected' : ''} onClick={() => onSelect(po.id)} data-testid={`po-row-${po.id}`}>
              <td>{po.number}</td>
              <td>{po.supplier}</td>
              <td>{po.status}</td>
              <td data-testid={`po-qty-${po.id}`}>{po.quantity}</td>
              <td className="notes" data-testid={`po-notes-${po.id}`}>{po.notes}</td>
              <td data-testid={`po-rating-${po.id}`}><Field value={po.supplierRating} failed={failed.get(`purchaseOrders.${i}.supplierRating`)} /></td>
              <td><Field value={po.leadTimeDays === null || po.leadTimeDays === undefined ? po.leadTimeDays : `${po.leadTimeDays} d`} failed={failed.get(`purchaseOrders.${i}.leadTimeDays`)} /></td>
              <td>{po.updatedBy}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </div>
  );
}

export function PartsList() {
  const { data, error } = useQuery<{ parts: Array<{ id: string; partNumber: string; description: string; quantity: number }> }>(PARTS, { errorPolicy: 'all' });
  return (
    <div>
      <ErrorBanner error={error} />
      <table>
        <thead><tr><th>Part</th><th>Description</th><th>On hand</th></tr></thead>
        <tbody>{(data?.parts ?? []).map((p) => <tr key={p.id}><td>{p.partNumber}</td><td>{p.description}</td><td>{p.quantity}</td></tr>)}</tbody>
      </table>
    </div>
  );
}
