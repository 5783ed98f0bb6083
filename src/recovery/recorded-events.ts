// The history's rows back into the core's events: a row keeps an event without its type and time (`data`), its
// type, its seq and when it happened. Recovery replays only a complete history: seq 1..n without a gap.
import type { ExecutionEvent } from '../core/model.js';
import { IncompleteHistoryError } from '../core/rebuild.js';
import type { RecordedEvent } from '../store/execution-repository.js';

export function toCoreEvents(executionId: string, recorded: readonly RecordedEvent[]): ExecutionEvent[] {
  return recorded.map((row, index) => {
    if (row.seq !== index + 1) {
      throw new IncompleteHistoryError(
        `the history of ${executionId} has event ${row.seq} where ${index + 1} belongs`,
      );
    }
    const data = row.data !== null && typeof row.data === 'object' ? row.data : {};
    return { ...data, type: row.type, at: row.occurredAt } as ExecutionEvent;
  });
}
