// Hostile input at the API's door: payloads beyond the documented limits (depth, size, string length, NUL) are
// 422s naming the limit before anything is stored or published, and bad ids in paths and queries are 400s
// naming the parameter, where they used to be 500s from Postgres or the Redis key layer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { TestEngine } from '../support/engine.js';
import { ApiHarness } from './api-harness.js';

const nested = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('admin API: input limits and bad ids', () => {
  let engine: TestEngine;
  let api: ApiHarness;
  let workflowId: string;
  let waitingId: string;

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'api-limits', agents: [echoAgent] });
    api = await ApiHarness.start(engine, {
      payloadLimits: { maxBytes: 64 * 1024, maxDepth: 64, maxStringLength: 4096 },
    });
    const created = await api.request('POST', '/api/v1/workflows', {
      body: {
        workflow: {
          name: `${engine.prefix}.limits`,
          steps: [{ id: 'say', type: 'agent', agent_type: 'echo', action: 'echo', input: '{"text": "hi"}' }],
        },
      },
    });
    expect(created.status).toBe(201);
    workflowId = created.body.id;
    const waiting = await api.request('POST', '/api/v1/workflows', {
      body: {
        workflow: {
          name: `${engine.prefix}.waits`,
          steps: [{ id: 'approve', type: 'wait_for_event', event_type: 'approval.granted' }],
        },
      },
    });
    const started = await api.request('POST', `/api/v1/workflows/${waiting.body.id}/execute`, { body: {} });
    waitingId = started.body.execution_id;
    await api.waitForExecution(waitingId, (execution) => execution.status === 'waiting', 90_000);
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
    await engine?.stop();
  });

  const execute = (text: string) =>
    api.request('POST', `/api/v1/workflows/${workflowId}/execute`, {
      text,
      contentType: 'application/json',
    });

  it('refuses inputs nested 65, 3,000, 6,000 and 500,000 levels deep with 422 max_depth naming input', async () => {
    for (const levels of [65, 3000, 6000, 500_000]) {
      const response = await execute(`{"input": ${nested(levels)}}`);
      expect(response.status, `${levels} levels`).toBe(422);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body, `${levels} levels`).toMatchObject({
        type: 'urn:percolator:problem:payload-limit',
        limit: 'max_depth',
        max: 64,
        field: 'input',
      });
      expect(response.body.detail).toContain('input nests deeper than 64 levels');
    }
    // 64 levels is the limit itself, and is accepted.
    expect((await execute(`{"input": ${nested(64)}}`)).status).toBe(202);
  });

  it('refuses a long string, an oversized input and a NUL character, each naming its limit', async () => {
    const longString = await execute(JSON.stringify({ input: { text: 'x'.repeat(4097) } }));
    expect(longString.status).toBe(422);
    expect(longString.body).toMatchObject({ limit: 'max_string_length', max: 4096 });

    const many = Array.from({ length: 40 }, () => 'y'.repeat(2000));
    const large = await execute(JSON.stringify({ input: many }));
    expect(large.status).toBe(422);
    expect(large.body).toMatchObject({ limit: 'max_bytes', max: 64 * 1024, field: 'input' });
    expect(large.body.detail).toMatch(/^input is \d+ bytes; the limit is 65536$/);

    const nul = await execute('{"input": {"name": "a\\u0000b"}}');
    expect(nul.status).toBe(422);
    expect(nul.body).toMatchObject({ limit: 'nul_character' });
    const nulKey = await api.request('POST', '/api/v1/workflows/execute', {
      text: `{"workflow_id": "x\\u0000y"}`,
      contentType: 'application/json',
    });
    expect(nulKey.status).toBe(422);
    expect(nulKey.body).toMatchObject({ limit: 'nul_character' });
  });

  it('refuses signal data beyond the limits naming data', async () => {
    const response = await api.request('POST', `/api/v1/executions/${waitingId}/signal`, {
      text: `{"event_type": "approval.granted", "data": ${nested(3000)}}`,
      contentType: 'application/json',
    });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ limit: 'max_depth', field: 'data' });
    expect((await api.request('GET', `/api/v1/executions/${waitingId}`)).body.status).toBe('waiting');
  });

  it('stored and published nothing for the refused starts: only the accepted one exists, and it completes', async () => {
    const page = await api.request('GET', `/api/v1/executions?workflow_id=${workflowId}`);
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(1);
    const finished = await api.waitForExecution(page.body.items[0].id, undefined, 90_000);
    expect(finished.status).toBe('completed');
  });

  it('answers 400 naming the parameter for NUL bytes, braces, newlines and non-UUID ids', async () => {
    const cases: [string, string, string][] = [
      ['GET', '/api/v1/executions/abc%00def', 'id'],
      ['GET', '/api/v1/executions/%7Bx%7D', 'id'],
      ['GET', '/api/v1/executions/a%0Ab', 'id'],
      ['GET', '/api/v1/executions/a%7Bb/history', 'id'],
      ['POST', '/api/v1/executions/a%7Bb/cancel', 'id'],
      ['GET', '/api/v1/workflows/abc%00', 'id'],
      ['POST', '/api/v1/workflows/a%00/execute', 'id'],
      ['DELETE', '/api/v1/api-keys/not-a-uuid', 'id'],
      ['GET', '/api/v1/agents/a%00b/health', 'type'],
      ['GET', '/api/v1/executions?workflow_id=a%00b', 'workflow_id'],
      ['GET', '/api/v1/executions?cursor=%00', 'cursor'],
    ];
    for (const [method, path, parameter] of cases) {
      const response = await api.request(method, path);
      expect(response.status, `${method} ${path}`).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.parameter, `${method} ${path}`).toBe(parameter);
      expect(response.body.detail).toContain(`parameter ${parameter}`);
    }
    const uuid = await api.request('DELETE', '/api/v1/api-keys/not-a-uuid');
    expect(uuid.body.detail).toBe('path parameter id: expected a UUID');
  });

  it('refuses a NUL character in a YAML definition', async () => {
    const response = await api.request('POST', '/api/v1/workflows', {
      text: `workflow:\n  name: a\u0000b\n  steps: []\n`,
    });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ limit: 'nul_character' });
  });
});
