// A real Prometheus scrapes a small HTTP server that serves a Percolator metrics registry, evaluates the
// shipped alert rules against it, and answers queries for the scraped series through its HTTP API.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../../src/observability/metrics.js';

function requirePrometheus(): void {
  const found = spawnSync('sh', ['-c', 'command -v prometheus && command -v promtool'], { encoding: 'utf8' });
  if (found.status !== 0)
    throw new Error('prometheus is not installed: run scripts/ensure-prometheus.sh (as root) and try again');
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((done) => probe.close(done));
  return port;
}

interface QueryAnswer {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

describe('Prometheus scrapes Percolator metrics', () => {
  const metrics = new Metrics();
  const workflow = `obs-${process.pid}-${Date.now()}`;
  let exporter: Server;
  let prometheus: ChildProcess | undefined;
  let output = '';
  let dir: string;
  let base: string;

  beforeAll(async () => {
    requirePrometheus();
    metrics.executionsStarted.inc({ workflow }, 5);
    metrics.executionsFinished.inc({ workflow, status: 'completed' }, 4);
    metrics.executionDuration.observe({ workflow, status: 'completed' }, 0.4);
    metrics.consumerLag.set({ group: 'obs.orchestrator', topic: 'obs.executions', partition: '0' }, 42);

    exporter = createServer((request, response) => {
      if (request.url !== '/metrics') return void response.writeHead(404).end();
      metrics.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    });
    const exporterPort = await listen(exporter);

    dir = mkdtempSync(join(tmpdir(), 'percolator-prometheus-'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'rule_files:',
        `  - ${resolve('deploy/prometheus/rules/percolator.rules.yml')}`,
        'scrape_configs:',
        '  - job_name: percolator-engine',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${exporterPort}']`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-lifecycle',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    prometheus.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const deadline = Date.now() + 30_000;
    for (;;) {
      if (prometheus.exitCode !== null) throw new Error(`prometheus exited early:\n${output}`);
      const ready = await fetch(`${base}/-/ready`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`prometheus not ready within 30 s:\n${output}`);
      await new Promise((done) => setTimeout(done, 200));
    }
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((done) => prometheus!.once('exit', done));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await new Promise((done) => exporter?.close(done));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function query(expression: string): Promise<QueryAnswer['data']['result']> {
    const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expression)}`);
    const answer = (await response.json()) as QueryAnswer;
    expect(answer.status).toBe('success');
    return answer.data.result;
  }

  it('reads a scraped Percolator counter back through /api/v1/query', async () => {
    await expect
      .poll(
        async () => (await query(`percolator_executions_started_total{workflow="${workflow}"}`))[0]?.value[1],
        {
          timeout: 20_000,
          interval: 500,
        },
      )
      .toBe('5');
    const [up] = await query('up{job="percolator-engine"}');
    expect(up?.value[1]).toBe('1');
    const [lag] = await query('percolator_consumer_lag_records{group="obs.orchestrator"}');
    expect(lag?.metric).toMatchObject({ topic: 'obs.executions', partition: '0' });
    expect(lag?.value[1]).toBe('42');
    const [count] = await query(`percolator_execution_duration_seconds_count{workflow="${workflow}"}`);
    expect(count?.value[1]).toBe('1');
    // The prom-client process metrics are scraped under the same prefix the dashboards use.
    expect(await query('percolator_process_resident_memory_bytes')).toHaveLength(1);
  });

  it('loads the shipped rules and fires the dead-letter alert when a record is dead-lettered', async () => {
    const rules = (await (await fetch(`${base}/api/v1/rules`)).json()) as {
      data: { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const loaded = rules.data.groups.flatMap((group) => group.rules);
    expect(loaded.length).toBeGreaterThanOrEqual(8);
    for (const rule of loaded) expect(rule.health, `${rule.name}: ${rule.lastError ?? ''}`).not.toBe('err');

    // A first sample of the series at 0, then an increase: what increase() needs to see it.
    metrics.deadLetters.inc({ reason: 'UNDECODABLE', component: 'orchestrator' }, 0);
    await expect
      .poll(
        async () =>
          (await query('percolator_dead_letters_total{reason="UNDECODABLE",component="orchestrator"}'))[0]
            ?.value[1],
        { timeout: 20_000, interval: 250 },
      )
      .toBe('0');
    metrics.deadLetters.inc({ reason: 'UNDECODABLE', component: 'orchestrator' }, 3);

    await expect
      .poll(
        async () => {
          const alerts = (await (await fetch(`${base}/api/v1/alerts`)).json()) as {
            data: { alerts: { labels: Record<string, string>; state: string }[] };
          };
          return alerts.data.alerts.find((alert) => alert.labels.alertname === 'PercolatorDeadLetters');
        },
        { timeout: 20_000, interval: 500 },
      )
      .toMatchObject({
        state: 'firing',
        labels: { reason: 'UNDECODABLE', component: 'orchestrator', severity: 'warning' },
      });
  });
});
