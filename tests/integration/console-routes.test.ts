// The console's side of the API: the built app served from the same origin with its cache headers and the SPA
// fallback (never shadowing an API 404), the side-effect-free validation with located problems, the summary.
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { consoleAssets } from '../../src/api/console/console-assets.js';
import { TestEngine } from '../support/engine.js';
import { ApiHarness } from './api-harness.js';

describe('console routes', () => {
  let engine: TestEngine;
  let api: ApiHarness;
  let assets: Server;
  let assetsUrl: string;

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'console-routes', agents: [echoAgent] });
    api = await ApiHarness.start(engine);
    const root = await mkdtemp(join(tmpdir(), 'percolator-console-'));
    await mkdir(join(root, 'assets'));
    await writeFile(join(root, 'index.html'), '<!doctype html><title>console</title>');
    await writeFile(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
    const app = new Koa();
    app.use(consoleAssets(root));
    assets = createServer(app.callback());
    await new Promise<void>((resolve) => assets.listen(0, '127.0.0.1', resolve));
    assetsUrl = `http://127.0.0.1:${(assets.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => assets?.close(() => resolve()));
    await api?.stop();
    await engine?.stop();
  });

  it('serves index.html for / and deep links, revalidated; hashed assets immutable; no way out of the root', async () => {
    for (const path of ['/', '/executions/some-id', '/workflows/a.b']) {
      const response = await fetch(`${assetsUrl}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(await response.text()).toContain('<title>console</title>');
    }
    const asset = await fetch(`${assetsUrl}/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${assetsUrl}/assets/gone-000.js`)).status).toBe(404);
    expect((await fetch(`${assetsUrl}/assets/..%2f..%2f..%2fetc%2fpasswd`)).status).toBe(404);
  });

  it('leaves unknown API paths a 404 problem rather than the console page', async () => {
    const response = await api.request('GET', '/api/v1/no-such-thing');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).not.toContain('text/html');
  });

  it('validates a definition with located problems and stores nothing', async () => {
    const name = `${engine.prefix}.validated`;
    const broken = `workflow:\n  name: ${name}\n  steps:\n    - id: a\n      type: transform\n      output: "1"\n    - id: b\n      type: teleport\n`;
    const report = await api.request('POST', '/api/v1/workflows/validate', { text: broken });
    expect(report.status, report.text).toBe(200);
    expect(report.body.valid).toBe(false);
    const problem = report.body.problems.find(
      (entry: { rule: string }) => entry.rule === 'unknown-step-type',
    );
    expect(problem).toMatchObject({ severity: 'error', line: 8, pointer: '/workflow/steps/1/type' });
    const ok = await api.request('POST', '/api/v1/workflows/validate', {
      body: { source: `workflow:\n  name: ${name}\n  steps:\n    - {id: a, type: transform, output: "1"}\n` },
    });
    expect(ok.body).toEqual({ valid: true, problems: [] });
    expect((await api.request('GET', `/api/v1/workflows/${encodeURIComponent(name)}`)).status).toBe(404);
    expect(
      (await api.request('POST', '/api/v1/workflows/validate', { role: 'viewer', text: broken })).status,
    ).toBe(403);
  });

  it('answers the summary and who the caller is, and lists both in the OpenAPI document', async () => {
    const summary = await api.request('GET', '/api/v1/console/summary', { role: 'viewer' });
    expect(summary.status, summary.text).toBe(200);
    expect(summary.body).toMatchObject({ in_flight: expect.any(Number), agents: { online: 0, total: 0 } });
    const me = await api.request('GET', '/api/v1/console/me', { role: 'operator' });
    expect(me.body).toEqual({ subject: 'test-operator', roles: ['operator'], via: 'jwt' });
    const openApi = await api.request('GET', '/api/v1/openapi.json', { role: null });
    expect(Object.keys(openApi.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/workflows/validate', '/api/v1/console/summary', '/api/v1/console/me']),
    );
  });
});
