// promtool on what we ship and what we expose: the alert rules parse and their unit tests pass, the /metrics
// text of an engine that ran a workflow has the series we expect, and the /metrics of a full `percolator serve`
// process passes `promtool check metrics` without exceptions.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { Metrics } from '../../src/observability/metrics.js';
import { TestEngine } from '../support/engine.js';
import { EngineProcess, ensureBuilt } from '../support/engine-process.js';
import { freePort } from '../support/free-port.js';
import { uniquePrefix } from '../support/services.js';

const RULES = 'deploy/prometheus/rules/percolator.rules.yml';
const RULE_TESTS = 'deploy/prometheus/tests/percolator.rules.test.yml';

function requirePromtool(): void {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  if (found.status !== 0)
    throw new Error('promtool is not installed: run scripts/ensure-prometheus.sh (as root) and try again');
}

function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { encoding: 'utf8', input, timeout: 30_000 });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('promtool: alert rules', () => {
  beforeAll(requirePromtool);

  it('check rules accepts the rule file', () => {
    const { status, output } = promtool(['check', 'rules', RULES]);
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
    expect(status, output).toBe(0);
  });

  it('the rules fire, and stay quiet, as their unit tests say', () => {
    const { status, output } = promtool(['test', 'rules', RULE_TESTS]);
    expect(status, output).toBe(0);
    expect(output).toContain('SUCCESS');
  });
});

describe('promtool: the metrics of an engine that ran a workflow', () => {
  let engine: TestEngine;
  let workflow: string;

  beforeAll(async () => {
    requirePromtool();
    engine = await TestEngine.start({ label: 'obs-metrics', agents: [echoAgent], partitions: 2 });
    workflow = await engine.register({
      workflow: {
        name: 'observed',
        steps: [
          { id: 'first', type: 'agent', agent_type: 'echo', action: 'echo', input: '{"text": topic}' },
          { id: 'second', type: 'agent', agent_type: 'echo', action: 'echo', input: '{"text": text & "!"}' },
        ],
      },
    });
    const ids = await Promise.all([0, 1, 2].map((n) => engine.run(workflow, { topic: `t${n}` })));
    for (const id of ids) expect((await engine.waitFor(id)).status).toBe('completed');
  });
  afterAll(async () => engine?.stop());

  /** Value of one series, matched on a subset of its labels. */
  async function valueOf(name: string, labels: Record<string, string>): Promise<number | undefined> {
    const registry = engine.orchestrators[0]!.metrics.registry;
    const metric = (await registry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
    const values = (metric?.values ?? []) as { value: number; labels: Record<string, string | number> }[];
    const matching = values.filter((value) =>
      Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted),
    );
    return matching.length === 0 ? undefined : matching.reduce((sum, value) => sum + value.value, 0);
  }

  it('records executions, steps, agent commands and results, and partition lag', async () => {
    expect(await valueOf('percolator_executions_started_total', { workflow })).toBe(3);
    // Finishing is counted after the state is written; give the shell a moment past waitFor.
    await expect
      .poll(() => valueOf('percolator_executions_finished_total', { workflow, status: 'completed' }))
      .toBe(3);
    expect(await valueOf('percolator_execution_duration_seconds', { workflow, le: '+Inf' })).toBe(3);
    expect(
      await valueOf('percolator_step_duration_seconds', { workflow, step_type: 'agent', le: '+Inf' }),
    ).toBe(6);
    expect(await valueOf('percolator_commands_dispatched_total', { agent_type: 'echo' })).toBe(6);
    expect(
      await valueOf('percolator_results_received_total', { agent_type: 'echo', status: 'succeeded' }),
    ).toBe(6);
    expect(await valueOf('percolator_agent_response_seconds', { agent_type: 'echo', le: '+Inf' })).toBe(6);
    expect(await valueOf('percolator_orchestration_overhead_seconds', { le: '+Inf' })).toBeGreaterThan(0);
    // The gauges are refreshed by the sweeper (every second in tests): one lag series per input partition.
    const group = `${engine.prefix}.orchestrator`;
    await expect
      .poll(
        async () => {
          const registry = engine.orchestrators[0]!.metrics.registry;
          const lag = (await registry.getMetricsAsJSON()).find(
            (metric) => metric.name === 'percolator_consumer_lag_records',
          );
          return (lag?.values ?? []).filter((value) => value.labels.group === group).length;
        },
        { timeout: 10_000 },
      )
      .toBeGreaterThanOrEqual(2);
    expect(await valueOf('percolator_consumer_lag_records', { group })).toBeGreaterThanOrEqual(0);
  });

  it('the /metrics text passes promtool check metrics', async () => {
    const registry = engine.orchestrators[0]!.metrics.registry;
    const text = await registry.metrics();
    expect(text).toContain(`percolator_executions_started_total{workflow="${workflow}"} 3`);
    const { status, output } = promtool(['check', 'metrics'], text);
    expect(output.trim()).toBe('');
    expect(status).toBe(0);
  });

  it('the metrics module alone lints clean, without exceptions', async () => {
    const own = new Metrics({ processMetrics: false });
    own.executionsStarted.inc({ workflow: 'w' });
    own.executionsFinished.inc({ workflow: 'w', status: 'failed' });
    own.executionDuration.observe({ workflow: 'w', status: 'failed' }, 2);
    own.deadLetters.inc({ reason: 'UNDECODABLE', component: 'orchestrator' });
    own.consumerLag.set({ group: 'g', topic: 't', partition: '0' }, 7);
    const { status, output } = promtool(['check', 'metrics'], await own.registry.metrics());
    expect(output.trim()).toBe('');
    expect(status).toBe(0);
  });
});

describe('promtool: the /metrics of a full `percolator serve`', () => {
  let serve: EngineProcess;
  let port: number;

  beforeAll(async () => {
    requirePromtool();
    ensureBuilt();
    port = await freePort();
    serve = await EngineProcess.start(uniquePrefix('obs-serve'), 'all', { PORT: String(port) });
  }, 120_000);
  afterAll(async () => serve?.stop());

  it('passes promtool check metrics, process and Node.js metrics included', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    // The process metrics are there, under their corrected names, beside the engine's own.
    expect(text).toContain('percolator_nodejs_active_handles{');
    expect(text).not.toContain('percolator_nodejs_active_handles_total');
    expect(text).toContain('# TYPE percolator_executions_started_total counter');
    const { status, output } = promtool(['check', 'metrics'], text);
    expect(output.trim()).toBe('');
    expect(status).toBe(0);
  }, 60_000);
});
