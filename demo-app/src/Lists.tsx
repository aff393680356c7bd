import type { Classification } from 'apollo-link-resilience';
import { PARTS, PURCHASE_ORDERS, type PurchaseOrder } from './documents';
import { StatusBanner, Toolbar, failedPaths, useDeskQuery } from './deskQuery';
import { plural } from './eventText';

function Field({ value, failed }: { value: unknown; failed?: Classification }) {
  if (failed)
    return (
      <span className="failed-field" title={`${failed.message} — ${failed.remediation}`}>
        ⚠ unavailable
      </span>
    );
  return <>{value === null || value === undefined ? '—' : String(value)}</>;
}

export function PurchaseOrderList({ selected, onSelect }: { selected?: string; onSelect: (id: string) => void }) {
  const q = useDeskQuery<{ purchaseOrders: PurchaseOrder[] }>(PURCHASE_ORDERS);
  const failed = q.stale ? new Map<string, Classification>() : failedPaths(q.error);
  return (
    <div>
      <Toolbar q={q} testid="list">
        {failed.size > 0 ? (
          <span className="partial-note" data-testid="partial-note">
            Partial data: {plural(failed.size, 'field')} unavailable, the rest is shown.
          </span>
        ) : null}
      </Toolbar>
      <StatusBanner error={q.error} />
      <div className="table-scroll">
        <table data-testid="po-table" className={q.stale ? 'stale' : ''}>
          <thead>
            <tr>
              <th>PO</th>
              <th>Supplier</th>
              <th>Status</th>
              <th>Qty</th>
              <th>Notes</th>
              <th>Rating</th>
              <th>Lead time</th>
              <th>Updated by</th>
            </tr>
          </thead>
          <tbody>
            {(q.data?.purchaseOrders ?? []).map((po, i) => (
              <tr
                key={po.id}
                className={po.id === selected ? 'selected' : ''}
                onClick={() => onSelect(po.id)}
                data-testid={`po-row-${po.id}`}
              >
                <td className="nowrap" data-testid={`po-number-${po.id}`}>
                  {po.number}
                </td>
                <td className="nowrap">{po.supplier}</td>
                <td>{po.status}</td>
                <td data-testid={`po-qty-${po.id}`}>{po.quantity}</td>
                <td className="notes" data-testid={`po-notes-${po.id}`}>
                  {po.notes}
                </td>
                <td data-testid={`po-rating-${po.id}`}>
                  <Field value={po.supplierRating} failed={failed.get(`purchaseOrders.${i}.supplierRating`)} />
                </td>
                <td className="nowrap">
                  <Field
                    value={
                      po.leadTimeDays === null || po.leadTimeDays === undefined
                        ? po.leadTimeDays
                        : `${po.leadTimeDays} d`
                    }
                    failed={failed.get(`purchaseOrders.${i}.leadTimeDays`)}
                  />
                </td>
                <td className="nowrap" title={po.updatedBy}>
                  {po.updatedBy.split('@')[0]}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {q.data === undefined && !q.loading ? (
          <p className="hint" data-testid="list-empty">
            Nothing loaded yet: the server has not answered.
          </p>
        ) : null}
      </div>
    </div>
  );
}

export function PartsList() {
  const q = useDeskQuery<{ parts: Array<{ id: string; partNumber: string; description: string; quantity: number }> }>(
    PARTS,
  );
  return (
    <div>
      <Toolbar q={q} testid="parts" />
      <StatusBanner error={q.error} />
      <div className="table-scroll">
        <table data-testid="parts-table" className={q.stale ? 'stale' : ''}>
          <thead>
            <tr>
              <th>Part</th>
              <th>Description</th>
              <th>On hand</th>
            </tr>
          </thead>
          <tbody>
            {(q.data?.parts ?? []).map((p) => (
              <tr key={p.id} data-testid={`part-row-${p.id}`}>
                <td className="nowrap">{p.partNumber}</td>
                <td>{p.description}</td>
                <td>{p.quantity}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {q.data === undefined && !q.loading ? (
          <p className="hint" data-testid="parts-empty">
            Nothing loaded yet: the server has not answered.
          </p>
        ) : null}
      </div>
    </div>
  );
}
