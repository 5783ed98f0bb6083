// The live dashboard's side of the API on the real stack: a /ws client that reconnects with its cursor gets
// exactly the events it missed; a browser-style API key (as a subprotocol) opens /ws and is cut off once
// revoked; the alert centre lists failed executions and dead letters and remembers acknowledgements; the
// trends come from the Postgres history.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { createAlert } from '../../src/agents/builtin/notifier/notifier-store.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { TestEngine } from '../support/engine.js';
import { waitUntil } from '../support/wait.js';
import { ApiHarness } from './api-harness.js';

interface Message {
  type?: string;
  execution_id?: string;
  seq?: number;
  cursor?: string;
  resumed?: boolean;
  replayed?: number;
}

interface Watched {
  socket: WebSocket;
  messages: Message[];
  closed?: { code: number; reason: string };
}

describe('console: live resume, API keys on /ws, alerts, trends', () => {
  let engine: TestEngine;
  let api: ApiHarness;
  let workflow: string;
  let failing: string;

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'console-live', agents: [echoAgent] });
    api = await ApiHarness.start(engine, { history: true, live: true, alerts: true, wsCheckIntervalMs: 250 });
    workflow = await engine.register({
      workflow: {
        name: 'steps',
        steps: [
          { id: 'one', type: 'transform', output: '1' },
          { id: 'two', type: 'transform', output: '2' },
        ],
      },
    });
    failing = await engine.register({
      workflow: { name: 'doomed', steps: [{ id: 'stop', type: 'fail', message: 'doomed on purpose' }] },
    });
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
    await engine?.stop();
  });

  const open = async (query: string, init: { headers?: Record<string, string>; protocols?: string[] }) => {
    const url = `${api.url.replace('http', 'ws')}/ws${query}`;
    const socket = new WebSocket(url, init.protocols ?? [], { headers: init.headers ?? {} });
    const watched: Watched = { socket, messages: [] };
    socket.on('message', (data) => watched.messages.push(JSON.parse(String(data)) as Message));
    socket.on('close', (code, reason) => (watched.closed = { code, reason: reason.toString() }));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    await waitUntil(async () => watched.messages.length > 0, 10_000, 20);
    return watched;
  };

  const bearer = async () => ({ authorization: `Bearer ${await api.token('viewer')}` });
  const seqsOf = (messages: readonly Message[], executionId: string) =>
    messages.filter((m) => m.execution_id === executionId).map((m) => m.seq!);

  it('replays exactly the missed events to a client that reconnects with its cursor', async () => {
    const first = await open(`?workflow=${encodeURIComponent(workflow)}`, { headers: await bearer() });
    expect(first.messages[0]).toMatchObject({ type: 'subscribed', resumed: false, replayed: 0 });
    const seen = await engine.run(workflow, {});
    await waitUntil(async () => first.messages.some((m) => m.type === 'ExecutionCompleted'), 60_000);
    const cursor = first.messages.at(-1)!.cursor!;
    first.socket.close();

    // While away: a whole execution happens.
    const missed = await engine.run(workflow, {});
    await engine.waitFor(missed);
    const expected = (
      await engine.waitForEvents(missed, (events) => events.some((e) => e.type === 'ExecutionCompleted'))
    )
      .map((event) => event.seq)
      .sort((a, b) => a - b);
    // The API's own consumer reads them in its own time: reconnect until the replay holds them all.
    let back: Watched | undefined;
    await waitUntil(async () => {
      back?.socket.close();
      back = await open(`?workflow=${encodeURIComponent(workflow)}&cursor=${encodeURIComponent(cursor)}`, {
        headers: await bearer(),
      });
      return seqsOf(back.messages, missed).length >= expected.length;
    }, 30_000);
    expect(back!.messages[0]).toMatchObject({ type: 'subscribed', resumed: true });
    expect(back!.messages[0]!.replayed).toBe(expected.length);
    // Every missed event once, in order; nothing of the execution seen before the cursor.
    expect(seqsOf(back!.messages, missed)).toEqual(expected);
    expect(seqsOf(back!.messages, seen)).toEqual([]);
    back!.socket.close();

    // A cursor this instance cannot honour says so, and the client knows to read REST.
    const stranger = await open(`?cursor=someone-else.12`, { headers: await bearer() });
    expect(stranger.messages[0]).toMatchObject({ type: 'subscribed', resumed: false, replayed: 0 });
    stranger.socket.close();
  }, 120_000);

  it('takes an API key offered as a subprotocol, never echoes it, and closes the socket once it is revoked', async () => {
    const created = await api.request('POST', '/api/v1/api-keys', {
      body: { name: `${engine.prefix}-browser`, roles: ['viewer'] },
    });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    const keyed = await open('', { protocols: ['percolator', `percolator.api-key.${key}`] });
    expect(keyed.socket.protocol).toBe('percolator');
    expect(keyed.messages[0]).toMatchObject({ type: 'subscribed' });
    const id = await engine.run(workflow, {});
    await waitUntil(async () => keyed.messages.some((m) => m.execution_id === id), 60_000);

    // A wrong key is refused at the door.
    await expect(open('', { protocols: ['percolator', 'percolator.api-key.pk_nope'] })).rejects.toThrow(
      /401/,
    );

    expect((await api.request('DELETE', `/api/v1/api-keys/${created.body.id}`)).status).toBe(200);
    await waitUntil(async () => keyed.closed !== undefined, 30_000);
    expect(keyed.closed).toEqual({ code: 1008, reason: 'the API key has been revoked' });
    await expect(open('', { protocols: ['percolator', `percolator.api-key.${key}`] })).rejects.toThrow(/401/);
  }, 120_000);

  it('lists failed executions, dead letters and alerts, and keeps their acknowledgement', async () => {
    const doomed = await engine.run(failing, {});
    await engine.waitFor(doomed);
    const topics = topicNames(engine.prefix);
    const [garbage] = await engine.produceAndAwaitConsumed(topics.executions, [
      { key: `garbage-${randomUUID()}`, value: Buffer.from('not avro at all') },
    ]);
    const alert = await createAlert(engine.pool, {
      title: `disk full ${engine.prefix}`,
      message: 'the disk is full',
      severity: 'critical',
      source: 'test',
      labels: {},
      executionId: doomed,
      idempotencyKey: `alert-${engine.prefix}`,
    });

    let items: {
      id: string;
      kind: string;
      status: string;
      message: string;
      details: Record<string, unknown>;
    }[] = [];
    const find = (id: string) => items.find((item) => item.id === id);
    await waitUntil(async () => {
      items = (await api.request('GET', '/api/v1/alerts', { role: 'viewer' })).body.items;
      return (
        find(`failed_execution:${doomed}`) !== undefined &&
        find(`alert:${alert.alert.id}`) !== undefined &&
        items.some(
          (item) => item.kind === 'dead_letter' && item.details.source_offset === Number(garbage!.offset),
        )
      );
    }, 60_000);
    expect(find(`failed_execution:${doomed}`)).toMatchObject({
      status: 'open',
      message: expect.stringContaining('doomed on purpose'),
    });
    const letter = items.find(
      (item) => item.kind === 'dead_letter' && item.details.source_offset === Number(garbage!.offset),
    )!;
    expect(letter.details.source_topic).toBe(topics.executions);

    // A viewer may look, not act.
    const path = (id: string, action: string) => `/api/v1/alerts/${encodeURIComponent(id)}/${action}`;
    expect((await api.request('POST', path(letter.id, 'acknowledge'), { role: 'viewer' })).status).toBe(403);
    for (const id of [letter.id, `failed_execution:${doomed}`, `alert:${alert.alert.id}`])
      expect((await api.request('POST', path(id, 'acknowledge'), { role: 'operator' })).status, id).toBe(200);
    expect(
      (await api.request('POST', path(`alert:${alert.alert.id}`, 'resolve'), { role: 'operator' })).status,
    ).toBe(200);
    // Acknowledging a resolved one leaves it resolved.
    expect(
      (await api.request('POST', path(`alert:${alert.alert.id}`, 'acknowledge'), { role: 'operator' }))
        .status,
    ).toBe(200);

    items = (await api.request('GET', '/api/v1/alerts', { role: 'viewer' })).body.items;
    expect(find(letter.id)).toMatchObject({ status: 'acknowledged', acted_by: 'test-operator' });
    expect(find(`failed_execution:${doomed}`)).toMatchObject({ status: 'acknowledged' });
    expect(find(`alert:${alert.alert.id}`)).toBeUndefined();
    items = (await api.request('GET', '/api/v1/alerts?include_resolved=true', { role: 'viewer' })).body.items;
    expect(find(`alert:${alert.alert.id}`)).toMatchObject({ status: 'resolved' });

    const unknown = await api.request('POST', path('failed_execution:no-such-execution', 'acknowledge'), {
      role: 'operator',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toContain('no-such-execution');
    expect((await api.request('POST', path('bogus', 'acknowledge'), { role: 'operator' })).status).toBe(400);
    expect(
      (await api.request('GET', '/api/v1/alerts?include_resolved=maybe', { role: 'viewer' })).status,
    ).toBe(400);
  }, 120_000);

  it('draws the trends from the Postgres history', async () => {
    const id = await engine.run(workflow, {});
    await engine.waitFor(id);
    let body: {
      buckets: { started: number; finished: number; p50_ms: number | null }[];
      bucket_minutes: number;
    } = { buckets: [], bucket_minutes: 0 };
    await waitUntil(async () => {
      body = (
        await api.request(
          'GET',
          `/api/v1/console/trends?hours=1&bucket_minutes=1&workflow=${encodeURIComponent(workflow)}`,
          { role: 'viewer' },
        )
      ).body;
      return body.buckets.some((bucket) => bucket.finished > 0);
    }, 60_000);
    expect(body.bucket_minutes).toBe(1);
    expect(body.buckets.length).toBeGreaterThanOrEqual(60);
    const started = body.buckets.reduce((sum, bucket) => sum + bucket.started, 0);
    expect(started).toBeGreaterThanOrEqual(1);
    expect(body.buckets.some((bucket) => bucket.p50_ms !== null)).toBe(true);
    // Another workflow's executions are not counted.
    const other = (
      await api.request(
        'GET',
        `/api/v1/console/trends?hours=1&bucket_minutes=60&workflow=${encodeURIComponent(`${engine.prefix}.none`)}`,
        { role: 'viewer' },
      )
    ).body;
    expect(other.buckets.every((bucket: { started: number }) => bucket.started === 0)).toBe(true);
    const bad = await api.request('GET', '/api/v1/console/trends?hours=1000', { role: 'viewer' });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('hours');
  }, 120_000);
});
