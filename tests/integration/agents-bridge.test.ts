// The HTTP bridge on the real Kafka and schema registry, with a real local HTTP server standing in for the
// agent service: commands in through Kafka, POSTs to the server, results back on the results topic; and a
// workflow whose agent step is served over HTTP completing through an engine.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { ensureAgentTopics } from '../../src/agents/agent-topics.js';
import { createHttpBridge } from '../../src/agents/bridge/index.js';
import { runAgent, type AgentHandle } from '../../src/agents/sdk/index.js';
import { AvroCodec } from '../../src/kafka/avro-codec.js';
import { createKafka } from '../../src/kafka/client.js';
import type { AgentCommand, AgentHeartbeat, AgentResult } from '../../src/kafka/envelopes.js';
import { EnvelopeCodec } from '../../src/kafka/schemas.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { createLogger } from '../../src/observability/logger.js';
import { TestEngine } from '../support/engine.js';
import { testServices, uniquePrefix } from '../support/services.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown> | null;
}

type Route = (
  body: Record<string, unknown>,
) => Promise<{ status: number; headers?: Record<string, string>; body?: unknown }>;

/** A real HTTP server playing the agent service: GET /actions and one route per action. */
async function startService(routes: Record<string, Route>): Promise<{
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
      const path = request.url ?? '/';
      requests.push({ method: request.method ?? '', path, headers: request.headers, body });
      const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      if (request.method === 'GET' && path === '/svc/actions') {
        send(200, {
          version: '2.1.0',
          actions: [
            { name: 'summarise', description: 'Summarises a text' },
            ...Object.keys(routes).filter((name) => name !== 'summarise'),
          ],
        });
        return;
      }
      const match = /^\/svc\/actions\/([^/]+)$/.exec(path);
      const route = match && request.method === 'POST' ? routes[decodeURIComponent(match[1]!)] : undefined;
      if (!route || !body) {
        send(404, { error: { code: 'NO_SUCH_ACTION', message: `nothing at ${path}` } });
        return;
      }
      route(body).then(
        (answer) => {
          if (!response.destroyed) send(answer.status, answer.body, answer.headers);
        },
        () => send(500, { message: 'route failed' }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/svc`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The routes of the service: one per behaviour under test. */
function serviceRoutes(): Record<string, Route> {
  const flakySeen = new Set<string>();
  return {
    summarise: async (body) => ({
      status: 200,
      body: {
        output: { summary: String((body.input as { text: string }).text).toUpperCase() },
        token_usage: { prompt_tokens: 20, completion_tokens: 5, model: 'svc-model' },
      },
    }),
    plain: async (body) => ({ status: 201, body: { echoed: body.input, step: body.step_id } }),
    // 500 for the first request of an execution step, 200 afterwards.
    flaky: async (body) => {
      const key = `${String(body.execution_id)}:${String(body.step_id)}`;
      if (!flakySeen.has(key)) {
        flakySeen.add(key);
        return { status: 500, body: { message: 'warming up' } };
      }
      return { status: 200, body: { attempt: body.attempt, recovered: true } };
    },
    limited: async () => ({ status: 429, headers: { 'retry-after': '7' }, body: { message: 'slow down' } }),
    unavailable: async () => ({
      status: 503,
      headers: { 'retry-after': new Date(Date.now() + 30_000).toUTCString() },
    }),
    refuse: async () => ({ status: 400, body: { error: { code: 'BAD_BRIEF', message: 'no topic given' } } }),
    slow: async () => {
      await delay(4_000);
      return { status: 200, body: { late: true } };
    },
  };
}

describe('HTTP bridge over Kafka', () => {
  const services = testServices();
  const logger = createLogger({ level: 'silent' });
  const prefix = uniquePrefix('bridge');
  const names = topicNames(prefix);
  const type = 'writer';
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer;
  let codec: EnvelopeCodec;
  let service: Awaited<ReturnType<typeof startService>>;
  let handle: AgentHandle;
  const results: AgentResult[] = [];
  const heartbeats: AgentHeartbeat[] = [];

  beforeAll(async () => {
    kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'bridge-test' });
    admin = kafka.admin();
    producer = kafka.producer({ idempotent: true });
    await Promise.all([admin.connect(), producer.connect()]);
    codec = await EnvelopeCodec.create(AvroCodec.forUrl(services.schemaRegistryUrl));
    await ensureAgentTopics(admin, prefix, [type]);
    consumer = kafka.consumer({ groupId: `${prefix}.collector`, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topics: [names.agentResults, names.agentHeartbeats], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const decoded = await codec.decode(message.value);
        if (decoded.name === 'AgentResult') results.push(decoded.value);
        if (decoded.name === 'AgentHeartbeat') heartbeats.push(decoded.value);
      },
    });
    service = await startService(serviceRoutes());
    const bridge = await createHttpBridge({
      type,
      url: service.url,
      headers: { authorization: 'Bearer service-token' },
      logger,
    });
    handle = await runAgent(bridge, { kafka, codec, topicPrefix: prefix, logger, commitIntervalMs: 200 });
  });

  afterAll(async () => {
    await handle?.stop();
    await consumer?.disconnect();
    await service?.close();
    await producer?.disconnect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${prefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin?.disconnect();
  });

  function command(action: string, input: unknown, overrides: Partial<AgentCommand> = {}): AgentCommand {
    const executionId = `exec-${randomUUID()}`;
    return {
      command_id: `${executionId}:step:1`,
      idempotency_key: `${executionId}:step`,
      execution_id: executionId,
      step_id: 'step',
      attempt: 1,
      workflow_name: 'bridge-test',
      workflow_version: 1,
      agent_type: type,
      action,
      input_json: JSON.stringify(input),
      deadline: Date.now() + 30_000,
      trace_context: { traceparent: TRACEPARENT },
      issued_at: Date.now(),
      ...overrides,
    };
  }

  async function send(...commands: AgentCommand[]): Promise<void> {
    await producer.send({
      topic: names.agentCommands(type),
      messages: commands.map((item) => ({
        key: item.execution_id,
        value: codec.encode('AgentCommand', item),
      })),
    });
  }

  async function resultOf(commandId: string, timeoutMs = 20_000): Promise<AgentResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = results.find((result) => result.command_id === commandId);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no result for ${commandId} within ${timeoutMs} ms`);
      await delay(50);
    }
  }

  it('advertises the actions the service lists in its heartbeats', async () => {
    const deadline = Date.now() + 20_000;
    while (!heartbeats.some((beat) => beat.instance_id === handle.instanceId)) {
      if (Date.now() > deadline) throw new Error('no heartbeat from the bridge');
      await delay(50);
    }
    const beat = heartbeats.find((candidate) => candidate.instance_id === handle.instanceId)!;
    expect(beat).toMatchObject({ agent_type: type, version: '2.1.0', capacity: 16 });
    expect(beat.actions.map((action) => action.name).sort()).toEqual(
      ['flaky', 'limited', 'plain', 'refuse', 'slow', 'summarise', 'unavailable'].sort(),
    );
    expect(beat.actions.find((action) => action.name === 'summarise')?.description).toBe('Summarises a text');
  });

  it('turns a 2xx into a success, with the envelope unwrapped and the request carrying the command', async () => {
    const enveloped = command('summarise', { text: 'launch day' });
    const plain = command('plain', { n: 1 }, { step_id: 'p' });
    await send(enveloped, plain);

    const first = await resultOf(enveloped.command_id);
    expect(first).toMatchObject({
      status: 'SUCCEEDED',
      execution_id: enveloped.execution_id,
      agent_type: type,
      agent_id: handle.instanceId,
      error: null,
      token_usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25, model: 'svc-model' },
      trace_context: { traceparent: TRACEPARENT },
    });
    expect(JSON.parse(first.output_json!)).toEqual({ summary: 'LAUNCH DAY' });
    const second = await resultOf(plain.command_id);
    expect(JSON.parse(second.output_json!)).toEqual({ echoed: { n: 1 }, step: 'p' });
    expect(second.token_usage).toBeNull();

    const request = service.requests.find((seen) => seen.body?.command_id === enveloped.command_id)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/svc/actions/summarise');
    expect(request.headers).toMatchObject({
      'idempotency-key': enveloped.idempotency_key,
      traceparent: TRACEPARENT,
      authorization: 'Bearer service-token',
      'content-type': 'application/json',
    });
    expect(request.body).toEqual({
      command_id: enveloped.command_id,
      idempotency_key: enveloped.idempotency_key,
      execution_id: enveloped.execution_id,
      step_id: 'step',
      attempt: 1,
      action: 'summarise',
      agent_type: type,
      workflow: { name: 'bridge-test', version: 1 },
      deadline: new Date(enveloped.deadline).toISOString(),
      deadline_ms: enveloped.deadline,
      input: { text: 'launch day' },
    });
  });

  it('makes a 500 retriable, and the next attempt that gets a 200 succeeds', async () => {
    const first = command('flaky', {});
    await send(first);
    expect(await resultOf(first.command_id)).toMatchObject({
      status: 'FAILED',
      output_json: null,
      error: { code: 'HTTP_500', retriable: true, retry_after_ms: null, message: 'HTTP 500: warming up' },
    });
    const retry = command(
      'flaky',
      {},
      { execution_id: first.execution_id, command_id: `${first.execution_id}:step:2`, attempt: 2 },
    );
    await send(retry);
    const second = await resultOf(retry.command_id);
    expect(second.status).toBe('SUCCEEDED');
    expect(JSON.parse(second.output_json!)).toEqual({ attempt: 2, recovered: true });
  });

  it('honours Retry-After on 429 (seconds) and 503 (an HTTP date)', async () => {
    const limited = command('limited', {});
    const unavailable = command('unavailable', {});
    await send(limited, unavailable);
    expect((await resultOf(limited.command_id)).error).toEqual({
      code: 'RATE_LIMITED',
      message: 'HTTP 429: slow down',
      retriable: true,
      retry_after_ms: 7000,
    });
    const error = (await resultOf(unavailable.command_id)).error!;
    expect(error).toMatchObject({ code: 'HTTP_503', retriable: true });
    // An HTTP date has whole seconds: 30 s ahead, less the time to answer and the truncation.
    expect(error.retry_after_ms).toBeGreaterThan(20_000);
    expect(error.retry_after_ms).toBeLessThanOrEqual(30_000);
  });

  it('makes other 4xx final, keeping the service code', async () => {
    const refused = command('refuse', {});
    const missing = command('no-such-action', {});
    await send(refused, missing);
    expect((await resultOf(refused.command_id)).error).toEqual({
      code: 'BAD_BRIEF',
      message: 'HTTP 400: no topic given',
      retriable: false,
      retry_after_ms: null,
    });
    expect((await resultOf(missing.command_id)).error).toMatchObject({
      code: 'NO_SUCH_ACTION',
      retriable: false,
    });
  });

  it('gives up at the deadline of a slow request, retriably', async () => {
    const slow = command('slow', {}, { deadline: Date.now() + 1_000 });
    const startedAt = Date.now();
    await send(slow);
    const result = await resultOf(slow.command_id);
    expect(result.error).toMatchObject({ code: 'DEADLINE_EXCEEDED', retriable: true });
    // Reported at the deadline, not when the server finally answers.
    expect(result.completed_at - startedAt).toBeLessThan(3_500);
  });

  it('fails retriably when the service cannot be reached', async () => {
    const unreachable = await createHttpBridge({
      type: 'ghost',
      url: 'http://127.0.0.1:9/nothing',
      discoveryTimeoutMs: 500,
      logger,
    });
    expect(unreachable.actions.size).toBe(0);
    await ensureAgentTopics(admin, prefix, ['ghost']);
    const ghost = await runAgent(unreachable, {
      kafka,
      codec,
      topicPrefix: prefix,
      logger,
      commitIntervalMs: 200,
    });
    try {
      const lost = command('anything', {}, { agent_type: 'ghost' });
      await producer.send({
        topic: names.agentCommands('ghost'),
        messages: [{ key: lost.execution_id, value: codec.encode('AgentCommand', lost) }],
      });
      expect((await resultOf(lost.command_id)).error).toMatchObject({
        code: 'AGENT_UNREACHABLE',
        retriable: true,
      });
    } finally {
      await ghost.stop();
    }
  });
});

