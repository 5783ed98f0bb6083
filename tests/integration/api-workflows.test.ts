// The admin API's workflow routes, probes and OpenAPI document, on the real stack.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are untyped JSON read by assertions */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinAgentCatalog } from '../../src/agents/builtin/builtin-catalog.js';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { PERMISSIONS } from '../../src/api/auth/permissions.js';
import { TestEngine } from '../support/engine.js';
import { ApiHarness } from './api-harness.js';

describe('admin API: workflows', () => {
  let engine: TestEngine;
  let api: ApiHarness;
  const name = (base: string) => `${engine.prefix}.${base}`;
  const echoStep = { id: 'say', type: 'agent', agent_type: 'echo', action: 'echo', input: '{"text": topic}' };

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'api-wf', agents: [echoAgent], orchestrators: 0 });
    api = await ApiHarness.start(engine, { bodyLimitBytes: 16 * 1024, agentCatalog: builtinAgentCatalog() });
  });
  afterAll(async () => {
    await api?.stop();
    await engine?.stop();
  });

  it('creates a workflow from the seed envelope, a raw document and YAML text', async () => {
    const seed = await api.request('POST', '/api/v1/workflows', {
      body: {
        name: name('seed-form'),
        description: 'from the seed README',
        type: 'sequential',
        definition: { steps: [echoStep] },
      },
    });
    expect(seed.status).toBe(201);
    expect(seed.body).toMatchObject({ name: name('seed-form'), version: 1 });
    expect(seed.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(seed.headers.get('location')).toBe(`/api/v1/workflows/${seed.body.id}`);

    const raw = await api.request('POST', '/api/v1/workflows', {
      body: { workflow: { name: name('raw-form'), steps: [echoStep] } },
    });
    expect(raw.status).toBe(201);

    const yaml = [
      'workflow:',
      `  name: ${name('yaml-form')}`,
      '  steps:',
      '    - id: say',
      '      type: agent',
      '      agent_type: echo',
      '      action: echo',
      '',
    ].join('\n');
    const fromYaml = await api.request('POST', '/api/v1/workflows', { text: yaml });
    expect(fromYaml.status).toBe(201);
    expect(fromYaml.body).toMatchObject({ name: name('yaml-form'), version: 1 });

    // The same definition again is not a new version.
    const again = await api.request('POST', '/api/v1/workflows', { text: yaml });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ version: 1, created: false });
  });

  it('answers an invalid definition with 422 and each problem located (pointer, and line/column for YAML)', async () => {
    const json = await api.request('POST', '/api/v1/workflows', {
      body: { workflow: { name: name('bad'), steps: [{ id: 'x', type: 'teleport' }] } },
    });
    expect(json.status).toBe(422);
    expect(json.headers.get('content-type')).toContain('application/problem+json');
    expect(json.body).toMatchObject({ status: 422, type: 'urn:percolator:problem:invalid-definition' });
    expect(json.body.errors[0]).toMatchObject({ pointer: '/workflow/steps/0/type' });
    expect(typeof json.body.errors[0].rule).toBe('string');

    const yaml = await api.request('POST', '/api/v1/workflows', {
      text: `workflow:\n  name: ${name('bad-yaml')}\n  steps:\n    - id: a\n      type: agent\n      agent_type: echo\n      action: echo\n      timeout: soon\n`,
    });
    expect(yaml.status).toBe(422);
    expect(yaml.body.errors[0]).toMatchObject({ pointer: '/workflow/steps/0/timeout', line: 8 });
    expect(yaml.text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('refuses wrong fields and missing inputs of the built-in agents with 422, and takes the corrected versions', async () => {
    const triage = (field: string) =>
      `workflow:\n  name: ${name('triage')}\n  steps:\n    - {id: analyze, type: agent, agent_type: feedback-analyst, action: analyze_feedback}\n    - id: reply\n      type: agent\n      agent_type: feedback-analyst\n      action: generate_response\n      conditions: [{expression: "analyze.${field} = 'negative'"}]\n`;
    const wrongField = await api.request('POST', '/api/v1/workflows', { text: triage('mood') });
    expect(wrongField.status).toBe(422);
    expect(wrongField.body.errors[0]).toMatchObject({ rule: 'unknown-field', line: 9 });
    expect(wrongField.body.errors[0].message).toContain(
      'step `analyze` (feedback-analyst.analyze_feedback) has no output field `mood`',
    );
    expect((await api.request('POST', '/api/v1/workflows', { text: triage('sentiment') })).status).toBe(201);

    const restock = (input: string) =>
      `workflow:\n  name: ${name('restock')}\n  steps:\n    - id: order\n      type: agent\n      agent_type: inventory\n      action: update_inventory\n      input: "${input}"\n`;
    const missing = await api.request('POST', '/api/v1/workflows', {
      text: restock("{ 'reason': 'restock' }"),
    });
    expect(missing.status).toBe(422);
    expect(missing.body.errors[0]).toMatchObject({ rule: 'missing-input-field', line: 8 });
    expect(missing.body.errors[0].message).toContain('update_inventory needs `product_id`, `delta`');
    const fixed = await api.request('POST', '/api/v1/workflows', {
      text: restock("{ 'product_id': product_id, 'delta': 5 }"),
    });
    expect(fixed.status).toBe(201);
  });

  it('refuses a body that is not a definition at all, malformed JSON and an unsupported media type', async () => {
    const shape = await api.request('POST', '/api/v1/workflows', { body: { hello: 'world' } });
    expect(shape.status).toBe(422);
    const malformed = await api.request('POST', '/api/v1/workflows', {
      text: '{"workflow": ',
      contentType: 'application/json',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.type).toBe('urn:percolator:problem:malformed-json');
    const media = await api.request('POST', '/api/v1/workflows', {
      text: '<xml/>',
      contentType: 'application/xml',
    });
    expect(media.status).toBe(415);
  });

  it('answers 413 for a body over the limit', async () => {
    const big = await api.request('POST', '/api/v1/workflows', {
      body: { workflow: { name: name('big'), description: 'x'.repeat(40 * 1024), steps: [echoStep] } },
    });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ status: 413, limit_bytes: 16 * 1024 });
  });

  it('lists, reads by id and by name, versions, updates and archives', async () => {
    const created = await api.request('POST', '/api/v1/workflows', {
      body: { workflow: { name: name('life'), steps: [echoStep] } },
    });
    const id = created.body.id as string;

    const list = await api.request('GET', '/api/v1/workflows', { role: 'viewer' });
    expect(list.status).toBe(200);
    expect(list.body.items.map((item: { name: string }) => item.name)).toContain(name('life'));

    const byId = await api.request('GET', `/api/v1/workflows/${id}`, { role: 'viewer' });
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({ id, name: name('life'), active_version: 1, versions: 1 });
    expect(byId.body.definition.workflow.steps[0].id).toBe('say');
    const byName = await api.request('GET', `/api/v1/workflows/${encodeURIComponent(name('life'))}`, {
      role: 'viewer',
    });
    expect(byName.body.id).toBe(id);

    const updated = await api.request('PUT', `/api/v1/workflows/${id}`, {
      body: {
        workflow: {
          name: name('life'),
          description: 'second',
          steps: [echoStep, { ...echoStep, id: 'again' }],
        },
      },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id, version: 2 });
    const renamed = await api.request('PUT', `/api/v1/workflows/${id}`, {
      body: { workflow: { name: name('other'), steps: [echoStep] } },
    });
    expect(renamed.status).toBe(422);

    const versions = await api.request('GET', `/api/v1/workflows/${id}/versions`, { role: 'viewer' });
    expect(
      versions.body.items.map((v: { version: number; active: boolean }) => [v.version, v.active]),
    ).toEqual([
      [1, false],
      [2, true],
    ]);

    const archived = await api.request('DELETE', `/api/v1/workflows/${id}`);
    expect(archived.status).toBe(200);
    const listed = await api.request('GET', '/api/v1/workflows', { role: 'viewer' });
    expect(listed.body.items.map((item: { id: string }) => item.id)).not.toContain(id);
    const execute = await api.request('POST', `/api/v1/workflows/${id}/execute`, {
      role: 'operator',
      body: {},
    });
    expect(execute.status).toBe(404);
  });

  it('reads one version with the YAML text it was saved from, comments kept', async () => {
    const source = `# why this workflow exists\nworkflow:\n  name: ${name('texted')}\n  steps:\n    - {id: say, type: transform, output: "1"} # the only step\n`;
    const first = await api.request('POST', '/api/v1/workflows', { text: source });
    expect(first.status, first.text).toBe(201);
    await api.request('POST', '/api/v1/workflows', {
      body: { workflow: { name: name('texted'), steps: [echoStep] } },
    });
    const ref = encodeURIComponent(name('texted'));
    const one = await api.request('GET', `/api/v1/workflows/${ref}/versions/1`, { role: 'viewer' });
    expect(one.status, one.text).toBe(200);
    expect(one.body).toMatchObject({ version: 1, active: false, source });
    expect(one.body.definition.workflow.steps[0].id).toBe('say');
    const two = await api.request('GET', `/api/v1/workflows/${ref}/versions/2`, { role: 'viewer' });
    expect(two.body).toMatchObject({ version: 2, active: true, source: null });
    const active = await api.request('GET', `/api/v1/workflows/${ref}`, { role: 'viewer' });
    expect(active.body.source).toBeNull();

    const missing = await api.request('GET', `/api/v1/workflows/${ref}/versions/3`, { role: 'viewer' });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toContain('version 3');
    const bad = await api.request('GET', `/api/v1/workflows/${ref}/versions/0`, { role: 'viewer' });
    expect(bad.status).toBe(400);
  });

  it("shows when a workflow's schedules fire next, in their time zone", async () => {
    const created = await api.request('POST', '/api/v1/workflows', {
      body: {
        workflow: {
          name: name('scheduled'),
          triggers: [{ type: 'schedule', schedule: '0 9 * * 1-5', timezone: 'Europe/Berlin' }],
          steps: [echoStep],
        },
      },
    });
    expect(created.status).toBe(201);
    const read = await api.request('GET', `/api/v1/workflows/${created.body.id}`, { role: 'viewer' });
    expect(read.status).toBe(200);
    expect(read.body.next_runs).toHaveLength(5);
    for (const run of read.body.next_runs) {
      expect(run).toMatchObject({ trigger_index: 0, schedule: '0 9 * * 1-5', timezone: 'Europe/Berlin' });
      const at = new Date(run.at);
      expect(at.getTime()).toBeGreaterThan(Date.now());
      // 09:00 in Berlin is 07:00 or 08:00 UTC depending on daylight saving time, on a weekday.
      expect([7, 8]).toContain(at.getUTCHours());
      expect([1, 2, 3, 4, 5]).toContain(at.getUTCDay());
    }
  });

  it('answers 404 problems for unknown workflows and routes', async () => {
    for (const path of [
      '/api/v1/workflows/00000000-0000-4000-8000-000000000000',
      '/api/v1/workflows/no-such-workflow/versions',
      '/api/v1/workflows/no-such-workflow/metrics',
      '/api/v1/nothing-here',
    ]) {
      const response = await api.request('GET', path, { role: 'viewer' });
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body).toMatchObject({ status: 404, title: 'Not Found' });
    }
  });

  it('serves /health, /ready and /metrics without credentials', async () => {
    expect((await api.request('GET', '/health', { role: null })).body).toEqual({ status: 'ok' });
    const ready = await api.request('GET', '/ready', { role: null });
    expect(ready.status).toBe(200);
    expect(ready.body.checks.postgres.status).toBe('up');
    const metrics = await api.request('GET', '/metrics', { role: null });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('process_cpu_user_seconds_total');
  });

  it('publishes an OpenAPI 3.1 document that is well formed and lists every route', async () => {
    const response = await api.request('GET', '/api/v1/openapi.json', { role: null });
    expect(response.status).toBe(200);
    const document = response.body;
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const listed = new Set<string>();
    const operationIds = new Set<string>();
    for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      expect(path.startsWith('/')).toBe(true);
      for (const [method, operation] of Object.entries(operations)) {
        expect(['get', 'post', 'put', 'delete']).toContain(method);
        listed.add(`${method.toUpperCase()} ${path}`);
        expect(operationIds.has(operation.operationId)).toBe(false);
        operationIds.add(operation.operationId);
        expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
        for (const match of path.matchAll(/\{(\w+)\}/g)) {
          expect(
            operation.parameters.some(
              (p: { name: string; in: string }) => p.name === match[1] && p.in === 'path',
            ),
          ).toBe(true);
        }
      }
    }
    expect([...listed].sort()).toEqual(Object.keys(PERMISSIONS).sort());
    // Every local reference resolves.
    const refs = JSON.stringify(document).match(/"\$ref":"#\/[^"]+"/g) ?? [];
    for (const ref of refs) {
      const pointer = ref.slice(9, -1).split('/').slice(1);
      let node: any = document;
      for (const part of pointer) node = node?.[part];
      expect(node, ref).toBeDefined();
    }
  });
});
