// An agent written with no Percolator code at all takes part in a workflow: the protocol is the topics and
// the Avro schemas, nothing else. The agent half of this file uses only kafkajs, the schema registry client
// and the .avsc files read from disk, as a team writing an agent in its own codebase would.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { TestEngine } from '../support/engine.js';
import { testServices } from '../support/services.js';

// ---- the foreign agent: kafkajs + registry client + schemas/*.avsc ------------------------------------------

interface ForeignAgentOptions {
  brokers: string[];
  registryUrl: string;
  topicPrefix: string;
  agentType: string;
}

interface ForeignAgent {
  handled: string[];
  stop(): Promise<void>;
}

async function startForeignAgent(options: ForeignAgentOptions): Promise<ForeignAgent> {
  const kafka = new Kafka({
    clientId: `foreign-${options.agentType}`,
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
  });
  const registry = new SchemaRegistry({ host: options.registryUrl });
  const schemaFile = (file: string) =>
    readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8');
  const resultSchema = schemaFile('agent-result.avsc');
  const commandSchema = JSON.parse(schemaFile('agent-command.avsc')) as { name: string; namespace: string };
  const commandRecordName = `${commandSchema.namespace}.${commandSchema.name}`;
  // RecordNameStrategy: the subject is the record's full name. Registering the identical schema again
  // returns its id, as a serializer with auto-registration would.
  const { id: resultSchemaId } = await registry.register(
    { type: SchemaType.AVRO, schema: resultSchema },
    { subject: 'io.percolator.v1.AgentResult' },
  );

  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer: Consumer = kafka.consumer({
    groupId: `${options.topicPrefix}.agent.${options.agentType}`,
  });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({
    topic: `${options.topicPrefix}.agent.${options.agentType}.commands`,
    fromBeginning: true,
  });
  const handled: string[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      // The command topic carries AgentCommand and CancelCommand: the schema id names which.
      const schema = (await registry.getSchema(message.value!.readUInt32BE(1))) as { name?: string };
      if (schema.name !== commandRecordName) return;
      const record = (await registry.decode(message.value!)) as Record<string, unknown>;
      const startedAt = Date.now();
      const input = JSON.parse(String(record.input_json)) as { text?: string };
      const ok = record.action === 'shout' && typeof input.text === 'string';
      handled.push(String(record.command_id));
      const result = {
        command_id: record.command_id,
        execution_id: record.execution_id,
        step_id: record.step_id,
        attempt: record.attempt,
        status: ok ? 'SUCCEEDED' : 'FAILED',
        output_json: ok ? JSON.stringify({ text: `${input.text!.toUpperCase()}!` }) : null,
        output_avro: null,
        error: ok
          ? null
          : { code: 'INVALID_INPUT', message: 'shout needs a text', retriable: false, retry_after_ms: null },
        agent_id: 'foreign-1',
        agent_type: options.agentType,
        duration_ms: Date.now() - startedAt,
        token_usage: null,
        completed_at: Date.now(),
        trace_context: record.trace_context ?? {},
      };
      await producer.send({
        topic: `${options.topicPrefix}.agent.results`,
        acks: -1,
        messages: [
          {
            key: String(record.execution_id),
            value: await registry.encode(resultSchemaId, result),
          },
        ],
      });
    },
  });
  return {
    handled,
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

// ---- the test -----------------------------------------------------------------------------------------------

describe('engine semantics: an agent written without Percolator', () => {
  let engine: TestEngine;
  let agent: ForeignAgent;
  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'foreign', agents: [echoAgent], extraAgentTypes: ['shouter'] });
    const services = testServices();
    agent = await startForeignAgent({
      brokers: services.kafkaBrokers,
      registryUrl: services.schemaRegistryUrl,
      topicPrefix: engine.prefix,
      agentType: 'shouter',
    });
  });
  afterAll(async () => {
    await agent?.stop();
    await engine?.stop();
  });

  it('runs a step of a workflow through plain kafkajs and Avro, success and failure alike', async () => {
    const name = await engine.register({
      workflow: {
        name: 'foreign',
        steps: [
          { id: 'prepare', type: 'agent', agent_type: 'echo', action: 'echo', input: "{ 'text': greeting }" },
          { id: 'shout', type: 'agent', agent_type: 'shouter', action: 'shout', input: "{ 'text': text }" },
          { id: 'report', type: 'transform', output: "{ 'heard': shout.text }" },
        ],
      },
    });
    const executionId = await engine.run(name, { greeting: 'hello from elsewhere' });
    const state = await engine.waitFor(executionId);
    expect(state.status).toBe('completed');
    expect(state.steps.shout).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect(state.output).toEqual({ heard: 'HELLO FROM ELSEWHERE!' });
    expect(agent.handled).toContain(state.steps.shout!.commandId);

    // A failure reported by the foreign agent is data like any other: not retriable, so the execution fails.
    const failing = await engine.register({
      workflow: {
        name: 'foreign-failing',
        steps: [
          {
            id: 'shout',
            type: 'agent',
            agent_type: 'shouter',
            action: 'shout',
            input: "{ 'nothing': true }",
            retry_policy: { max_attempts: 3, initial_interval: '100ms' },
          },
        ],
      },
    });
    const failed = await engine.waitFor(await engine.run(failing, {}));
    expect(failed.status).toBe('failed');
    expect(failed.steps.shout).toMatchObject({ status: 'failed', attempt: 1 });
    expect(failed.error).toMatchObject({ code: 'INVALID_INPUT', message: 'shout needs a text' });
  });
});
