// A fuzz test of the orchestrator's inputs on the real stack: fast-check generates Avro-valid but hostile
// AgentResult, StartExecution, Signal and TimerFired records (odd ids, huge or deep JSON, NUL characters,
// unknown executions and workflows) plus random bytes. Whatever comes, the consumer never stops, every
// record it cannot process is dead-lettered, and a normal execution afterwards completes.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { TestEngine, type TopicTap } from '../support/engine.js';

const RECORDS = 300;

describe('engine: fuzzed orchestrator inputs', () => {
  let engine: TestEngine;
  let deadLetters: TopicTap;
  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'fuzz', agents: [echoAgent], logLevel: 'fatal' });
    deadLetters = await engine.tap(topicNames(engine.prefix).deadLetters);
  }, 120_000);
  afterAll(async () => engine?.stop());

  it('never stops the consumer; what cannot be processed is dead-lettered; a normal execution then completes', async () => {
    const topics = topicNames(engine.prefix);
    const id = fc.oneof(
      fc.constant(''),
      fc.uuid(),
      fc.string({ maxLength: 20 }),
      fc.constantFrom('{tag}', 'a\nb', 'nul\u0000id', 'x'.repeat(5000), '}{'),
    );
    const deep = fc.integer({ min: 1, max: 4000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));
    const json = fc.oneof(
      fc.constant(''),
      fc.constant('not json'),
      fc.constant('"\\u0000"'),
      deep,
      fc.json({ maxDepth: 4 }),
    );
    const small = fc.integer({ min: -5, max: 5 });
    const record = fc.oneof(
      fc.record({
        topic: fc.constant(topics.agentResults),
        value: fc
          .record({
            command_id: id,
            execution_id: id,
            step_id: id,
            attempt: small,
            status: fc.constantFrom('SUCCEEDED', 'FAILED'),
            output_json: json,
            agent_id: fc.string({ maxLength: 10 }),
            agent_type: fc.string({ maxLength: 10 }),
            duration_ms: fc.integer({ min: 0, max: 1000 }),
            completed_at: fc.constant(Date.now()),
          })
          .map((value) => engine.codec.encode('AgentResult', value)),
      }),
      fc.record({
        topic: fc.constant(topics.executions),
        value: fc
          .record({
            execution_id: id,
            workflow_id: fc.oneof(fc.constant(''), fc.uuid(), fc.string({ maxLength: 40 })),
            workflow_name: fc.oneof(fc.constant(''), fc.string({ maxLength: 30 })),
            workflow_version: fc.option(small, { nil: null }),
            input_json: json,
            trigger: fc.record({ type: fc.constantFrom('API', 'CRON', 'EVENT', 'SUB_WORKFLOW' as const) }),
            requested_at: fc.constant(Date.now()),
          })
          .map((value) => engine.codec.encode('StartExecution', value)),
      }),
      fc.record({
        topic: fc.constant(topics.signals),
        value: fc
          .record({
            event_id: id,
            execution_id: fc.option(id, { nil: null }),
            event_type: fc.string({ maxLength: 10 }),
            data_json: json,
            sent_at: fc.constant(Date.now()),
          })
          .map((value) => engine.codec.encode('Signal', value)),
      }),
      fc.record({
        topic: fc.constant(topics.timers),
        value: fc
          .record({
            timer_id: id,
            execution_id: id,
            kind: fc.constantFrom(
              'STEP_TIMEOUT',
              'EXECUTION_TIMEOUT',
              'RETRY_BACKOFF',
              'DELAY',
              'WAIT_TIMEOUT',
            ),
            step_id: fc.option(id, { nil: null }),
            attempt: fc.option(small, { nil: null }),
            due_at: fc.constant(Date.now()),
            fired_at: fc.constant(Date.now()),
          })
          .map((value) => engine.codec.encode('TimerFired', value)),
      }),
      fc.record({
        topic: fc.constantFrom(topics.executions, topics.agentResults, topics.signals, topics.timers),
        value: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      }),
    );
    const records = fc.sample(record, { numRuns: RECORDS, seed: 17 });
    const keyed = records.map((entry, index) => ({ ...entry, key: `fuzz-${index}-${randomUUID()}` }));

    const byTopic = new Map<string, { key: string; value: Buffer }[]>();
    for (const { topic, key, value } of keyed)
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), { key, value }]);
    for (const [topic, messages] of byTopic) {
      // produceAndAwaitConsumed waits until the group committed past every record: the consumer went on.
      await engine.produceAndAwaitConsumed(topic, messages, 120_000);
    }
    for (const orchestrator of engine.orchestrators) {
      expect(orchestrator.consumerRunners()[0]!.health().state).toBe('joined');
    }

    // Every fuzzed record either took effect or was dead-lettered; none is stuck. Random bytes and records
    // that break the rules must be among the dead letters.
    const mustDie = keyed.filter(({ value }) => value.length === 0 || value[0] !== 0);
    const dead = await deadLetters.waitFor((entries) => {
      const keys = new Set(entries.map((entry) => entry.key));
      return mustDie.every(({ key }) => keys.has(key)) ? keys : undefined;
    }, 60_000);
    expect(keyed.filter(({ key }) => dead.has(key)).length).toBeGreaterThan(RECORDS / 3);

    const name = await engine.register({
      workflow: {
        name: 'after-fuzz',
        steps: [{ id: 'say', type: 'agent', agent_type: 'echo', action: 'echo', input: "{ 'said': word }" }],
      },
    });
    const executionId = await engine.run(name, { word: 'still alive' });
    const state = await engine.waitFor(executionId, undefined, 60_000);
    expect(state.status).toBe('completed');
    expect(state.output).toEqual({ said: 'still alive' });
  }, 300_000);
});
