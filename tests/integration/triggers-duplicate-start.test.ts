// A start requested twice under one execution id — what every trigger does when it fires the same tick or sees
// the same event again — creates one execution: the orchestrator refuses the second start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { scheduledExecutionId } from '../../src/triggers/ids.js';
import { TestEngine } from '../support/engine.js';

/** Waits until the orchestrators' group has committed past a record: it was routed (or refused). */
async function consumedPast(
  engine: TestEngine,
  topic: string,
  partition: number,
  offset: string,
): Promise<void> {
  const admin = engine.kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [committed] = await admin.fetchOffsets({
        groupId: `${engine.prefix}.orchestrator`,
        topics: [topic],
      });
      const entry = committed?.partitions.find((candidate) => candidate.partition === partition);
      if (entry && BigInt(entry.offset) > BigInt(offset)) return;
      if (Date.now() > deadline)
        throw new Error(`the orchestrators did not consume ${topic}/${partition} past ${offset}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await admin.disconnect();
  }
}

describe('triggers: a duplicate start is one execution', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'trg-dup', agents: [] });
  });
  afterAll(async () => engine?.stop());

  it('two starts with the same execution id: one ExecutionStarted, the second start refused', async () => {
    const name = await engine.register({
      workflow: {
        name: 'dup',
        steps: [
          { id: 'hold', type: 'wait_for_event', event_type: 'dup.release' },
          { id: 'done', type: 'transform', output: "{ 'n': n }" },
        ],
      },
    });
    const executionId = scheduledExecutionId('dup-test', 0, Date.now());
    const start = {
      workflowName: name,
      executionId,
      trigger: { type: 'CRON' as const, id: 'dup-test/0', scheduled_time: 1 },
    };
    await engine.client.start([{ ...start, input: { n: 1 } }]);
    await engine.waitFor(executionId, (state) => state.status === 'waiting');
    const before = await engine.store.load(executionId);

    // The second start (different input, as a redelivery after a crash could carry) must change nothing.
    const tap = await engine.tap(topicNames(engine.prefix).executions);
    await engine.client.start([{ ...start, input: { n: 2 } }]);
    const starts = await tap.waitFor((records) => {
      const found = records.filter(
        (record) =>
          record.envelope?.name === 'StartExecution' && record.envelope.value.execution_id === executionId,
      );
      return found.length === 2 ? found : undefined;
    });
    expect(starts).toHaveLength(2);
    await consumedPast(engine, starts[1]!.topic, starts[1]!.partition, starts[1]!.offset);
    const after = await engine.store.load(executionId);
    expect(after?.version).toBe(before?.version);

    await engine.client.signal(executionId, 'dup.release', {});
    const state = await engine.waitFor(executionId);
    expect(state.status).toBe('completed');
    expect(state.output).toEqual({ n: 1 });
    const events = await engine.waitForEvents(executionId, (list) =>
      list.some((event) => event.type === 'ExecutionCompleted'),
    );
    expect(events.filter((event) => event.type === 'ExecutionStarted')).toHaveLength(1);
    expect(events.find((event) => event.type === 'ExecutionStarted')?.data).toMatchObject({
      input: { n: 1 },
      trigger: { type: 'cron', id: 'dup-test/0' },
    });
  });
});
