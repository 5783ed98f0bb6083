// An agent written with nothing but kafkajs and @kafkajs/confluent-schema-registry, as
// docs/agent-protocol.md shows it, answers a command the engine's codec produced. If this breaks, the
// protocol document no longer tells the truth.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { AvroCodec } from '../../src/kafka/avro-codec.js';
import { createKafka } from '../../src/kafka/client.js';
import type { AgentCommand, DecodedEnvelope } from '../../src/kafka/envelopes.js';
import { EnvelopeCodec } from '../../src/kafka/schemas.js';
import { createMissingTopics } from '../../src/kafka/topic-admin.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { testServices, uniquePrefix } from '../support/services.js';

// ---- the plain agent, as in docs/agent-protocol.md (only its settings come in as arguments) ----------

interface PlainAgentSettings {
  brokers: string[];
  registryUrl: string;
  prefix: string;
  agentType: string;
}

async function startPlainAgent({ brokers, registryUrl, prefix, agentType }: PlainAgentSettings) {
  const kafka = new Kafka({ clientId: `${agentType}-agent`, brokers, logLevel: logLevel.ERROR });
  const registry = new SchemaRegistry({ host: registryUrl });
  const instanceId = `${agentType}-${randomUUID()}`;
  const resultSchemaId = await registry.getLatestSchemaId('io.percolator.v1.AgentResult');
  const heartbeatSchemaId = await registry.getLatestSchemaId('io.percolator.v1.AgentHeartbeat');
  const recent = new Map<string, Buffer>(); // command_id -> encoded result; bound it in real code

  const producer = kafka.producer({ idempotent: true });
  const consumer = kafka.consumer({ groupId: `${prefix}.agent.${agentType}` });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: `${prefix}.agent.${agentType}.commands`, fromBeginning: true });

  const heartbeat = async () =>
    producer.send({
      topic: `${prefix}.agent.heartbeats`,
      messages: [
        {
          key: `${agentType}/${instanceId}`,
          value: await registry.encode(heartbeatSchemaId, {
            agent_type: agentType,
            instance_id: instanceId,
            version: '1.0.0',
            actions: [
              {
                name: 'shout',
                description: 'Upper-cases text',
                input_schema_json: null,
                output_schema_json: null,
              },
            ],
            in_flight: 0,
            capacity: 1,
            sent_at: Date.now(),
          }),
        },
      ],
    });
  await heartbeat();
  const beating = setInterval(() => void heartbeat().catch(() => undefined), 5_000);

  await consumer.run({
    // The offset is committed after eachMessage returns, i.e. after the result is acknowledged.
    eachMessage: async ({ message }) => {
      let name: string | undefined;
      try {
        ({ name } = (await registry.getSchema(message.value!.readUInt32BE(1))) as { name?: string });
      } catch {
        return; // not Confluent-framed Avro: a real agent publishes a DeadLetter here
      }
      if (name !== 'io.percolator.v1.AgentCommand') return; // a CancelCommand: nothing long-running to stop
      const command = await registry.decode(message.value!);

      let value = recent.get(command.command_id); // a redelivery: publish the same result again
      if (!value) {
        const startedAt = Date.now();
        let outcome;
        try {
          if (command.action !== 'shout') throw new Error(`unknown action ${command.action}`);
          const input = JSON.parse(command.input_json);
          outcome = {
            status: 'SUCCEEDED',
            output_json: JSON.stringify({ text: input.text.toUpperCase() }),
            error: null,
          };
        } catch (error) {
          outcome = {
            status: 'FAILED',
            output_json: null,
            error: { code: 'UNKNOWN_ACTION', message: String(error), retriable: false, retry_after_ms: null },
          };
        }
        value = await registry.encode(resultSchemaId, {
          command_id: command.command_id,
          execution_id: command.execution_id,
          step_id: command.step_id,
          attempt: command.attempt,
          ...outcome,
          output_avro: null,
          agent_id: instanceId,
          agent_type: agentType,
          duration_ms: Date.now() - startedAt,
          token_usage: null,
          completed_at: Date.now(),
          trace_context: command.trace_context,
        });
        recent.set(command.command_id, value);
      }
      const traceparent = message.headers?.traceparent;
      await producer.send({
        topic: `${prefix}.agent.results`,
        messages: [{ key: command.execution_id, value, headers: traceparent ? { traceparent } : {} }],
      });
    },
  });

  return async () => {
    clearInterval(beating);
    await consumer.disconnect();
    await producer.disconnect();
  };
}

