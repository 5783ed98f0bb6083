// The agent SDK against the real Kafka and schema registry: commands in, results out, and the
// redelivery, cancellation, deadline, poison-record, heartbeat, shutdown and concurrency behaviour.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, IHeaders, Kafka, Producer } from 'kafkajs';
import { ensureAgentTopics } from '../../src/agents/agent-topics.js';
import {
  agentGroupId,
  AgentError,
  defineAgent,
  runAgent,
  type AgentDefinition,
  type AgentHandle,
  type RunAgentOptions,
} from '../../src/agents/sdk/index.js';
import { echoAgent, sleep, slowAgent } from '../../src/agents/testing/test-agents.js';
import { AvroCodec } from '../../src/kafka/avro-codec.js';
import { createKafka } from '../../src/kafka/client.js';
import type { AgentCommand, DecodedEnvelope } from '../../src/kafka/envelopes.js';
import { EnvelopeCodec } from '../../src/kafka/schemas.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { createLogger } from '../../src/observability/logger.js';
import { testServices, uniquePrefix } from '../support/services.js';

interface Received {
  topic: string;
  partition: number;
  key: string | null;
  headers: IHeaders;
  envelope: DecodedEnvelope;
}

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** Reads the results, dead-letter and heartbeat topics of one prefix from the start. */
class Collector {
  readonly records: Received[] = [];
  private constructor(private readonly consumer: Consumer) {}

  static async start(kafka: Kafka, codec: EnvelopeCodec, prefix: string): Promise<Collector> {
    const names = topicNames(prefix);
    const consumer = kafka.consumer({ groupId: `${prefix}.collector`, maxWaitTimeInMs: 200 });
    const collector = new Collector(consumer);
    await consumer.connect();
    await consumer.subscribe({
      topics: [names.agentResults, names.deadLetters, names.agentHeartbeats],
      fromBeginning: true,
    });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        collector.records.push({
          topic,
          partition,
          key: message.key?.toString() ?? null,
          headers: message.headers ?? {},
          envelope: await codec.decode(message.value),
        });
      },
    });
    return collector;
  }

  results(commandId?: string) {
    return this.records.flatMap((record) =>
      record.envelope.name === 'AgentResult' &&
      (commandId === undefined || record.envelope.value.command_id === commandId)
        ? [{ ...record, value: record.envelope.value }]
        : [],
    );
  }

  deadLetters() {
    return this.records.flatMap((record) =>
      record.envelope.name === 'DeadLetter' ? [{ ...record, value: record.envelope.value }] : [],
    );
  }

  heartbeats() {
    return this.records.flatMap((record) =>
      record.envelope.name === 'AgentHeartbeat' ? [{ ...record, value: record.envelope.value }] : [],
    );
  }

  async waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = probe();
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