describe('HTTP bridge in a workflow', () => {
  let engine: TestEngine;
  let service: Awaited<ReturnType<typeof startService>>;

  beforeAll(async () => {
    service = await startService(serviceRoutes());
    const bridge = await createHttpBridge({
      type: 'http-writer',
      url: service.url,
      logger: createLogger({ level: 'silent' }),
    });
    engine = await TestEngine.start({ label: 'bridge-wf', agents: [bridge] });
  });

  afterAll(async () => {
    await engine?.stop();
    await service?.close();
  });

  it('completes a workflow whose steps are served over HTTP, retrying a 500', async () => {
    const name = await engine.register({
      workflow: {
        name: 'bridged',
        steps: [
          {
            id: 'draft',
            type: 'agent',
            agent_type: 'http-writer',
            action: 'summarise',
            input: "{ 'text': topic }",
          },
          {
            id: 'check',
            type: 'agent',
            agent_type: 'http-writer',
            action: 'flaky',
            retry_policy: { max_attempts: 3, initial_interval: '100ms' },
          },
          {
            id: 'report',
            type: 'transform',
            output: "{ 'summary': draft.summary, 'recovered': check.recovered }",
          },
        ],
      },
    });
    const executionId = await engine.run(name, { topic: 'new product launch' });
    const state = await engine.waitFor(executionId);
    expect(state.status).toBe('completed');
    expect(state.steps.check).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(state.output).toEqual({ summary: 'NEW PRODUCT LAUNCH', recovered: true });
    const posts = service.requests.filter((request) => request.body?.execution_id === executionId);
    expect(posts.map((request) => request.path)).toEqual([
      '/svc/actions/summarise',
      '/svc/actions/flaky',
      '/svc/actions/flaky',
    ]);
  });
});
