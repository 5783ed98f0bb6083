// Bulk cancel and retry on the executions list: the selected rows an action applies to (running ones can be
// cancelled, failed, cancelled and timed-out ones retried), a confirmation naming how many, then one API call
// per execution, a few at a time, and a tally of what the server did and refused (with its reason).
import { useState } from 'react';
import { api, ApiError } from '../api';

export type BulkAction = 'cancel' | 'retry';

const CANCELLABLE = new Set(['pending', 'running', 'waiting']);
const RETRYABLE = new Set(['failed', 'cancelled', 'timed_out']);

/** Which bulk action a row with this status takes, if any. */
export function eligible(status: string): BulkAction | undefined {
  if (CANCELLABLE.has(status)) return 'cancel';
  if (RETRYABLE.has(status)) return 'retry';
  return undefined;
}

interface Outcome {
  done: number;
  refused: { id: string; detail: string }[];
}

async function runAll(ids: readonly string[], action: BulkAction): Promise<Outcome> {
  const outcome: Outcome = { done: 0, refused: [] };
  const queue = [...ids];
  // Four at a time: quick for a page of rows, gentle on the API.
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        await api(`/api/v1/executions/${encodeURIComponent(id)}/${action}`, { method: 'POST', json: {} });
        outcome.done += 1;
      } catch (failure) {
        outcome.refused.push({ id, detail: failure instanceof ApiError ? failure.detail : String(failure) });
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return outcome;
}

export function BulkActions({
  rows,
  onDone,
  onSelectAll,
}: {
  rows: readonly { id: string; status: string }[];
  onDone: () => void;
  onSelectAll: (all: boolean) => void;
}) {
  const [confirming, setConfirming] = useState<BulkAction | undefined>();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ action: BulkAction; outcome: Outcome } | undefined>();
  const targets = (action: BulkAction) =>
    rows.filter((row) => eligible(row.status) === action).map((r) => r.id);
  const cancellable = targets('cancel');
  const retryable = targets('retry');

  async function run(action: BulkAction) {
    setBusy(true);
    const outcome = await runAll(action === 'cancel' ? cancellable : retryable, action);
    setBusy(false);
    setConfirming(undefined);
    setResult({ action, outcome });
    onDone();
  }

  return (
    <div className="bulk-bar" data-testid="bulk-bar">
      <label>
        <input
          type="checkbox"
          data-testid="select-all"
          checked={rows.length > 0}
          onChange={(event) => onSelectAll(event.target.checked)}
        />{' '}
        {rows.length} selected
      </label>
      <button
        type="button"
        data-testid="bulk-cancel"
        disabled={busy || cancellable.length === 0}
        onClick={() => setConfirming('cancel')}
      >
        Cancel {cancellable.length}
      </button>
      <button
        type="button"
        data-testid="bulk-retry"
        disabled={busy || retryable.length === 0}
        onClick={() => setConfirming('retry')}
      >
        Retry {retryable.length}
      </button>
      {confirming && (
        <span className="confirm" role="alertdialog" data-testid="bulk-confirm">
          {confirming === 'cancel'
            ? `Cancel ${cancellable.length} running execution${cancellable.length === 1 ? '' : 's'}?`
            : `Start ${retryable.length} new execution${retryable.length === 1 ? '' : 's'} with the same input?`}{' '}
          <button
            type="button"
            data-testid="bulk-confirm-yes"
            disabled={busy}
            onClick={() => void run(confirming)}
          >
            Yes
          </button>
          <button type="button" disabled={busy} onClick={() => setConfirming(undefined)}>
            No
          </button>
        </span>
      )}
      {result && (
        <span className="muted" data-testid="bulk-result" data-done={result.outcome.done}>
          {result.action === 'cancel' ? 'cancelled' : 'retried'} {result.outcome.done}
          {result.outcome.refused.length > 0 &&
            `; refused ${result.outcome.refused.length}: ${result.outcome.refused
              .slice(0, 3)
              .map((r) => `${r.id} (${r.detail})`)
              .join(', ')}`}
        </span>
      )}
    </div>
  );
}
