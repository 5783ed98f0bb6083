// Records that once stopped every orchestrator for good (issue 17): an empty execution id, garbage, a workflow id
// that is not a UUID, an input nested 3,000 levels deep. Each is dead-lettered with its reason, the consumer
// stays joined, and a normal execution afterwards completes. Also: a step naming an agent type that has no
// commands topic fails at once with AGENT_TYPE_UNKNOWN instead of blocking the partition.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import type { DeadLetter } from '../../src/kafka/envelopes.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { TestEngine, type TopicTap } from '../support/engine.js';

describe('engine: hostile inputs are dead-lettered and the consumer carries on', () => {
  let engine: TestEngine;
  let deadLetters: TopicTap;
  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'hostile', agents: [echoAgent] });
    deadLetters = await engine.tap(topicNames(engine.prefix).deadLetters);
  }, 120_000);
  afterAll(async () => engine?.stop());

  /** The dead letter of the record at this position, once it is there. */
  async function letterAt(source: { topic: string; partition: number; offset: string }): Promise<DeadLetter> {
    return deadLetters.waitFor((records) => {
      for (const record of records) {
        const letter = record.envelope?.name === 'DeadLetter' ? record.envelope.value : undefined;
        if (
          letter &&
          letter.source_topic === source.topic &&
          letter.source_partition === source.partition &&
          String(letter.source_offset) === source.offset
        )
          return letter;
      }
      return undefined;
    });
  }

  async function completesNormally(): Promise<void> {
    const name = await engine.register({
      workflow: {
        name: `normal-${randomUUID().slice(0, 8)}`,
        steps: [{ id: 'say', type: 'agent', agent_type: 'echo', action: 'echo', input: "{ 'said': word }" }],
      },
    });
    const executionId = await engine.run(name, { word: 'still alive' });
    const state = await engine.waitFor(executionId, undefined, 60_000);
    expect(state.status).toBe('completed');
    expect(state.output).toEqual({ said: 'still alive' });
    expect(engine.orchestrators[0]!.consumerRunners()[0]!.health()).toMatchObject({ state: 'joined' });
  }

  it('an AgentResult with an empty execution id, a non-UUID workflow id and a 3,000-deep input are dead-lettered with their reasons', async () => {
    const topics = topicNames(engine.prefix);
    const deep = '['.repeat(3000) + ']'.repeat(3000);
    const cases = [
      {
        name: 'empty execution id',
        topic: topics.agentResults,
        key: 'x',
        value: engine.codec.encode('AgentResult', {
          command_id: 'x:step:1',
          execution_id: '',
          step_id: 'step',
          attempt: 1,
          status: 'SUCCEEDED',
          output_json: '{}',
          agent_id: 'nobody',
          agent_type: 'echo',
          duration_ms: 1,
          completed_at: Date.now(),
        }),
        code: 'INVALID_RECORD',
        reason: /execution_id is empty/,
      },
      {
        name: 'non-UUID workflow id',
        topic: topics.executions,
        key: randomUUID(),
        value: engine.codec.encode('StartExecution', {
          execution_id: randomUUID(),
          workflow_id: 'not-a-uuid',
          workflow_name: 'whatever',
          input_json: '{}',
          trigger: { type: 'API' },
          requested_at: Date.now(),
        }),
        code: 'INVALID_WORKFLOW_ID',
        reason: /workflow_id "not-a-uuid" is not a UUID/,
      },
      {
        name: '3,000 levels deep',
        topic: topics.executions,
        key: randomUUID(),
        value: engine.codec.encode('StartExecution', {
          execution_id: randomUUID(),
          workflow_id: '',
          workflow_name: `${engine.prefix}.anything`,
          input_json: deep,
          trigger: { type: 'API' },
          requested_at: Date.now(),
        }),
        code: 'PAYLOAD_LIMIT',
        reason: /input_json nests deeper than 64 levels/,
      },
    ];
    for (const sent of cases) {
      const [position] = await engine.produceAndAwaitConsumed(sent.topic, [
        { key: sent.key, value: sent.value },
      ]);
      const letter = await letterAt({ topic: sent.topic, ...position! });
      expect(letter.reason_code, sent.name).toBe(sent.code);
      expect(letter.message, sent.name).toMatch(sent.reason);
    }
    await completesNormally();
  }, 120_000);

  it('100 garbage records across the input topics are all dead-lettered', async () => {
    const topics = topicNames(engine.prefix);
    const inputs = [topics.executions, topics.agentResults, topics.signals, topics.timers];
    const messages = Array.from({ length: 100 }, (_, index) => ({
      topic: inputs[index % inputs.length]!,
      key: `garbage-${index}`,
      value:
        index % 2 === 0
          ? randomBytes(1 + (index % 50))
          : Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), randomBytes(20)]),
    }));
    for (const topic of inputs) {
      await engine.rawProducer.send({
        topic,
        acks: -1,
        messages: messages
          .filter((message) => message.topic === topic)
          .map(({ key, value }) => ({ key, value })),
      });
    }
    const keys = new Set(messages.map((message) => message.key));
    await deadLetters.waitFor((records) => {
      const seen = new Set(
        records.map((record) => record.key).filter((key) => key !== null && keys.has(key)),
      );
      return seen.size === keys.size ? seen : undefined;
    });
    await completesNormally();
  }, 120_000);

  it('a step whose agent type has no commands topic fails with AGENT_TYPE_UNKNOWN', async () => {
    const name = await engine.register({
      workflow: {
        name: 'typo',
        steps: [{ id: 'take', type: 'agent', agent_type: 'inventroy', action: 'take', input: '{}' }],
      },
    });
    const executionId = await engine.run(name, {});
    const state = await engine.waitFor(executionId, undefined, 30_000);
    expect(state.status).toBe('failed');
    expect(state.error).toMatchObject({ code: 'AGENT_TYPE_UNKNOWN', retriable: false });
    expect(state.error?.message).toMatch(/inventroy/);
    expect(state.error?.message).toContain(`${engine.prefix}.agent.inventroy.commands`);
    await completesNormally();
  }, 120_000);
});
