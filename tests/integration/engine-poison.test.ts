// Poison records on the orchestrator's input topics: each goes to the dead-letter topic with its reason and
// where it came from, and the consumer goes on with the records behind it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import type { DeadLetter } from '../../src/kafka/envelopes.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { TestEngine, type TappedRecord } from '../support/engine.js';

describe('engine semantics: poison records', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'poison', agents: [echoAgent] });
  });
  afterAll(async () => engine?.stop());

  it('dead-letters garbage, unknown schema ids, results for unknown executions and misplaced records, then carries on', async () => {
    const topics = topicNames(engine.prefix);
    const deadLetters = await engine.tap(topics.deadLetters);
    const ghost = randomUUID();
    const poison: { name: string; topic: string; key: string; value: Buffer; code: RegExp }[] = [
      {
        name: 'garbage bytes',
        topic: topics.executions,
        key: randomUUID(),
        value: Buffer.from('this is not avro at all'),
        code: /^NOT_AVRO$/,
      },
      {
        name: 'an unknown schema id',
        topic: topics.agentResults,
        key: randomUUID(),
        value: Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1]),
        code: /^UNKNOWN_SCHEMA$/,
      },
      {
        name: 'a valid result for an unknown execution',
        topic: topics.agentResults,
        key: ghost,
        value: engine.codec.encode('AgentResult', {
          command_id: `${ghost}:step:1`,
          execution_id: ghost,
          step_id: 'step',
          attempt: 1,
          status: 'SUCCEEDED',
          output_json: '{}',
          agent_id: 'nobody',
          agent_type: 'echo',
          duration_ms: 1,
          completed_at: Date.now(),
        }),
        code: /^UNKNOWN_EXECUTION$/,
      },
      {
        name: 'a start of a workflow that does not exist',
        topic: topics.executions,
        key: ghost,
        value: engine.codec.encode('StartExecution', {
          execution_id: ghost,
          workflow_id: '',
          workflow_name: `${engine.prefix}.no-such-workflow`,
          input_json: '{}',
          trigger: { type: 'API' },
          requested_at: Date.now(),
        }),
        code: /^UNKNOWN_WORKFLOW$/,
      },
      {
        name: 'a signal that names no execution',
        topic: topics.signals,
        key: ghost,
        value: engine.codec.encode('Signal', {
          event_id: randomUUID(),
          event_type: 'anything',
          data_json: '{}',
          sent_at: Date.now(),
        }),
        code: /^NO_EXECUTION_ID$/,
      },
      {
        name: 'a record type that does not belong on an input topic',
        topic: topics.executions,
        key: ghost,
        value: engine.codec.encode('ExecutionEvent', {
          event_id: `${ghost}:1`,
          execution_id: ghost,
          workflow_name: 'x',
          workflow_version: 1,
          seq: 1,
          type: 'ExecutionStarted',
          status: 'RUNNING',
          data_json: '{}',
          timestamp: Date.now(),
        }),
        code: /^UNEXPECTED_RECORD$/,
      },
    ];

    const sources: { topic: string; partition: number; offset: string }[] = [];
    for (const record of poison) {
      const [position] = await engine.produceAndAwaitConsumed(record.topic, [
        { key: record.key, value: record.value },
      ]);
      sources.push({ topic: record.topic, ...position! });
    }

    const letterFor = (records: readonly TappedRecord[], source: (typeof sources)[number]) =>
      records
        .map((record) => (record.envelope?.name === 'DeadLetter' ? record.envelope.value : undefined))
        .find(
          (letter): letter is DeadLetter =>
            letter !== undefined &&
            letter.source_topic === source.topic &&
            letter.source_partition === source.partition &&
            String(letter.source_offset) === source.offset,
        );
    const letters = await deadLetters.waitFor((records) => {
      const found = sources.map((source) => letterFor(records, source));
      return found.every((letter) => letter !== undefined) ? (found as DeadLetter[]) : undefined;
    });
    letters.forEach((letter, index) => {
      const sent = poison[index]!;
      expect(letter.reason_code, sent.name).toMatch(sent.code);
      expect(letter.message, sent.name).not.toBe('');
      expect(letter.consumer_group).toBe(`${engine.prefix}.orchestrator`);
      expect(letter.key?.toString('utf8')).toBe(sent.key);
      expect(Buffer.compare(letter.value!, sent.value), sent.name).toBe(0);
    });
    const deadLetterKeys = deadLetters.records.map((record) => record.key);
    expect(deadLetterKeys).toEqual(expect.arrayContaining(poison.map((record) => record.key)));
    console.log(
      `dead letters:\n  ${letters.map((letter, index) => `${poison[index]!.name}: ${letter.reason_code} (${letter.message})`).join('\n  ')}`,
    );

    // The consumer went on: produceAndAwaitConsumed saw the group commit past every poison record, and a
    // workflow started afterwards, using three of the input topics, completes.
    expect(await engine.state(ghost)).toBeNull();
    const name = await engine.register({
      workflow: {
        name: 'after-poison',
        steps: [
          { id: 'wait', type: 'wait_for_event', event_type: 'go' },
          { id: 'say', type: 'agent', agent_type: 'echo', action: 'echo', input: "{ 'said': word }" },
        ],
      },
    });
    const executionId = await engine.run(name, {});
    await engine.waitFor(executionId, (state) => state.status === 'waiting');
    await engine.client.signal(executionId, 'go', { word: 'still alive' });
    const state = await engine.waitFor(executionId);
    expect(state.status).toBe('completed');
    expect(state.output).toEqual({ said: 'still alive' });
  });
});
