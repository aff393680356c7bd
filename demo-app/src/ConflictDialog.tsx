import { useState } from 'react';
import { useConflict } from './stores';

function show(value: unknown): string {
  return value === undefined ? '(unknown)' : value === null ? '—' : value === '' ? '(empty)' : String(value);
}

export function ConflictDialog() {
  const open = useConflict();
  const [edits, setEdits] = useState<Record<string, string>>({});
  if (!open) return null;
  const { conflict, resolve } = open;
  const { latest, fields } = conflict;
  const updatedAt = typeof latest.updatedAt === 'string' ? Date.parse(latest.updatedAt) : NaN;
  const agoS = Math.max(0, Math.round((Date.now() - updatedAt) / 1000));
  const ago = Number.isNaN(updatedAt)
    ? ''
    : agoS < 5
      ? ' just now'
      : agoS < 120
        ? ` ${agoS} seconds ago`
        : ` ${Math.round(agoS / 60)} minutes ago`;
  const by = typeof latest.updatedBy === 'string' ? latest.updatedBy.split('@')[0] : 'someone';
  const editedVariables = () => {
    const input = { ...((conflict.operation.variables.input as Record<string, unknown>) ?? {}) };
    for (const f of fields)
      if (edits[f.field] !== undefined)
        input[f.field] = typeof f.mine === 'number' ? Number(edits[f.field]) : edits[f.field];
    return { ...conflict.operation.variables, input };
  };
  return (
    <div className="overlay" role="dialog" aria-modal="true" data-testid="conflict-dialog">
      <div className="dialog">
        <h2>
          This purchase order was modified by {by}
          {ago}
        </h2>
        <p>
          {conflict.reason === 'no-base'
            ? 'Your starting version is unknown; compare your values with theirs.'
            : `You both changed ${fields.length === 1 ? `the ${fields[0]!.field}` : `the same ${fields.length} fields`}. Choose what to keep.`}
        </p>
        <table>
          <thead>
            <tr>
              <th>Field</th>
              <th>Before</th>
              <th>Mine</th>
              <th>Theirs</th>
              <th>Edit</th>
            </tr>
          </thead>
          <tbody>
            {fields.map((f) => (
              <tr key={f.field}>
                <td>{f.field}</td>
                <td>{show(f.base)}</td>
                <td className="mine">{show(f.mine)}</td>
                <td className="theirs">{show(f.theirs)}</td>
                <td>
                  <input
                    aria-label={`edit ${f.field}`}
                    defaultValue={show(f.mine)}
                    onChange={(e) => setEdits({ ...edits, [f.field]: e.target.value })}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="actions">
          <button data-testid="conflict-keep-mine" onClick={() => resolve('retry')}>
            Keep mine
          </button>
          <button data-testid="conflict-take-theirs" onClick={() => resolve('abort')}>
            Take theirs
          </button>
          <button data-testid="conflict-edit" onClick={() => resolve(editedVariables())}>
            Save my edit
          </button>
        </div>
      </div>
    </div>
  );
}
