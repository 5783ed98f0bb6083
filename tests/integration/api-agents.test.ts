// GET /api/v1/agents and /api/v1/agents/{type}/health from the agent registry, fed by real heartbeats.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentRegistry, type RunningAgentRegistry } from '../../src/agents/registry/index.js';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { TestEngine } from '../support/engine.js';
import { ApiHarness } from './api-harness.js';

describe('admin API: agents', () => {
  let engine: TestEngine;
  let registry: RunningAgentRegistry;
  let api: ApiHarness;

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'api-agents', agents: [echoAgent] });
    registry = await startAgentRegistry({
      kafka: engine.kafka,
      codec: engine.codec,
      topicPrefix: engine.prefix,
    });
    api = await ApiHarness.start(engine, { agents: registry.registry });
  });
  afterAll(async () => {
    await api?.stop();
    await registry?.stop();
    await engine?.stop();
  });

  it('lists the running agent types with their status and actions, and one type’s health', async () => {
    const deadline = Date.now() + 20_000;
    let listed = await api.request('GET', '/api/v1/agents', { role: 'viewer' });
    while (
      !listed.body.items.some((agent: { type: string }) => agent.type === 'echo') &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      listed = await api.request('GET', '/api/v1/agents', { role: 'viewer' });
    }
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        type: 'echo',
        status: 'online',
        actions: ['echo'],
        instances: { online: 1, total: 1 },
      }),
    ]);

    const health = await api.request('GET', '/api/v1/agents/echo/health', { role: 'viewer' });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ type: 'echo', status: 'online' });

    const missing = await api.request('GET', '/api/v1/agents/no-such-agent/health', { role: 'viewer' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });
});
