// The two workloads as each system needs them: W1 is start → A → B → C → end, W2 is one step, ten in
// parallel, then one join. Every step is an echo of a ~0.5 KB payload.
import type { WorkloadName } from './report.js';

export const PAYLOAD_BYTES = 512;
export const W2_BRANCHES = 10;

/** A deterministic printable payload of about half a kilobyte. */
export function benchPayload(bytes = PAYLOAD_BYTES): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let text = '';
  for (let index = 0; text.length < bytes; index++) text += alphabet[(index * 7) % alphabet.length];
  return text;
}

export const W1_STEPS = ['a', 'b', 'c'] as const;
export const W2_FIRST = 'first';
export const W2_JOIN = 'join';
export const w2BranchIds = (): string[] =>
  Array.from({ length: W2_BRANCHES }, (_, index) => `b${String(index + 1).padStart(2, '0')}`);

/** Agent calls per workflow, for the report's arithmetic. */
export const AGENT_CALLS: Record<WorkloadName, number> = { W1: 3, W2: W2_BRANCHES + 2 };

/** The Percolator definition of a workload; each step passes the payload on explicitly. */
export function percolatorDefinition(
  workload: WorkloadName,
  name: string,
): { workflow: Record<string, unknown> } {
  const echo = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    type: 'agent',
    agent_type: 'echo',
    action: 'echo',
    input: "{ 'payload': payload }",
    ...extra,
  });
  if (workload === 'W1') {
    return {
      workflow: {
        name,
        steps: W1_STEPS.map((id) => echo(id)),
        connections: [
          { from: 'a', to: 'b' },
          { from: 'b', to: 'c' },
        ],
      },
    };
  }
  const branches = w2BranchIds();
  return {
    workflow: {
      name,
      steps: [echo(W2_FIRST), ...branches.map((id) => echo(id)), echo(W2_JOIN, { join: 'all' })],
      connections: [
        ...branches.map((id) => ({ from: W2_FIRST, to: id })),
        ...branches.map((id) => ({ from: id, to: W2_JOIN })),
      ],
    },
  };
}