describe('agent SDK against Kafka', () => {
  const services = testServices();
  const logger = createLogger({ level: 'silent' });
  const prefixes: string[] = [];
  const handles: AgentHandle[] = [];
  const collectors: Collector[] = [];
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let codec: EnvelopeCodec;

  beforeAll(async () => {
    kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'agent-sdk-test' });
    admin = kafka.admin();
    producer = kafka.producer({ idempotent: true });
    await Promise.all([admin.connect(), producer.connect()]);
    codec = await EnvelopeCodec.create(AvroCodec.forUrl(services.schemaRegistryUrl));
  });

  afterEach(async () => {
    await Promise.allSettled(handles.splice(0).map((handle) => handle.stop()));
    await Promise.allSettled(collectors.splice(0).map((collector) => collector.stop()));
  });

  afterAll(async () => {
    await producer?.disconnect();
    const topics = (await admin.listTopics()).filter((topic) =>
      prefixes.some((prefix) => topic.startsWith(`${prefix}.`)),
    );
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin?.disconnect();
  });

  /** A fresh prefix with the agent topics of `types`, and a collector reading its outputs. */
  async function environment(label: string, types: string[]) {
    const prefix = uniquePrefix(label);
    prefixes.push(prefix);
    await ensureAgentTopics(admin, prefix, types);
    const collector = await Collector.start(kafka, codec, prefix);
    collectors.push(collector);
    return { prefix, names: topicNames(prefix), collector };
  }

  async function start(agent: AgentDefinition, prefix: string, options: Partial<RunAgentOptions> = {}) {
    const handle = await runAgent(agent, {
      kafka,
      codec,
      topicPrefix: prefix,
      logger,
      commitIntervalMs: 200,
      ...options,
    });
    handles.push(handle);
    return handle;
  }

  function command(
    type: string,
    action: string,
    input: unknown,
    overrides: Partial<AgentCommand> = {},
  ): AgentCommand {
    const executionId = `exec-${randomUUID()}`;
    return {
      command_id: `${executionId}:step:1`,
      execution_id: executionId,
      step_id: 'step',
      attempt: 1,
      workflow_name: 'agent-sdk-test',
      workflow_version: 1,
      agent_type: type,
      action,
      input_json: JSON.stringify(input),
      deadline: Date.now() + 60_000,
      trace_context: {},
      issued_at: Date.now(),
      ...overrides,
    };
  }

  async function send(prefix: string, ...commands: AgentCommand[]): Promise<void> {
    const byType = new Map<string, AgentCommand[]>();
    for (const item of commands) byType.set(item.agent_type, [...(byType.get(item.agent_type) ?? []), item]);
    await producer.sendBatch({
      topicMessages: [...byType].map(([type, items]) => ({
        topic: topicNames(prefix).agentCommands(type),
        messages: items.map((item) => ({
          key: item.execution_id,
          value: codec.encode('AgentCommand', item),
          headers: { traceparent: TRACEPARENT },
        })),
      })),
    });
  }

  it('answers a command with a result carrying its ids, output, token usage and trace context', async () => {
    const { prefix, names, collector } = await environment('sdk-basic', ['probe']);
    const probe = defineAgent({
      type: 'probe',
      version: '1.2.3',
      actions: {
        summarise: {
          handler: (input: { text: string }, ctx) => {
            ctx.reportTokenUsage({ promptTokens: 12, completionTokens: 3, model: 'test-model' });
            return { summary: input.text.toUpperCase(), step: ctx.stepId };
          },
        },
        refuse: {
          handler: () => {
            throw new AgentError('RATE_LIMITED', 'try later', { retriable: true, retryAfterMs: 750 });
          },
        },
      },
    });
    const handle = await start(probe, prefix);
    expect(handle.groupId).toBe(agentGroupId(prefix, 'probe'));
    expect(handle.groupId).toBe(`${prefix}.agent.probe`);
    const ok = command('probe', 'summarise', { text: 'hello' }, { attempt: 2, step_id: 'sum' });
    const refused = command('probe', 'refuse', {});
    await send(prefix, ok, refused);

    const [result] = await collector.waitFor('the summarise result', () => {
      const found = collector.results(ok.command_id);
      return found.length > 0 && found;
    });
    expect(result!.topic).toBe(names.agentResults);
    expect(result!.key).toBe(ok.execution_id);
    expect(result!.headers.traceparent?.toString()).toBe(TRACEPARENT);
    expect(result!.value).toMatchObject({
      command_id: ok.command_id,
      execution_id: ok.execution_id,
      step_id: 'sum',
      attempt: 2,
      status: 'SUCCEEDED',
      error: null,
      agent_id: handle.instanceId,
      agent_type: 'probe',
      token_usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15, model: 'test-model' },
      trace_context: { traceparent: TRACEPARENT },
    });
    expect(JSON.parse(result!.value.output_json!)).toEqual({ summary: 'HELLO', step: 'sum' });
    expect(result!.value.duration_ms).toBeGreaterThanOrEqual(0);
    expect(result!.value.completed_at).toBeGreaterThanOrEqual(ok.issued_at);

    const [failure] = await collector.waitFor('the refuse result', () => {
      const found = collector.results(refused.command_id);
      return found.length > 0 && found;
    });
    expect(failure!.value).toMatchObject({
      status: 'FAILED',
      output_json: null,
      error: { code: 'RATE_LIMITED', message: 'try later', retriable: true, retry_after_ms: 750 },
      token_usage: null,
    });
  });

  it('runs a redelivered command once and publishes its result again', async () => {
    const { prefix, collector } = await environment('sdk-redeliver', ['counted']);
    let calls = 0;
    const counted = defineAgent({
      type: 'counted',
      version: '1',
      actions: {
        count: {
          handler: async () => {
            calls++;
            await sleep(100);
            return { calls };
          },
        },
      },
    });
    await start(counted, prefix);
    const once = command('counted', 'count', {});
    await send(prefix, once);
    await collector.waitFor('the first result', () => collector.results(once.command_id).length === 1);
    await send(prefix, once);
    await send(prefix, once);
    const results = await collector.waitFor('three results', () => {
      const found = collector.results(once.command_id);
      return found.length === 3 && found;
    });
    expect(calls).toBe(1);
    expect(new Set(results.map((result) => result.value.output_json))).toEqual(new Set(['{"calls":1}']));
    expect(new Set(results.map((result) => result.value.completed_at)).size).toBe(1);
  });

  it('aborts a running handler on a CancelCommand and reports CANCELLED', async () => {
    const { prefix, names, collector } = await environment('sdk-cancel', ['slow']);
    const handle = await start(slowAgent, prefix);
    const long = command('slow', 'slow', { delay_ms: 60_000 });
    await send(prefix, long);
    await collector.waitFor('the handler to start', () => handle.inFlight === 1);
    const cancelledAt = Date.now();
    await producer.send({
      topic: names.agentCommands('slow'),
      messages: [
        {
          key: long.execution_id,
          value: codec.encode('CancelCommand', {
            command_id: long.command_id,
            execution_id: long.execution_id,
            step_id: long.step_id,
            reason: 'execution cancelled by test',
            issued_at: Date.now(),
          }),
        },
      ],
    });
    const [result] = await collector.waitFor('the cancelled result', () => {
      const found = collector.results(long.command_id);
      return found.length > 0 && found;
    });
    expect(Date.now() - cancelledAt).toBeLessThan(10_000);
    expect(result!.value.status).toBe('FAILED');
    expect(result!.value.error).toMatchObject({ code: 'CANCELLED', retriable: false });
    expect(result!.value.error!.message).toContain('execution cancelled by test');
    expect(handle.inFlight).toBe(0);
  });

  it('aborts a handler at the command deadline and reports DEADLINE_EXCEEDED', async () => {
    const { prefix, collector } = await environment('sdk-deadline', ['slow']);
    await start(slowAgent, prefix);
    const late = command('slow', 'slow', { delay_ms: 60_000 }, { deadline: Date.now() + 1_500 });
    await send(prefix, late);
    const [result] = await collector.waitFor('the timed-out result', () => {
      const found = collector.results(late.command_id);
      return found.length > 0 && found;
    });
    expect(result!.value.status).toBe('FAILED');
    expect(result!.value.error).toMatchObject({ code: 'DEADLINE_EXCEEDED', retriable: true });
    expect(result!.value.completed_at).toBeLessThan(late.deadline + 5_000);
  });

  it('dead-letters bytes that are not a command and goes on with the next command', async () => {
    const { prefix, names, collector } = await environment('sdk-poison', ['echo']);
    await start(echoAgent, prefix);
    const good = command('echo', 'echo', { after: 'garbage' });
    // Same key, so the garbage and the command share a partition and the command comes after it.
    await producer.send({
      topic: names.agentCommands('echo'),
      messages: [
        { key: good.execution_id, value: Buffer.from('definitely not avro'), headers: { origin: 'test' } },
        // Confluent framing around a schema id the registry never issued.
        { key: good.execution_id, value: Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 4, 6]) },
        { key: good.execution_id, value: codec.encode('AgentCommand', good) },
        {
          key: good.execution_id,
          value: codec.encode('TimerFired', {
            timer_id: 't',
            execution_id: good.execution_id,
            kind: 'DELAY',
            due_at: 0,
            fired_at: 0,
          }),
        },
      ],
    });
    const [result] = await collector.waitFor('the good command result', () => {
      const found = collector.results(good.command_id);
      return found.length > 0 && found;
    });
    expect(JSON.parse(result!.value.output_json!)).toEqual({ after: 'garbage' });
    const letters = await collector.waitFor('three dead letters', () => {
      const found = collector.deadLetters();
      return found.length === 3 && found;
    });
    const [garbage, unknown, misplaced] = letters.sort(
      (a, b) => a.value.source_offset - b.value.source_offset,
    );
    expect(unknown!.value).toMatchObject({ reason_code: 'UNKNOWN_SCHEMA' });
    expect(garbage!.key).toBe(good.execution_id);
    expect(garbage!.topic).toBe(names.deadLetters);
    expect(garbage!.value).toMatchObject({
      reason_code: 'NOT_AVRO',
      source_topic: names.agentCommands('echo'),
      consumer_group: `${prefix}.agent.echo`,
      key: Buffer.from(good.execution_id),
      value: Buffer.from('definitely not avro'),
      headers: { origin: Buffer.from('test') },
    });
    expect(misplaced!.value).toMatchObject({
      reason_code: 'INVALID_RECORD',
      source_partition: garbage!.value.source_partition,
    });
    expect(misplaced!.value.source_offset).toBe(garbage!.value.source_offset + 3);
  });

  it('sends heartbeats keyed by type and instance, and a last one with no capacity on stop', async () => {
    const { prefix, names, collector } = await environment('sdk-heartbeat', ['echo']);
    const handle = await start(echoAgent, prefix, { heartbeatIntervalMs: 300 });
    const key = `echo/${handle.instanceId}`;
    const beats = await collector.waitFor('three heartbeats', () => {
      const found = collector.heartbeats().filter((beat) => beat.key === key);
      return found.length >= 3 && found;
    });
    expect(beats[0]!.topic).toBe(names.agentHeartbeats);
    expect(beats[0]!.value).toMatchObject({
      agent_type: 'echo',
      instance_id: handle.instanceId,
      version: echoAgent.version,
      in_flight: 0,
      capacity: echoAgent.concurrency,
      actions: [{ name: 'echo', input_schema_json: null, output_schema_json: null }],
    });
    await handle.stop();
    const last = await collector.waitFor('the stopping heartbeat', () =>
      collector.heartbeats().find((beat) => beat.key === key && beat.value.capacity === 0),
    );
    expect(last.value.in_flight).toBe(0);
  });

  it('commits on graceful stop, so a restarted agent does not run those commands again', async () => {
    const { prefix, collector } = await environment('sdk-restart', ['counted']);
    const calls: string[] = [];
    const counted = defineAgent({
      type: 'counted',
      version: '1',
      actions: { count: { handler: (_input, ctx) => void calls.push(ctx.commandId) } },
    });
    const first = await start(counted, prefix);
    const before = [1, 2, 3].map(() => command('counted', 'count', {}));
    await send(prefix, ...before);
    await collector.waitFor('three results', () => collector.results().length === 3);
    await first.stop();

    const second = await start(counted, prefix);
    const after = command('counted', 'count', {});
    await send(prefix, after);
    await collector.waitFor('the fourth result', () => collector.results(after.command_id).length === 1);
    await sleep(500);
    expect(calls.sort()).toEqual([...before, after].map((item) => item.command_id).sort());
    expect(collector.results().filter((result) => result.value.agent_id === second.instanceId)).toHaveLength(
      1,
    );
  });

  it('never runs more handlers than its concurrency, and a slow command does not hold back later ones', async () => {
    const { prefix, collector } = await environment('sdk-concurrency', ['limited']);
    let running = 0;
    let peak = 0;
    const limited = defineAgent({
      type: 'limited',
      version: '1',
      concurrency: 3,
      actions: {
        work: {
          handler: async (input: { ms: number }, ctx) => {
            running++;
            peak = Math.max(peak, running);
            try {
              await sleep(input.ms, ctx.signal);
            } finally {
              running--;
            }
            return { ms: input.ms };
          },
        },
      },
    });
    await start(limited, prefix, { shutdownTimeoutMs: 200, abortGraceMs: 200 });
    const blocker = command('limited', 'work', { ms: 30_000 });
    await send(prefix, blocker);
    await collector.waitFor('the blocker to start', () => running === 1);
    const quick = Array.from({ length: 10 }, () => command('limited', 'work', { ms: 300 }));
    await send(prefix, ...quick);
    await collector.waitFor('ten quick results', () =>
      quick.every((item) => collector.results(item.command_id).length === 1),
    );
    expect(peak).toBe(3);
    expect(collector.results(blocker.command_id)).toHaveLength(0);
  });

  it('gives back a command still running when the stop bound passes, and the next instance runs it', async () => {
    const { prefix, collector } = await environment('sdk-giveback', ['patient']);
    const started: string[] = [];
    const patient = defineAgent({
      type: 'patient',
      version: '1',
      actions: {
        wait: {
          handler: async (input: { ms: number }, ctx) => {
            started.push(ctx.agentId);
            await sleep(input.ms, ctx.signal);
            return 'waited';
          },
        },
      },
    });
    const first = await start(patient, prefix, { shutdownTimeoutMs: 300, abortGraceMs: 200 });
    const long = command('patient', 'wait', { ms: 20_000 });
    await send(prefix, long);
    await collector.waitFor('the handler to start', () => started.length === 1);
    await first.stop();
    expect(collector.results(long.command_id)).toHaveLength(0);

    const quickPatient = defineAgent({
      type: 'patient',
      version: '1',
      actions: { wait: { handler: (_input, ctx) => (started.push(ctx.agentId), 'second try') } },
    });
    const second = await start(quickPatient, prefix);
    const [result] = await collector.waitFor('the result from the second instance', () => {
      const found = collector.results(long.command_id);
      return found.length > 0 && found;
    });
    expect(result!.value).toMatchObject({
      status: 'SUCCEEDED',
      agent_id: second.instanceId,
      output_json: '"second try"',
    });
    expect(started).toEqual([first.instanceId, second.instanceId]);
  });
});
