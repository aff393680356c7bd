import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { getClassifications, type Classification } from 'apollo-link-resilience';
import { useEffect, useRef, useState } from 'react';
import type { Delivery } from './client';
import { PURCHASE_ORDER, UPDATE_PURCHASE_ORDER, type PurchaseOrder } from './documents';
import { plural } from './eventText';
import { useWaitingChanges, type ConflictDecision } from './stores';

/** How a save travelled, from the links' side (attempts) and the server's (requests, applies). */
interface Ledger {
  key: string;
  attempts: number;
  requests: number;
  applied: number;
  droppedAfterApply: boolean;
  /** A save request without an Idempotency-Key was applied and its connection dropped: a repeat of it is a new apply. */
  droppedWithoutKey: boolean;
}

/** The server clock's time of the last dropped connection this page has reported. */
let reportedDropsUntil = 0;

/** Asks the demo server how often it received and applied this save's Idempotency-Key. */
async function ledger(delivery: Delivery): Promise<Ledger | undefined> {
  const key = delivery.idempotencyKey;
  if (!key) return undefined;
  try {
    const [stats, faults] = await Promise.all([
      fetch('/__stats').then(
        (r) => r.json() as Promise<{ requestsByKey?: Record<string, number>; appliedByKey?: Record<string, number> }>,
      ),
      fetch('/__faults').then(
        (r) =>
          r.json() as Promise<{
            fired?: Array<{ at: number; idempotencyKey?: string; operationName?: string; applied?: boolean }>;
          }>,
      ),
    ]);
    const fresh = (faults.fired ?? []).filter((f) => f.at > reportedDropsUntil);
    reportedDropsUntil = Math.max(reportedDropsUntil, ...fresh.map((f) => f.at));
    return {
      key,
      attempts: delivery.attempts,
      requests: stats.requestsByKey?.[key] ?? 0,
      applied: stats.appliedByKey?.[key] ?? 0,
      droppedAfterApply: fresh.some((f) => f.idempotencyKey === key),
      droppedWithoutKey: fresh.some(
        (f) => f.idempotencyKey === undefined && f.operationName === 'UpdatePurchaseOrder' && f.applied === true,
      ),
    };
  } catch {
    return undefined;
  }
}

