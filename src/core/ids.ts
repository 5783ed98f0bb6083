// Deterministic ids: a replayed input yields the same commands with the same ids, so publishing twice is harmless.

export function commandId(executionId: string, stepId: string, attempt: number): string {
  return `${executionId}:${stepId}:${attempt}`;
}

/**
 * The key a side effect of one step execution is recorded under: the same for every attempt of the step,
 * so an agent that sees a retry of work an earlier attempt already did applies it once. It names the step
 * execution, not the attempt (the core runs a step at most once per execution: no step is re-entered).
 */
export function stepIdempotencyKey(executionId: string, stepId: string): string {
  return `${executionId}:${stepId}`;
}

export function compensationCommandId(executionId: string, stepId: string): string {
  return `${executionId}:${stepId}:compensate`;
}

export function stepTimerId(
  executionId: string,
  stepId: string,
  attempt: number,
  kind: 'retry' | 'stepTimeout' | 'delay',
): string {
  return `${executionId}:${stepId}:${attempt}:${kind}`;
}

export function workflowTimerId(executionId: string): string {
  return `${executionId}::workflowTimeout`;
}

/** A stable number in [0, 1) derived from a string (FNV-1a): jitter without randomness. */
export function unitHash(value: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < value.length; index++) {
    hash ^= value.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 0x1_0000_0000;
}
