// The four built-in agents on the real stack: each runs with runAgent on its own command topic, takes an
// Avro-framed AgentCommand and answers with an AgentResult on the results topic.
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAgentTopics } from '../../src/agents/agent-topics.js';
import { BUILTIN_AGENT_TYPES, createBuiltinAgents } from '../../src/agents/builtin/index.js';
import { findAgent } from '../../src/agents/catalog.js';
import { runAgent, type AgentHandle } from '../../src/agents/sdk/index.js';
import { AvroCodec } from '../../src/kafka/avro-codec.js';
import { createKafka } from '../../src/kafka/client.js';
import type { AgentCommand, AgentResult } from '../../src/kafka/envelopes.js';
import { EnvelopeCodec } from '../../src/kafka/schemas.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { createLogger } from '../../src/observability/logger.js';
import { migrate } from '../../src/store/migrate.js';
import { testServices, uniquePrefix } from '../support/services.js';

describe('built-in agents over Kafka', () => {
  const services = testServices();
  const logger = createLogger({ level: 'silent' });
  const prefix = uniquePrefix('builtin-agents');
  const results = new Map<string, AgentResult>();
  const handles: AgentHandle[] = [];
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer;
  let codec: EnvelopeCodec;
  let pool: pg.Pool;

  beforeAll(async () => {
    await migrate({ databaseUrl: services.databaseUrl });
    pool = new pg.Pool({ connectionString: services.databaseUrl, max: 8 });
    kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'builtin-agents-test' });
    admin = kafka.admin();
    producer = kafka.producer({ idempotent: true });
    await Promise.all([admin.connect(), producer.connect()]);
    await ensureAgentTopics(admin, prefix, [...BUILTIN_AGENT_TYPES]);
    codec = await EnvelopeCodec.create(AvroCodec.forUrl(services.schemaRegistryUrl));

    consumer = kafka.consumer({ groupId: `${prefix}.collector`, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topicNames(prefix).agentResults], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const envelope = await codec.decode(message.value);
        if (envelope.name === 'AgentResult') results.set(envelope.value.command_id, envelope.value);
      },
    });
    for (const agent of createBuiltinAgents({ pool, config: {}, logger, llm: null })) {
      handles.push(
        await runAgent(agent, { kafka, codec, topicPrefix: prefix, logger, commitIntervalMs: 200 }),
      );
    }
  });

  afterAll(async () => {
    await Promise.allSettled(handles.map((handle) => handle.stop()));
    await consumer?.disconnect();
    await producer?.disconnect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${prefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin?.disconnect();
    await pool?.end();
  });

  async function run(type: string, action: string, input: unknown): Promise<AgentResult> {
    const executionId = `exec-${randomUUID()}`;
    const command: AgentCommand = {
      command_id: `${executionId}:step:1`,
      execution_id: executionId,
      step_id: 'step',
      attempt: 1,
      workflow_name: 'builtin-agents-test',
      workflow_version: 1,
      agent_type: type,
      action,
      input_json: JSON.stringify(input),
      input_avro: null,
      deadline: Date.now() + 60_000,
      trace_context: {},
      issued_at: Date.now(),
    };
    await producer.send({
      topic: topicNames(prefix).agentCommands(type),
      messages: [{ key: executionId, value: codec.encode('AgentCommand', command) }],
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const result = results.get(command.command_id);
      if (result) return result;
      if (Date.now() > deadline) throw new Error(`no result for ${type}.${action} within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const output = (result: AgentResult) => JSON.parse(result.output_json ?? 'null') as Record<string, unknown>;

  it('are in the catalog that `percolator agents run` starts from', () => {
    expect(
      Object.fromEntries(BUILTIN_AGENT_TYPES.map((type) => [type, [...findAgent(type)!.actions.keys()]])),
    ).toEqual({
      'social-media-content': [
        'create_content',
        'enhance_content',
        'schedule_content',
        'publish_content',
        'analyze_content',
      ],
      'feedback-analyst': ['analyze_feedback', 'categorize_feedback', 'generate_response'],
      inventory: ['check_stock', 'update_inventory', 'forecast_demand'],
      notifier: ['send_notification', 'create_alert', 'update_status'],
    });
  });

  it("social-media-content answers the seed's create_content", async () => {
    const result = await run('social-media-content', 'create_content', {
      brand_id: 'brand-kafka',
      content_topic: 'New Product Launch',
    });
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      agent_type: 'social-media-content',
      error: null,
      token_usage: null,
    });
    expect(output(result)).toMatchObject({
      platform: 'twitter',
      quality_score: 85,
      hashtags: ['#NewProductLaunch'],
    });
  });

  it('feedback-analyst answers analyze_feedback', async () => {
    const result = await run('feedback-analyst', 'analyze_feedback', {
      feedback: 'The staff were friendly and the espresso was excellent.',
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(output(result)).toMatchObject({
      label: 'positive',
      counts: { positive: 1, neutral: 0, negative: 0 },
    });
  });

  it('inventory answers update_inventory, and reports running out as a non-retriable failure', async () => {
    const sku = `sku-${randomUUID()}`;
    const added = await run('inventory', 'update_inventory', { product_id: sku, delta: 3 });
    expect(added.status).toBe('SUCCEEDED');
    expect(output(added)).toMatchObject({ product_id: sku, quantity: 3 });
    const refused = await run('inventory', 'update_inventory', { product_id: sku, delta: -5 });
    expect(refused).toMatchObject({
      status: 'FAILED',
      output_json: null,
      error: {
        code: 'INSUFFICIENT_STOCK',
        retriable: false,
        message: `product ${sku}: 5 requested, 3 in stock`,
      },
    });
  });

  it('notifier answers create_alert', async () => {
    const result = await run('notifier', 'create_alert', { title: 'Disk almost full', severity: 'error' });
    expect(result.status).toBe('SUCCEEDED');
    expect(output(result)).toMatchObject({
      title: 'Disk almost full',
      severity: 'error',
      status: 'open',
      source: 'builtin-agents-test',
    });
  });
});
