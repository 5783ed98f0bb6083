// Soak: an agent's command path (admission, then the CommandRunner) handles 200k commands, and its heap
// after GC does not grow past what it held after the first 10k, once the result cache had filled.
// On Node 20 a per-command AbortSignal.any kept every command's signal alive (nodejs/node#55351).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Admission } from '../../../src/agents/sdk/admission.js';
import { CommandRunner } from '../../../src/agents/sdk/command-runner.js';
import { defineAgent } from '../../../src/agents/sdk/define-agent.js';
import type { AgentCommand } from '../../../src/kafka/envelopes.js';
import { createLogger } from '../../../src/observability/logger.js';

const TOTAL = 200_000;
const BASELINE_AT = 10_000;

function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function command(n: number): AgentCommand {
  const executionId = `exec-${n}`;
  return {
    command_id: `${executionId}:step:1`,
    idempotency_key: `${executionId}:step`,
    execution_id: executionId,
    step_id: 'step',
    attempt: 1,
    workflow_name: 'soak',
    workflow_version: 1,
    agent_type: 'soak',
    action: 'echo',
    input_json: `{"n":${n}}`,
    deadline: Date.now() + 60_000,
    trace_context: {},
    issued_at: Date.now(),
  };
}

describe('agent soak', () => {
  it(`holds its heap over ${TOTAL} commands`, { timeout: 300_000 }, async () => {
    const gc = collectGarbage();
    const agent = defineAgent({
      type: 'soak',
      version: '1',
      concurrency: 8,
      actions: { echo: { handler: async (input: { n: number }) => ({ n: input.n }) } },
    });
    const runner = new CommandRunner({ agent, agentId: 'soak-1', logger: createLogger({ level: 'silent' }) });
    const stop = new AbortController();
    const admission = new Admission({ capacity: 16, stopSignal: stop.signal, heartbeatEveryMs: 3_000 });
    const heartbeat = async () => undefined;
    let succeeded = 0;
    let baseline = 0;
    for (let n = 0; n < TOTAL; n++) {
      if (n === BASELINE_AT) {
        while (admission.admitted > 0) await new Promise((resolve) => setImmediate(resolve));
        baseline = heapAfterGc(gc);
      }
      const release = await admission.admit(heartbeat);
      if (!release) throw new Error('admission refused a command while the agent runs');
      void runner
        .submit(command(n))
        .then((outcome) => {
          if (outcome.kind === 'result' && outcome.result.status === 'SUCCEEDED') succeeded++;
        })
        .finally(release);
    }
    while (admission.admitted > 0) await new Promise((resolve) => setImmediate(resolve));
    const final = heapAfterGc(gc);
    stop.abort();
    expect(succeeded).toBe(TOTAL);
    expect(
      final / baseline,
      `heap ${baseline} bytes after ${BASELINE_AT} commands, ${final} after ${TOTAL}`,
    ).toBeLessThan(1.2);
  });
});
