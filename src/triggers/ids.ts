// Deterministic ids for whatever a trigger asks of the orchestrator. The same tick or the same event always maps
// to the same execution id (and the same signal id), so firing twice — two schedulers racing, a consumer
// redelivering a batch — ends in the orchestrator's refusal of a duplicate input rather than in a second run.
import { createHash } from 'node:crypto';

/**
 * A UUID (version 8, "custom") built from a SHA-256 of the parts. The parts are joined with a separator that
 * cannot occur in them unescaped, so ('a/b', 'c') and ('a', 'b/c') never collide.
 */
export function deterministicUuid(namespace: string, ...parts: readonly (string | number)[]): string {
  const hash = createHash('sha256');
  hash.update(namespace);
  for (const part of parts)
    hash.update(`\u0000${String(part).replaceAll('\\', '\\\\').replaceAll('\u0000', '\\0')}`);
  const bytes = hash.digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `<workflow id>/<trigger index>`: the trigger id an execution records, and the scheduler's bookkeeping key. */
export function triggerId(workflowId: string, triggerIndex: number): string {
  return `${workflowId}/${triggerIndex}`;
}

/** The execution a schedule trigger starts for one tick. */
export function scheduledExecutionId(
  workflowId: string,
  triggerIndex: number,
  scheduledTimeMs: number,
): string {
  return deterministicUuid('percolator.schedule', workflowId, triggerIndex, scheduledTimeMs);
}

/** The execution an event trigger starts for one event (its identity: see `eventIdentity`). */
export function eventExecutionId(workflowId: string, triggerIndex: number, eventIdentity: string): string {
  return deterministicUuid('percolator.event', workflowId, triggerIndex, eventIdentity);
}

/**
 * The signal id under which one event reaches a waiting execution. The orchestrator remembers signal ids per
 * execution, so the same event delivered again is refused as a duplicate input.
 */
export function eventSignalId(eventIdentity: string): string {
  return deterministicUuid('percolator.signal', eventIdentity);
}
