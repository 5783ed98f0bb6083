// The dashboards and alert rules may only query metrics that exist: the names in src/observability/metrics.ts
// (the contract) and prom-client's default process metrics, which that module registers with our prefix.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Metrics } from '../../../src/observability/metrics.js';

const DASHBOARDS = 'deploy/grafana/dashboards';
const RULES = 'deploy/prometheus/rules/percolator.rules.yml';

/** Every metric name the registry exposes, with the series names a histogram adds. */
async function knownNames(): Promise<Set<string>> {
  const metrics = new Metrics();
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
  }
  return names;
}

/** Every string under a key named `expr` (panel targets) or `query`/`definition` (template variables). */
function queriesOf(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) queriesOf(item, found);
  else if (node !== null && typeof node === 'object')
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'string' && ['expr', 'query', 'definition'].includes(key)) found.push(value);
      else queriesOf(value, found);
    }
  return found;
}

function metricNamesIn(expression: string): string[] {
  return [...expression.matchAll(/\bpercolator_[a-zA-Z0-9_]+/g)].map(([name]) => name);
}

const dashboardFiles = readdirSync(DASHBOARDS).filter((file) => file.endsWith('.json'));

describe('dashboards and rules query only metrics that exist', () => {
  it('finds the four dashboards', () => {
    expect(dashboardFiles.sort()).toEqual([
      'percolator-agents.json',
      'percolator-kafka.json',
      'percolator-overview.json',
      'percolator-workflow.json',
    ]);
  });

  it.each(dashboardFiles)('%s', async (file) => {
    const known = await knownNames();
    const dashboard = JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as Record<string, unknown>;
    const queries = queriesOf(dashboard.panels).concat(queriesOf(dashboard.templating));
    const names = queries.flatMap(metricNamesIn);
    expect(names.length).toBeGreaterThan(3);
    const unknown = [...new Set(names)].filter((name) => !known.has(name));
    expect(unknown, `${file} queries metrics the registry does not have`).toEqual([]);
  });

  it('every panel has a unique id, a title, a description and queries the templated data source', () => {
    for (const file of dashboardFiles) {
      const dashboard = JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as {
        uid: string;
        panels: { id: number; type: string; title: string; description?: string; datasource?: unknown }[];
      };
      expect(dashboard.uid).toBe(file.replace(/\.json$/, ''));
      const ids = dashboard.panels.map((panel) => panel.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const panel of dashboard.panels.filter((candidate) => candidate.type !== 'row')) {
        expect(panel.title, file).toBeTruthy();
        expect(panel.description, `${file}: ${panel.title}`).toBeTruthy();
        expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      }
    }
  });

  it('the alert rules use registry metrics, plus only the requested ones', async () => {
    const known = await knownNames();
    const rules = parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { expr: string }[] }[] };
    const names = new Set(
      rules.groups.flatMap((group) => group.rules.flatMap((rule) => metricNamesIn(rule.expr))),
    );
    const unknown = [...names].filter((name) => !known.has(name));
    expect(unknown).toEqual([]);
  });
});