// ---- the test ---------------------------------------------------------------------------------------

describe('the agent protocol, spoken by a plain kafkajs agent', () => {
  const services = testServices();
  const prefix = uniquePrefix('protocol');
  const names = topicNames(prefix);
  const agentType = 'shouter';
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let reader: Consumer;
  let codec: EnvelopeCodec;
  let stopAgent: (() => Promise<void>) | undefined;
  const received: { key: string | null; traceparent: string | undefined; envelope: DecodedEnvelope }[] = [];

  beforeAll(async () => {
    kafka = createKafka({ brokers: services.kafkaBrokers, clientId: prefix });
    admin = kafka.admin();
    producer = kafka.producer({ idempotent: true });
    reader = kafka.consumer({ groupId: `${prefix}.reader`, maxWaitTimeInMs: 200 });
    await Promise.all([admin.connect(), producer.connect(), reader.connect()]);
    await createMissingTopics(admin, [
      { name: names.agentCommands(agentType), partitions: 3 },
      { name: names.agentResults, partitions: 3 },
      { name: names.agentHeartbeats, partitions: 1 },
    ]);
    // The engine registers the envelopes; the plain agent only looks their ids up.
    codec = await EnvelopeCodec.create(AvroCodec.forUrl(services.schemaRegistryUrl));
    await reader.subscribe({ topics: [names.agentResults, names.agentHeartbeats], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        received.push({
          key: message.key?.toString() ?? null,
          traceparent: message.headers?.traceparent?.toString(),
          envelope: await codec.decode(message.value),
        });
      },
    });
    stopAgent = await startPlainAgent({
      brokers: services.kafkaBrokers,
      registryUrl: services.schemaRegistryUrl,
      prefix,
      agentType,
    });
  });

  afterAll(async () => {
    await stopAgent?.();
    await Promise.allSettled([reader?.disconnect(), producer?.disconnect()]);
    await admin
      ?.deleteTopics({ topics: [names.agentCommands(agentType), names.agentResults, names.agentHeartbeats] })
      .catch(() => undefined);
    await admin?.disconnect();
  });

  async function waitFor<T>(what: string, probe: () => T | undefined): Promise<T> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = probe();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  function command(action: string, input: unknown): AgentCommand {
    const executionId = randomUUID();
    return {
      command_id: `${executionId}/greet/1`,
      execution_id: executionId,
      step_id: 'greet',
      attempt: 1,
      workflow_name: 'protocol-test',
      workflow_version: 1,
      agent_type: agentType,
      action,
      input_json: JSON.stringify(input),
      deadline: Date.now() + 30_000,
      trace_context: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      issued_at: Date.now(),
    };
  }

  const resultFor = (commandId: string) =>
    received.find(
      (record) => record.envelope.name === 'AgentResult' && record.envelope.value.command_id === commandId,
    );

  it('answers an AgentCommand with an AgentResult the engine decodes', async () => {
    const shout = command('shout', { text: 'hello' });
    const unknown = command('whisper', { text: 'hello' });
    await producer.send({
      topic: names.agentCommands(agentType),
      messages: [shout, unknown].map((item) => ({
        key: item.execution_id,
        value: codec.encode('AgentCommand', item),
        headers: { traceparent: item.trace_context!.traceparent! },
      })),
    });

    const ok = await waitFor('the shout result', () => resultFor(shout.command_id));
    expect(ok.envelope.name).toBe('AgentResult');
    expect(ok.key).toBe(shout.execution_id);
    expect(ok.traceparent).toBe(shout.trace_context!.traceparent);
    expect(ok.envelope.value).toMatchObject({
      command_id: shout.command_id,
      execution_id: shout.execution_id,
      step_id: 'greet',
      attempt: 1,
      status: 'SUCCEEDED',
      output_json: '{"text":"HELLO"}',
      error: null,
      agent_type: agentType,
      trace_context: shout.trace_context,
    });

    const failed = await waitFor('the unknown-action result', () => resultFor(unknown.command_id));
    expect(failed.envelope.value).toMatchObject({
      status: 'FAILED',
      output_json: null,
      error: { code: 'UNKNOWN_ACTION', retriable: false, retry_after_ms: null },
    });

    const beat = await waitFor('a heartbeat', () =>
      received.find((record) => record.envelope.name === 'AgentHeartbeat'),
    );
    expect(beat.key).toMatch(new RegExp(`^${agentType}/`));
    expect(beat.envelope.value).toMatchObject({ agent_type: agentType, capacity: 1 });
  });
});
