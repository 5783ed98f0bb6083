// How far a stored state has got: the seq of its last event (0 when there is no state or it does not parse).
import type { StoredExecution } from '../state/index.js';

export function storedSeq(stored: StoredExecution | null): number {
  if (!stored) return 0;
  try {
    return (JSON.parse(stored.state) as { seq?: number }).seq ?? 0;
  } catch {
    return 0;
  }
}
