/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are untyped JSON read by assertions */
// The admin API's execution routes end to end: start (and Idempotency-Key), read live and from history, list
// with a cursor, history, cancel, retry, signal, metrics, status, and the /ws stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { echoAgent, failingAgent, slowAgent } from '../../src/agents/testing/test-agents.js';
import { TestEngine } from '../support/engine.js';
import { ApiHarness } from './api-harness.js';

describe('admin API: executions', () => {
  let engine: TestEngine;
  let api: ApiHarness;
  const ids: Record<string, string> = {};

  const create = async (workflow: Record<string, unknown>): Promise<string> => {
    const response = await api.request('POST', '/api/v1/workflows', {
      body: { workflow: { ...workflow, name: `${engine.prefix}.${String(workflow.name)}` } },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.id as string;
  };

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'api-ex', agents: [echoAgent, failingAgent, slowAgent] });
    api = await ApiHarness.start(engine, { history: true, live: true });
    ids.echo = await create({
      name: 'echo',
      input_schema: { type: 'object', required: ['topic'], properties: { topic: { type: 'string' } } },
      steps: [{ id: 'say', type: 'agent', agent_type: 'echo', action: 'echo', input: '{"text": topic}' }],
    });
    ids.failing = await create({
      name: 'failing',
      steps: [{ id: 'boom', type: 'agent', agent_type: 'failing', action: 'failing' }],
    });
    ids.slow = await create({
      name: 'slow',
      steps: [{ id: 'nap', type: 'agent', agent_type: 'slow', action: 'slow', input: '{"delay_ms": 20000}' }],
    });
    ids.approval = await create({
      name: 'approval',
      steps: [{ id: 'approve', type: 'wait_for_event', event_type: 'approval.granted' }],
    });
  });
  afterAll(async () => {
    await api?.stop();
    await engine?.stop();
  });

  it('runs an execution: 202 pending, then completed live and, from Postgres, its history and summary', async () => {
    const accepted = await api.request('POST', `/api/v1/workflows/${ids.echo}/execute`, {
      role: 'operator',
      body: { input: { topic: 'launch' }, trigger_type: 'manual' },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ status: 'pending', workflow_id: ids.echo, workflow_version: 1 });
    const id = accepted.body.execution_id as string;

    const done = await api.waitForExecution(id);
    expect(done).toMatchObject({ id, status: 'completed', output: { text: 'launch' }, source: 'live' });
    expect(done.steps.say).toMatchObject({ status: 'succeeded', attempts: 1, output: { text: 'launch' } });
    expect(done.steps.say.started_at).toEqual(expect.any(String));

    // The history sink catches up with the lifecycle events.
    let history: any;
    for (let tries = 0; tries < 100; tries++) {
      history = await api.request('GET', `/api/v1/executions/${id}/history`, { role: 'viewer' });
      if (history.body.items.some((item: any) => item.type === 'ExecutionCompleted')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const types = history.body.items.map((item: any) => item.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types).toContain('StepSucceeded');
    expect(types.at(-1)).toBe('ExecutionCompleted');
    expect(history.body.items.map((item: any) => item.seq)).toEqual(
      types.map((_: unknown, i: number) => i + 1),
    );

    // Without the Redis state the answer comes from the Postgres summary and events.
    await engine.redis.del(...(await engine.redis.keys(`${engine.prefix}:*${id}*`)));
    const fromHistory = await api.request('GET', `/api/v1/executions/${id}`, { role: 'viewer' });
    expect(fromHistory.body).toMatchObject({
      id,
      status: 'completed',
      source: 'history',
      workflow_id: ids.echo,
      output: { text: 'launch' },
      input: { topic: 'launch' },
    });
    expect(fromHistory.body.steps.say).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(fromHistory.body.finished_at).toEqual(expect.any(String));
  });

  it('starts by workflow_id in the body (the seed route) and by name', async () => {
    const accepted = await api.request('POST', '/api/v1/workflows/execute', {
      role: 'operator',
      body: { workflow_id: `${engine.prefix}.echo`, input: { topic: 'by name' } },
    });
    expect(accepted.status).toBe(202);
    const done = await api.waitForExecution(accepted.body.execution_id);
    expect(done.output).toEqual({ text: 'by name' });
  });

  it('returns the same execution for a repeated Idempotency-Key, and 409 when the input differs', async () => {
    const send = (topic: string) =>
      api.request('POST', `/api/v1/workflows/${ids.echo}/execute`, {
        role: 'operator',
        body: { input: { topic } },
        headers: { 'idempotency-key': `${engine.prefix}-key-1` },
      });
    const [first, second] = await Promise.all([send('once'), send('once')]);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.execution_id).toBe(first.body.execution_id);
    const third = await send('once');
    expect(third.body.execution_id).toBe(first.body.execution_id);
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    const other = await send('another input');
    expect(other.status).toBe(409);
    expect(other.body.execution_id).toBe(first.body.execution_id);
    await api.waitForExecution(first.body.execution_id);
    const { rows } = await engine.pool.query(
      `SELECT count(*)::int AS n FROM executions WHERE idempotency_key = $1`,
      [`${engine.prefix}-key-1`],
    );
    expect(rows[0].n).toBe(1);
  });

  it('checks the input against the workflow input_schema (422) and answers 404 for unknown ids', async () => {
    const invalid = await api.request('POST', `/api/v1/workflows/${ids.echo}/execute`, {
      role: 'operator',
      body: { input: { subject: 'no topic' } },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors[0]).toMatchObject({ pointer: '/input/topic', rule: 'required' });
    const extra = await api.request('POST', `/api/v1/workflows/${ids.echo}/execute`, {
      role: 'operator',
      body: { input: { topic: 'x' }, surprise: true },
    });
    expect(extra.status).toBe(422);

    for (const [method, path] of [
      ['GET', '/api/v1/executions/no-such-execution'],
      ['GET', '/api/v1/executions/no-such-execution/history'],
      ['POST', '/api/v1/executions/no-such-execution/cancel'],
      ['POST', '/api/v1/executions/no-such-execution/retry'],
      ['POST', '/api/v1/workflows/no-such-workflow/execute'],
    ] as const) {
      const response = await api.request(method, path, {
        role: 'operator',
        ...(method === 'POST' ? { body: {} } : {}),
      });
      expect(response.status, path).toBe(404);
      expect(response.body.type).toBe('urn:percolator:problem:not-found');
    }
  });

  it('retries a failed execution as a new one with the same input, and refuses to retry a completed one', async () => {
    const accepted = await api.request('POST', `/api/v1/workflows/${ids.failing}/execute`, {
      role: 'operator',
      body: { input: { code: 'NOPE' } },
    });
    const failed = await api.waitForExecution(accepted.body.execution_id);
    expect(failed.status).toBe('failed');
    expect(failed.steps.boom.error.code).toBe('NOPE');

    const retry = await api.request('POST', `/api/v1/executions/${failed.id}/retry`, { role: 'operator' });
    expect(retry.status).toBe(202);
    expect(retry.body.retry_of).toBe(failed.id);
    expect(retry.body.execution_id).not.toBe(failed.id);
    const again = await api.waitForExecution(retry.body.execution_id);
    expect(again).toMatchObject({ status: 'failed', input: { code: 'NOPE' }, workflow_version: 1 });

    const completedId = (
      await api.request('POST', `/api/v1/workflows/${ids.echo}/execute`, {
        role: 'operator',
        body: { input: { topic: 'x' } },
      })
    ).body.execution_id;
    await api.waitForExecution(completedId);
    const refused = await api.request('POST', `/api/v1/executions/${completedId}/retry`, {
      role: 'operator',
    });
    expect(refused.status).toBe(409);
  });

  it('cancels a running execution and refuses to cancel it twice', async () => {
    const accepted = await api.request('POST', `/api/v1/workflows/${ids.slow}/execute`, {
      role: 'operator',
      body: {},
    });
    const id = accepted.body.execution_id as string;
    await api.waitForExecution(id, (execution) => execution.steps?.nap?.status === 'running');
    const cancel = await api.request('POST', `/api/v1/executions/${id}/cancel`, {
      role: 'operator',
      body: { reason: 'changed my mind' },
    });
    expect(cancel.status).toBe(202);
    const cancelled = await api.waitForExecution(id);
    expect(cancelled.status).toBe('cancelled');
    const twice = await api.request('POST', `/api/v1/executions/${id}/cancel`, {
      role: 'operator',
      body: {},
    });
    expect(twice.status).toBe(409);
  });

  it('signals a waiting execution, whose step completes with the event data; streams its events over /ws', async () => {
    const socket = new WebSocket(`${api.url.replace('http', 'ws')}/ws?workflow=${engine.prefix}.approval`, {
      headers: { authorization: `Bearer ${await api.token('viewer')}` },
    });
    const messages: any[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });

    const accepted = await api.request('POST', `/api/v1/workflows/${ids.approval}/execute`, {
      role: 'operator',
    });
    const id = accepted.body.execution_id as string;
    await api.waitForExecution(id, (execution) => execution.status === 'waiting');
    const missing = await api.request('POST', `/api/v1/executions/${id}/signal`, {
      role: 'operator',
      body: {},
    });
    expect(missing.status).toBe(422);
    const signal = await api.request('POST', `/api/v1/executions/${id}/signal`, {
      role: 'operator',
      body: { event_type: 'approval.granted', data: { by: 'ops' } },
    });
    expect(signal.status).toBe(202);
    const done = await api.waitForExecution(id);
    expect(done).toMatchObject({ status: 'completed', output: { by: 'ops' } });

    const deadline = Date.now() + 10_000;
    while (!messages.some((m) => m.type === 'ExecutionCompleted') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    socket.close();
    expect(messages[0]).toMatchObject({ type: 'subscribed' });
    const events = messages.slice(1);
    expect(events.every((event) => event.execution_id === id)).toBe(true);
    expect(events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['ExecutionStarted', 'ExecutionCompleted']),
    );
  });

  it('refuses a /ws upgrade without credentials', async () => {
    const socket = new WebSocket(`${api.url.replace('http', 'ws')}/ws`);
    const status = await new Promise<number>((resolve) => {
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('error', () => resolve(-1));
    });
    expect(status).toBe(401);
  });

  it('lists executions newest first with filters and a keyset cursor', async () => {
    const started: string[] = [];
    for (let index = 0; index < 5; index++) {
      const response = await api.request('POST', `/api/v1/workflows/${ids.echo}/execute`, {
        role: 'operator',
        body: { input: { topic: `page ${index}` } },
      });
      started.push(response.body.execution_id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `workflow_id=${ids.echo}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await api.request('GET', `/api/v1/executions?${query}`, { role: 'viewer' });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item: any) => item.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 5)).toEqual([...started].reverse());

    const byName = await api.request(
      'GET',
      `/api/v1/executions?workflow_id=${engine.prefix}.failing&status=failed`,
      {
        role: 'viewer',
      },
    );
    expect(byName.body.items.length).toBeGreaterThanOrEqual(2);
    expect(byName.body.items.every((item: any) => item.status === 'failed')).toBe(true);
    const future = await api.request(
      'GET',
      `/api/v1/executions?workflow_id=${ids.echo}&since=2999-01-01T00:00:00Z`,
      {
        role: 'viewer',
      },
    );
    expect(future.body.items).toEqual([]);
    for (const bad of ['limit=0', 'status=sleeping', 'since=yesterday', 'cursor=garbage']) {
      const response = await api.request('GET', `/api/v1/executions?${bad}`, { role: 'viewer' });
      expect(response.status, bad).toBe(400);
    }
  });

  it('computes workflow metrics in SQL and reports system status', async () => {
    const failing = await api.request('GET', `/api/v1/workflows/${ids.failing}/metrics`, { role: 'viewer' });
    expect(failing.status).toBe(200);
    expect(failing.body.by_status.failed).toBeGreaterThanOrEqual(2);
    expect(failing.body.error_rate).toBe(1);
    expect(failing.body.success_rate).toBe(0);
    expect(failing.body.p95_duration_ms).toEqual(expect.any(Number));
    expect(failing.body.throughput_per_minute).toBeGreaterThan(0);

    const status = await api.request('GET', '/api/v1/status', { role: 'viewer' });
    expect(status.status).toBe(200);
    expect(status.body.dependencies.postgres.status).toBe('up');
    expect(status.body.executions).toMatchObject({
      inflight: expect.any(Number),
      queued: expect.any(Number),
    });
    expect(status.body.consumer_lag).toMatchObject({
      group: `${engine.prefix}.orchestrator`,
      total: expect.any(Number),
    });

    const agents = await api.request('GET', '/api/v1/agents', { role: 'viewer' });
    expect(agents.status).toBe(200);
    expect(Array.isArray(agents.body.items)).toBe(true);
  });
});
