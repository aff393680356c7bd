// How the desk's lists load: the cache first and then the network, errors beside the data, and the
// last data kept (marked stale) when a refresh fails, instead of a blank table.
import { useQuery } from '@apollo/client/react';
import type { DocumentNode } from 'graphql';
import { getClassifications, type Classification } from 'apollo-link-resilience';
import { useEffect, useState, type ReactNode } from 'react';
import type { CircuitView } from './circuit';
import { seconds } from './eventText';
import { useCircuit } from './stores';

export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

export interface DeskQuery<T> {
  /** What to show: this response's data, or the last data that arrived when this one failed. */
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** The request failed as a whole and `data` is from an earlier one. */
  stale: boolean;
  /** When `data` arrived from the server. */
  fetchedAt: number | undefined;
  refetch: () => void;
}

export function useDeskQuery<T>(query: DocumentNode): DeskQuery<T> {
  const { data, previousData, error, loading, refetch } = useQuery<T>(query, {
    fetchPolicy: 'cache-and-network',
    errorPolicy: 'all',
    notifyOnNetworkStatusChange: true,
  });
  const failedAsAWhole = error !== undefined && getClassifications(error).every((c) => !c.path);
  const [fetchedAt, setFetchedAt] = useState<number | undefined>(undefined);
  useEffect(() => {
    if (data !== undefined && !failedAsAWhole && !loading) setFetchedAt(Date.now());
  }, [data, failedAsAWhole, loading]);
  // A request that failed as a whole has no data of its own: Apollo keeps the last data as previousData.
  const shown = (data ?? previousData) as T | undefined;
  return {
    data: shown,
    error,
    loading,
    stale: failedAsAWhole && shown !== undefined,
    fetchedAt,
    refetch: () => void refetch().catch(() => undefined),
  };
}

/** The paths of fields that failed (partial data), with why. */
export function failedPaths(error: unknown): Map<string, Classification> {
  const out = new Map<string, Classification>();
  for (const c of getClassifications(error)) if (c.path) out.set(c.path.join('.'), c);
  return out;
}

function circuitText(circuit: CircuitView, now: number): string {
  if (circuit.state === 'half-open') return 'Probing the server now…';
  const wait = circuit.nextProbeAt === undefined ? undefined : circuit.nextProbeAt - now;
  return wait === undefined
    ? 'The next probe is scheduled.'
    : wait > 0
      ? `Next probe in ${seconds(wait)}.`
      : 'Probing the server now…';
}

/** What went wrong with the whole request (not single fields), and what happens next. */
export function StatusBanner({ error }: { error: unknown }) {
  const circuit = useCircuit();
  const now = useNow(250);
  if (circuit.state !== 'closed') {
    return (
      <div className="error-banner circuit" role="alert" data-testid="circuit-banner">
        <strong>The server keeps failing: requests are paused.</strong>{' '}
        <span data-testid="circuit-countdown">{circuitText(circuit, now)}</span>
        <div className="remediation">Requests resume by themselves when a probe succeeds; this view reloads then.</div>
      </div>
    );
  }
  const list = getClassifications(error).filter((c) => !c.path);
  if (list.length === 0) return null;
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      {list.map((c, i) => (
        <div key={i}>
          <strong>
            {c.category}
            {c.reason ? ` · ${c.reason}` : ''}
            {c.status ? ` (${c.status})` : ''}
          </strong>
          : {c.message}
          <div className="remediation">{c.remediation}</div>
        </div>
      ))}
    </div>
  );
}

/** Refresh, progress, and whether what is shown is current. */
export function Toolbar({ q, children, testid }: { q: DeskQuery<unknown>; children?: ReactNode; testid: string }) {
  return (
    <div className="toolbar">
      <button data-testid={`refresh-${testid}`} onClick={q.refetch}>
        ↻ Refresh
      </button>
      {q.loading ? <span className="loading">loading…</span> : null}
      {q.stale ? (
        <span className="stale-note" data-testid={`stale-${testid}`}>
          stale: showing the data from{' '}
          {q.fetchedAt !== undefined ? new Date(q.fetchedAt).toLocaleTimeString() : 'an earlier visit'}
        </span>
      ) : null}
      {children}
    </div>
  );
}
