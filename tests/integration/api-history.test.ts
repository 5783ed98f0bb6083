// The history sink: lifecycle events become execution_events rows and an executions summary, idempotently, and
// the retention pass purges finished executions older than retention_settings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import type { ExecutionEvent } from '../../src/kafka/envelopes.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { writeHistory } from '../../src/store/history-sink.js';
import { purgeExpired } from '../../src/store/retention.js';
import { TestEngine } from '../support/engine.js';

describe('history sink', () => {
  let engine: TestEngine;

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'api-hist', agents: [echoAgent] });
    await engine.startHistorySink();
  });
  afterAll(async () => {
    await engine?.stop();
  });

  const rowsOf = async (id: string) =>
    (
      await engine.pool.query(
        `SELECT seq, type, step_id, attempt, status, data, occurred_at FROM execution_events
          WHERE execution_id = $1 ORDER BY seq`,
        [id],
      )
    ).rows;
  const summaryOf = async (id: string) =>
    (await engine.pool.query(`SELECT * FROM executions WHERE id = $1`, [id])).rows[0];

  it('writes every event of an execution once and a summary; replaying the same events twice changes nothing', async () => {
    const name = await engine.register({
      workflow: {
        name: 'two',
        steps: [
          { id: 'a', type: 'agent', agent_type: 'echo', action: 'echo', input: '{"text": topic}' },
          { id: 'b', type: 'agent', agent_type: 'echo', action: 'echo' },
        ],
      },
    });
    const id = await engine.run(name, { topic: 'history' });
    await engine.waitFor(id);
    const tap = await engine.tap(topicNames(engine.prefix).executionEvents);
    const events = await tap.waitFor((records) => {
      const mine = records.flatMap((record) =>
        record.envelope?.name === 'ExecutionEvent' && record.envelope.value.execution_id === id
          ? [record.envelope.value as ExecutionEvent]
          : [],
      );
      return mine.some((event) => event.type === 'ExecutionCompleted') ? mine : undefined;
    });

    const deadline = Date.now() + 20_000;
    while ((await rowsOf(id)).length < events.length && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const before = await rowsOf(id);
    expect(before.map((row) => row.seq)).toEqual(events.map((event) => event.seq).sort((x, y) => x - y));
    const summary = await summaryOf(id);
    expect(summary).toMatchObject({
      status: 'completed',
      workflow_name: name,
      workflow_version: 1,
      output: { text: 'history' },
      input: { topic: 'history' },
      last_event_seq: Math.max(...events.map((event) => event.seq)),
    });
    expect(summary.workflow_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(summary.finished_at).toBeInstanceOf(Date);

    // Replays: all events twice, then in reverse order, then an old prefix alone.
    await writeHistory(engine.pool, [...events, ...events]);
    await writeHistory(engine.pool, [...events].reverse());
    await writeHistory(engine.pool, events.slice(0, 2));
    expect(await rowsOf(id)).toEqual(before);
    const after = await summaryOf(id);
    expect({ ...after, updated_at: null }).toEqual({ ...summary, updated_at: null });
  });

  it('purges finished executions and their events past the retention period', async () => {
    const name = await engine.register({
      workflow: { name: 'old', steps: [{ id: 'a', type: 'agent', agent_type: 'echo', action: 'echo' }] },
    });
    const id = await engine.run(name, {});
    await engine.waitFor(id);
    const deadline = Date.now() + 20_000;
    while (!(await summaryOf(id))?.finished_at && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    await engine.pool.query(`UPDATE executions SET finished_at = now() - interval '400 days' WHERE id = $1`, [
      id,
    ]);
    const result = await purgeExpired(engine.pool);
    expect(result.executions).toBeGreaterThanOrEqual(1);
    expect(await summaryOf(id)).toBeUndefined();
    expect(await rowsOf(id)).toEqual([]);
  });
});
