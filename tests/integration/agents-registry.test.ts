// The agent registry read from the real Kafka: heartbeats of running SDK agents make their types online
// with their actions, a stopped agent and one whose heartbeats stop go offline, a full agent is busy, a
// failing one is in error, and the registry serves as the definitions validator's agent catalog.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { ensureAgentTopics } from '../../src/agents/agent-topics.js';
import {
  startAgentRegistry,
  type AgentStatus,
  type RunningAgentRegistry,
} from '../../src/agents/registry/index.js';
import { runAgent, type AgentDefinition, type AgentHandle } from '../../src/agents/sdk/index.js';
import { echoAgent, failingAgent, slowAgent } from '../../src/agents/testing/test-agents.js';
import { parseDefinition } from '../../src/definition/index.js';
import { AvroCodec } from '../../src/kafka/avro-codec.js';
import { createKafka } from '../../src/kafka/client.js';
import type { AgentCommand } from '../../src/kafka/envelopes.js';
import { EnvelopeCodec } from '../../src/kafka/schemas.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { createLogger } from '../../src/observability/logger.js';
import { testServices, uniquePrefix } from '../support/services.js';

const HEARTBEAT_MS = 300;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('agent registry on Kafka', () => {
  const services = testServices();
  const logger = createLogger({ level: 'silent' });
  const prefix = uniquePrefix('registry');
  const names = topicNames(prefix);
  const handles: AgentHandle[] = [];
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let codec: EnvelopeCodec;
  let running: RunningAgentRegistry;

  beforeAll(async () => {
    kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'registry-test' });
    admin = kafka.admin();
    producer = kafka.producer({ idempotent: true });
    await Promise.all([admin.connect(), producer.connect()]);
    codec = await EnvelopeCodec.create(AvroCodec.forUrl(services.schemaRegistryUrl));
    await ensureAgentTopics(admin, prefix, ['echo', 'slow', 'failing', 'ghost']);
    running = await startAgentRegistry({
      kafka,
      codec,
      topicPrefix: prefix,
      logger,
      heartbeatIntervalMs: HEARTBEAT_MS,
      minResultsForError: 4,
    });
  });

  afterAll(async () => {
    await Promise.allSettled(handles.map((handle) => handle.stop()));
    await running?.stop();
    await producer?.disconnect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${prefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin?.disconnect();
  });

  async function start(agent: AgentDefinition, concurrency?: number): Promise<AgentHandle> {
    const handle = await runAgent(agent, {
      kafka,
      codec,
      topicPrefix: prefix,
      logger,
      heartbeatIntervalMs: HEARTBEAT_MS,
      commitIntervalMs: 200,
      shutdownTimeoutMs: 500,
      ...(concurrency ? { concurrency } : {}),
    });
    handles.push(handle);
    return handle;
  }

  async function statusBecomes(type: string, status: AgentStatus, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const health = running.registry.health(type);
      if (health?.status === status) return;
      if (Date.now() > deadline) {
        throw new Error(`${type} did not become ${status} within ${timeoutMs} ms: ${JSON.stringify(health)}`);
      }
      await delay(50);
    }
  }

  function command(type: string, input: unknown): AgentCommand {
    const executionId = `exec-${randomUUID()}`;
    return {
      command_id: `${executionId}:step:1`,
      execution_id: executionId,
      step_id: 'step',
      attempt: 1,
      workflow_name: 'registry-test',
      workflow_version: 1,
      agent_type: type,
      action: type,
      input_json: JSON.stringify(input),
      deadline: Date.now() + 30_000,
      trace_context: {},
      issued_at: Date.now(),
    };
  }

  async function send(type: string, commands: AgentCommand[]): Promise<void> {
    await producer.send({
      topic: names.agentCommands(type),
      messages: commands.map((item) => ({
        key: item.execution_id,
        value: codec.encode('AgentCommand', item),
      })),
    });
  }

  it('shows a running agent online with its actions and serves them to the validator', async () => {
    const echo = await start(echoAgent);
    await statusBecomes('echo', 'online');
    const health = running.registry.health('echo')!;
    expect(health).toMatchObject({
      type: 'echo',
      versions: ['1.0.0'],
      load: { inFlight: 0, capacity: 64 },
      instances: [{ instanceId: echo.instanceId, status: 'online' }],
    });
    expect(health.actions.map((action) => action.name)).toEqual(['echo']);
    expect(running.registry.list().map((summary) => summary.type)).toContain('echo');

    const workflow = (action: string) => ({
      workflow: { name: 'registry-check', steps: [{ id: 'a', type: 'agent', agent_type: 'echo', action }] },
    });
    expect(parseDefinition(workflow('echo'), { agentCatalog: running.registry }).problems).toEqual([]);
    const { problems } = parseDefinition(workflow('shout'), { agentCatalog: running.registry });
    expect(problems.some((problem) => problem.severity === 'error' && /shout/.test(problem.message))).toBe(
      true,
    );
  });

  it('takes a stopped agent offline at once (its last heartbeat has capacity 0)', async () => {
    const handle = await start(failingAgent);
    await statusBecomes('failing', 'online');
    await handle.stop();
    await statusBecomes('failing', 'offline', 5_000);
    expect(running.registry.health('failing')?.instances[0]).toMatchObject({
      stopped: true,
      status: 'offline',
    });
  });

  it('takes an instance offline after three missed heartbeats', async () => {
    // An agent that dies without a last heartbeat: heartbeats written by hand, then none.
    const beat = (sentAt: number) =>
      producer.send({
        topic: names.agentHeartbeats,
        messages: [
          {
            key: 'ghost/ghost-1',
            value: codec.encode('AgentHeartbeat', {
              agent_type: 'ghost',
              instance_id: 'ghost-1',
              version: '0.1.0',
              actions: [
                { name: 'haunt', description: null, input_schema_json: null, output_schema_json: null },
              ],
              in_flight: 0,
              capacity: 1,
              sent_at: sentAt,
            }),
          },
        ],
      });
    await beat(Date.now());
    await delay(200);
    const lastAt = Date.now();
    await beat(lastAt);
    await statusBecomes('ghost', 'online');
    await statusBecomes('ghost', 'offline', 5_000);
    // Three learnt intervals (~200 ms each) after the last heartbeat, not much later.
    expect(Date.now() - lastAt).toBeLessThan(3_000);
    expect(running.registry.actionsOf('ghost')).toEqual(['haunt']);
  });

  it('shows an agent working at capacity as busy, then online again', async () => {
    await start(slowAgent, 2);
    await statusBecomes('slow', 'online');
    await send('slow', [command('slow', { delay_ms: 2_500 }), command('slow', { delay_ms: 2_500 })]);
    await statusBecomes('slow', 'busy');
    expect(running.registry.health('slow')?.load).toEqual({ inFlight: 2, capacity: 2, utilisation: 1 });
    await statusBecomes('slow', 'online', 10_000);
    const times = running.registry.health('slow')?.responseTimeMs;
    expect(times?.count).toBe(2);
    expect(times?.p50).toBeGreaterThanOrEqual(2_400);
  });

  it('puts an agent whose results mostly fail in error', async () => {
    await start(failingAgent);
    await statusBecomes('failing', 'online');
    await send(
      'failing',
      Array.from({ length: 5 }, () => command('failing', { code: 'BROKEN' })),
    );
    await statusBecomes('failing', 'error');
    const health = running.registry.health('failing')!;
    expect(health.errorRate).toBe(1);
    expect(health.results).toEqual({ succeeded: 0, failed: 5 });
    const summary = running.registry.list().find((entry) => entry.type === 'failing');
    expect(summary).toMatchObject({ status: 'error', errorRate: 1 });
  });

  it('knows the running agents at once when started later, from the compacted heartbeats', async () => {
    const late = await startAgentRegistry({ kafka, codec, topicPrefix: prefix, logger, readResults: false });
    try {
      expect(late.registry.health('echo')?.status).toBe('online');
      expect(late.registry.actionsOf('echo')).toEqual(['echo']);
    } finally {
      await late.stop();
    }
  });
});
