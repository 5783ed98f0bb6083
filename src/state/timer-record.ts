// The value a timer keeps in its shard's data hash. Newline-separated so the claim script can bump the
// delivery count without understanding the rest; the payload goes last and may hold anything.
import { PercolatorError } from '../errors.js';

export interface TimerRecord {
  deliveries: number;
  dueAt: number;
  executionId: string;
  payload: string;
}

export function encodeTimerRecord(record: TimerRecord): string {
  return `${record.deliveries}\n${record.dueAt}\n${record.executionId}\n${record.payload}`;
}

export function decodeTimerRecord(text: string): TimerRecord {
  const first = text.indexOf('\n');
  const second = text.indexOf('\n', first + 1);
  const third = text.indexOf('\n', second + 1);
  if (first < 0 || second < 0 || third < 0) {
    throw new PercolatorError(
      'STATE_CORRUPT_TIMER',
      `timer record ${JSON.stringify(text)} is malformed`,
      false,
    );
  }
  return {
    deliveries: Number(text.slice(0, first)),
    dueAt: Number(text.slice(first + 1, second)),
    executionId: text.slice(second + 1, third),
    payload: text.slice(third + 1),
  };
}
