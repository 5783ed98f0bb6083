// A Kafka broker restart in the middle of a run: every execution still completes. This stops the shared broker,
// so it runs in the `disruptive` project, after the other suites (see the Makefile), never beside them.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { loadConfig } from '../../src/config/config.js';
import { stackEndpoints } from '../../src/stack/endpoints.js';
import { ensureJavaService, javaServiceState, stopJavaService } from '../../src/stack/java-service.js';
import { kafkaService } from '../../src/stack/kafka.js';
import { stackPaths } from '../../src/stack/paths.js';
import { TestEngine } from '../support/engine.js';
import { waitUntil } from '../support/wait.js';
import { testServices } from '../support/services.js';

const EXECUTIONS = 200;

/**
 * The checkout whose stack runs the broker: usually this one, but a second clone (a CI rehearsal beside a
 * working tree) finds the broker its neighbour started. The stack marks its JVMs with -Dpercolator.stack.
 */
function brokerStackRoot(): string | undefined {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const marker = /-Dpercolator\.stack=kafka@([^\0]+)\0/.exec(commandLine);
    if (marker) return dirname(marker[1]!);
  }
  return undefined;
}

describe('a Kafka broker restart mid-run', () => {
  let engine: TestEngine;
  const root = brokerStackRoot();
  const broker = kafkaService(
    root ? stackPaths(root) : stackPaths(),
    stackEndpoints(loadConfig({ KAFKA_BROKERS: testServices().kafkaBrokers.join(',') })),
  );

  beforeAll(async () => {
    const state = await javaServiceState(broker);
    if (!state.pid) {
      throw new Error(
        `this test restarts the local stack's Kafka (make stack); none of ours runs: ${state.note}`,
      );
    }
    // The connection errors while the broker is down are expected; only fatal ones are worth printing.
    engine = await TestEngine.start({ label: 'restart', agents: [echoAgent], logLevel: 'fatal' });
  }, 120_000);

  afterAll(async () => {
    await ensureJavaService(broker);
    await engine?.stop();
  }, 120_000);

  it('all executions complete', async () => {
    const name = await engine.register({
      workflow: {
        name: 'survives-restart',
        steps: [
          { id: 'first', type: 'agent', agent_type: 'echo', action: 'echo' },
          { id: 'pause', type: 'delay', duration: '3s' },
          { id: 'last', type: 'agent', agent_type: 'echo', action: 'echo', input: '{"n": n, "done": true}' },
        ],
      },
    });
    const ids = await engine.client.start(
      Array.from({ length: EXECUTIONS }, (_, n) => ({ workflowName: name, input: { n } })),
    );
    await waitUntil(
      async () => (await engine.states(ids)).some((state) => state?.status === 'running'),
      60_000,
    );

    console.log(await stopJavaService(broker));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const restarted = await ensureJavaService(broker);
    console.log(`kafka back: ${restarted.note}`);

    await waitUntil(
      async () => (await engine.states(ids)).every((state) => state?.status === 'completed'),
      240_000,
      500,
    );
    (await engine.states(ids)).forEach((state, n) => expect(state!.output).toEqual({ n, done: true }));
  }, 400_000);
});
