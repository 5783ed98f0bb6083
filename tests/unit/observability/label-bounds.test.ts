// /metrics stays bounded whatever workflow names and agent types arrive: long values are cut, and past the
// limit of distinct values new ones share the `other` series, while the first ones keep counting on their own.
import { describe, expect, it } from 'vitest';
import { LabelBounds, OTHER_LABEL } from '../../../src/observability/label-bounds.js';
import { Metrics } from '../../../src/observability/metrics.js';

const seriesOf = async (metrics: Metrics, name: string): Promise<string[]> =>
  (await metrics.registry.metrics()).split('\n').filter((line) => line.startsWith(`${name}{`));

describe('metric label bounds', () => {
  it('cuts a 5,000-character workflow name to 100 characters in every metric', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const name = 'w'.repeat(5000);
    metrics.executionsStarted.inc({ workflow: name });
    metrics.executionsFinished.inc({ workflow: name, status: 'completed' });
    metrics.executionDuration.observe({ workflow: name, status: 'completed' }, 1.5);
    metrics.stepDuration.observe({ workflow: name, step_type: 'agent', outcome: 'succeeded' }, 0.2);
    metrics.retries.inc({ workflow: name });
    const text = await metrics.registry.metrics();
    expect(text).not.toContain('w'.repeat(101));
    expect(text).toContain(`workflow="${'w'.repeat(99)}…"`);
    expect(await seriesOf(metrics, 'percolator_executions_started_total')).toEqual([
      `percolator_executions_started_total{workflow="${'w'.repeat(99)}…"} 1`,
    ]);
  });

  it('counts workflows past the limit under "other", and keeps counting the first ones by name', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const limit = metrics.labelBounds.maxValues;
    for (let index = 0; index < limit + 300; index++)
      metrics.executionsStarted.inc({ workflow: `wf-${index}` });
    metrics.executionsStarted.inc({ workflow: 'wf-0' });
    const series = await seriesOf(metrics, 'percolator_executions_started_total');
    expect(series).toHaveLength(limit + 1);
    expect(series).toContain(`percolator_executions_started_total{workflow="${OTHER_LABEL}"} 300`);
    expect(series).toContain('percolator_executions_started_total{workflow="wf-0"} 2');
    // The same workflows keep their names in the other metrics; later ones are "other" there too.
    metrics.executionDuration.observe({ workflow: 'wf-1', status: 'failed' }, 1);
    metrics.executionDuration.observe({ workflow: 'brand-new', status: 'failed' }, 1);
    const durations = await seriesOf(metrics, 'percolator_execution_duration_seconds_count');
    expect(durations.map((line) => /workflow="([^"]*)"/.exec(line)?.[1]).sort()).toEqual(['other', 'wf-1']);
  });

  it('bounds agent types from results and heartbeats the same way', async () => {
    const metrics = new Metrics({ processMetrics: false });
    for (let index = 0; index < metrics.labelBounds.maxValues + 10; index++) {
      const type = `agent-${index}-${'x'.repeat(300)}`;
      metrics.resultsReceived.inc({ agent_type: type, status: 'succeeded' });
      metrics.agentsOnline.set({ agent_type: type }, 1);
    }
    const results = await seriesOf(metrics, 'percolator_results_received_total');
    expect(results).toHaveLength(metrics.labelBounds.maxValues + 1);
    expect(results.every((line) => line.length < 250)).toBe(true);
    expect(await seriesOf(metrics, 'percolator_agents_online')).toHaveLength(
      metrics.labelBounds.maxValues + 1,
    );
  });

  it('takes its limits as options', () => {
    const bounds = new LabelBounds({ maxValues: 2, maxLength: 5 });
    expect(['abcdefgh', 'b', 'c', 'b'].map((value) => bounds.value('workflow', value))).toEqual([
      'abcd…',
      'b',
      OTHER_LABEL,
      'b',
    ]);
    expect(bounds.value('agent_type', 'c')).toBe('c');
  });
});