const times = (n: number) => (n === 0 ? 'not at all' : n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`);

function LedgerLine({ l }: { l: Ledger }) {
  const resentByBrowser = l.requests > l.attempts;
  return (
    <div
      className={`ledger${l.droppedAfterApply || l.droppedWithoutKey || l.requests > 1 ? ' notable' : ''}`}
      data-testid="edit-ledger"
    >
      {l.droppedAfterApply ? (
        <div>The connection dropped after the server had applied this save, before its answer arrived.</div>
      ) : null}
      {l.droppedWithoutKey ? (
        <div className="warning" data-testid="ledger-unkeyed-drop">
          A save request without an Idempotency-Key was applied and then its connection dropped: the server could not
          recognise a repeat of it, so it may have been applied twice.
        </div>
      ) : null}
      <div>
        Server:{' '}
        <b data-testid="ledger-requests">
          {l.requests} request{l.requests === 1 ? '' : 's'}
        </b>{' '}
        with Idempotency-Key <code>{l.key.slice(0, 8)}…</code>,{' '}
        <b data-testid="ledger-applied">applied {times(l.applied)}</b>
        {l.requests > 1 ? `; ${l.requests - l.applied} answered from its idempotency store` : ''}.
      </div>
      {l.requests > 1 ? (
        <div className="remediation">
          {resentByBrowser
            ? `The links sent ${l.attempts === 1 ? 'one attempt' : `${l.attempts} attempts`}; the browser re-sent the request on its own after the dropped connection. The same key made that repeat harmless.`
            : `The links retried with the same key (see the event log), so the repeat was answered, not applied again.`}
        </div>
      ) : null}
    </div>
  );
}

export function EditForm({ id }: { id: string }) {
  const { data } = useQuery<{ purchaseOrder: PurchaseOrder }>(PURCHASE_ORDER, { variables: { id } });
  const [mutate] = useMutation<{ updatePurchaseOrder: PurchaseOrder }>(UPDATE_PURCHASE_ORDER);
  const po = data?.purchaseOrder;
  const client = useApolloClient();
  // Saves may overlap (a second save before the first is answered, or saves kept offline): the form
  // shows what the latest one did. The links serialize saves of one record, so they do not conflict.
  const latestSave = useRef(0);
  const [saving, setSaving] = useState(0);
  const waiting = useWaitingChanges().filter(
    (entry) => (entry.variables.input as { id?: unknown } | undefined)?.id === id,
  );
  // The version the person started from: its _etag goes with the mutation.
  const [editing, setEditing] = useState<PurchaseOrder | undefined>(undefined);
  const [form, setForm] = useState({ quantity: 0, notes: '', status: 'OPEN' as PurchaseOrder['status'] });
  const [outcome, setOutcome] = useState<
    { ok: boolean; text: string; classification?: Classification; delivery?: Ledger } | undefined
  >();

  useEffect(() => {
    if (po && !editing) {
      setEditing(po);
      setForm({ quantity: po.quantity, notes: po.notes, status: po.status });
    }
  }, [po, editing]);

  if (!po || !editing) return <p className="hint">Loading purchase order…</p>;

  const save = async () => {
    setOutcome(undefined);
    const decision: ConflictDecision = {};
    const delivery: Delivery = { attempts: 0 };
    const mine = ++latestSave.current;
    const isLatest = () => mine === latestSave.current;
    setSaving((n) => n + 1);
    try {
      const result = await mutate({
        variables: {
          input: { id, _etag: editing._etag, quantity: Number(form.quantity), notes: form.notes, status: form.status },
        },
        context: { decision, delivery },
      });
      const saved = result.data?.updatePurchaseOrder;
      if (result.error || !saved) throw result.error ?? new Error('no data');
      if (!isLatest()) return;
      setEditing(saved);
      setForm({ quantity: saved.quantity, notes: saved.notes, status: saved.status });
      setOutcome({
        ok: true,
        text: `Saved. Server version: quantity ${saved.quantity}, notes “${saved.notes}”.`,
        delivery: await ledger(delivery),
      });
    } catch (error) {
      if (!isLatest()) return;
      const [c] = getClassifications(error);
      const theirs = client.readQuery<{ purchaseOrder: PurchaseOrder }>({
        query: PURCHASE_ORDER,
        variables: { id },
      })?.purchaseOrder;
      if (c?.category === 'conflict' && theirs) {
        // Their version is in the cache (the link re-read it): continue from it.
        setEditing(theirs);
        setForm({ quantity: theirs.quantity, notes: theirs.notes, status: theirs.status });
      }
      if (c?.category === 'conflict' && decision.choice === 'theirs' && theirs) {
        // The person chose their version: nothing was sent, and that is what they asked for.
        const name = theirs.updatedBy.split('@')[0] ?? 'their';
        const by = name.charAt(0).toUpperCase() + name.slice(1);
        setOutcome({
          ok: true,
          text: `Kept ${by}'s version: quantity ${theirs.quantity}, notes “${theirs.notes}”. Your change was not saved.`,
        });
        return;
      }
      setOutcome({
        ok: false,
        text: c ? c.message : String(error),
        classification: c,
        delivery: delivery.idempotencyKey ? await ledger(delivery) : undefined,
      });
    } finally {
      setSaving((n) => n - 1);
    }
  };

  return (
    <form
      className="edit"
      data-testid="edit-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h2>
        {po.number} <small>etag {editing._etag}</small>
      </h2>
      <label>
        Quantity{' '}
        <input
          data-testid="edit-quantity"
          type="number"
          value={form.quantity}
          onChange={(e) => setForm({ ...form, quantity: Number(e.target.value) })}
        />
      </label>
      <label>
        Notes{' '}
        <input
          data-testid="edit-notes"
          value={form.notes}
          onChange={(e) => setForm({ ...form, notes: e.target.value })}
        />
      </label>
      <label>
        Status
        <select
          data-testid="edit-status"
          value={form.status}
          onChange={(e) => setForm({ ...form, status: e.target.value as PurchaseOrder['status'] })}
        >
          {['OPEN', 'APPROVED', 'RECEIVED', 'CLOSED'].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <button type="submit" data-testid="edit-save">
        {saving > 0 && waiting.length === 0 ? 'Saving…' : 'Save'}
      </button>
      {waiting.length > 0 ? (
        <div className="waiting" data-testid="edit-waiting">
          {plural(waiting.length, 'change')} to {po.number} kept offline: sent once, in order, when the network returns.
        </div>
      ) : null}
      {outcome ? (
        <div className={outcome.ok ? 'ok' : 'error-banner'} data-testid="edit-outcome">
          {outcome.text}
          {outcome.classification ? (
            <div className="remediation">
              {outcome.classification.category} · {outcome.classification.reason}: {outcome.classification.remediation}
            </div>
          ) : null}
          {outcome.delivery ? <LedgerLine l={outcome.delivery} /> : null}
        </div>
      ) : null}
    </form>
  );
}
