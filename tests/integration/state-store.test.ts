import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { PercolatorError } from '../../src/errors.js';
import { ExecutionStore, type Transition } from '../../src/state/execution-store.js';
import { executionKeys } from '../../src/state/keys.js';
import type { OutboxRecord } from '../../src/state/outbox-framing.js';
import { testServices, uniquePrefix } from '../support/services.js';

const redis = new Redis(testServices().redisUrl);
const prefixes: string[] = [];

function newStore(label: string, options: Partial<ConstructorParameters<typeof ExecutionStore>[0]> = {}) {
  const keyPrefix = uniquePrefix(label);
  prefixes.push(keyPrefix);
  return new ExecutionStore({ redis, keyPrefix, ...options });
}

function command(topic: string, value: string, executionId = 'exec'): OutboxRecord {
  return { topic, key: Buffer.from(executionId), value: Buffer.from(value) };
}

function step(
  executionId: string,
  expectedVersion: number,
  inputId: string,
  extra: Partial<Transition> = {},
) {
  return {
    executionId,
    expectedVersion,
    inputId,
    state: JSON.stringify({ at: inputId }),
    commands: [],
    ...extra,
  } satisfies Transition;
}

async function keysOf(prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await keysOf(prefix);
    for (let n = 0; n < keys.length; n += 500) await redis.del(...keys.slice(n, n + 500));
  }
  redis.disconnect();
});

describe('ExecutionStore', () => {
  it('creates an execution at version 0 and moves it forward one version per transition', async () => {
    const store = newStore('state-new');
    expect(await store.load('e1')).toBeNull();

    const [created] = await store.applyMany([step('e1', 0, 'start:e1')]);
    expect(created).toEqual({ outcome: 'applied', executionId: 'e1', version: 1, outboxIds: [] });

    const next = await store.apply(step('e1', 1, 'result:c1:1', { commands: [command('agents', 'a')] }));
    expect(next).toEqual({ outcome: 'applied', executionId: 'e1', version: 2, outboxIds: ['2-0'] });
    expect(await store.load('e1')).toEqual({ version: 2, state: JSON.stringify({ at: 'result:c1:1' }) });
  });

  it('refuses a transition from a stale version and leaves the state alone', async () => {
    const store = newStore('state-stale');
    await store.apply(step('e1', 0, 'start:e1'));
    await store.apply(step('e1', 1, 'result:c1:1'));

    const zombie = await store.apply(step('e1', 1, 'result:c2:1', { commands: [command('agents', 'z')] }));
    expect(zombie).toEqual({ outcome: 'conflict', executionId: 'e1', storedVersion: 2 });
    const brandNew = await store.apply(step('e2', 3, 'start:e2'));
    expect(brandNew).toEqual({ outcome: 'conflict', executionId: 'e2', storedVersion: 0 });

    expect(await store.load('e1')).toEqual({ version: 2, state: JSON.stringify({ at: 'result:c1:1' }) });
    expect(await store.readOutbox('e1')).toEqual([]);
    expect(await store.load('e2')).toBeNull();
  });

  it('refuses a duplicate input and hands back what the outbox still holds', async () => {
    const store = newStore('state-dup');
    const records = [command('agents.writer', 'dispatch-1', 'e1'), command('events', 'started', 'e1')];
    await store.apply(step('e1', 0, 'start:e1', { commands: records }));

    // Redelivered after a crash: whatever version the caller loaded, the answer is "already applied".
    for (const loaded of [0, 1]) {
      const again = await store.apply(step('e1', loaded, 'start:e1', { commands: records }));
      expect(again).toMatchObject({ outcome: 'duplicate', executionId: 'e1', storedVersion: 1 });
      expect(again.outcome === 'duplicate' && again.outbox).toEqual([
        { id: '1-0', record: records[0] },
        { id: '1-1', record: records[1] },
      ]);
    }

    await store.ackOutbox([{ executionId: 'e1', ids: ['1-0', '1-1'] }]);
    const afterAck = await store.apply(step('e1', 1, 'start:e1'));
    expect(afterAck).toEqual({ outcome: 'duplicate', executionId: 'e1', storedVersion: 1, outbox: [] });
    expect(await store.load('e1')).toMatchObject({ version: 1 });
  });

  it('remembers a bounded number of inputs', async () => {
    const store = newStore('state-ring', { rememberedInputs: 2 });
    await store.apply(step('e1', 0, 'in-1'));
    await store.apply(step('e1', 1, 'in-2'));
    await store.apply(step('e1', 2, 'in-3'));

    expect((await store.apply(step('e1', 3, 'in-2'))).outcome).toBe('duplicate');
    expect((await store.apply(step('e1', 3, 'in-3'))).outcome).toBe('duplicate');
    // The oldest fell out of the ring; the core's own staleness check is what refuses it in real life.
    expect(await store.apply(step('e1', 3, 'in-1'))).toMatchObject({ outcome: 'applied', version: 4 });
    const ring = await redis.hget(executionKeys(store.config.keyPrefix, 'e1').state, 'i');
    expect(ring).toHaveLength(2 * 16);
  });

  it('acks only the published outbox entries; later ones stay', async () => {
    const store = newStore('state-ack');
    const first = await store.apply(
      step('e1', 0, 'start:e1', { commands: [command('t', 'a'), command('t', 'b', 'other-key')] }),
    );
    await store.apply(step('e1', 1, 'result:c1:1', { commands: [command('t', 'c')] }));
    expect(first.outcome === 'applied' && first.outboxIds).toEqual(['1-0', '1-1']);

    expect(await store.ackOutbox([{ executionId: 'e1', ids: ['1-0', '1-1'] }])).toEqual([1]);
    expect(await store.readOutbox('e1')).toEqual([{ id: '2-0', record: command('t', 'c') }]);

    expect(await store.ackOutbox([{ executionId: 'e1', ids: ['2-0', '9-9'] }])).toEqual([0]);
    expect(await store.readOutbox('e1')).toEqual([]);
    expect(await redis.exists(executionKeys(store.config.keyPrefix, 'e1').outbox)).toBe(0);
  });

  it('lists executions whose outbox a crash left unpublished, and forgets the rest', async () => {
    const store = newStore('state-pending', { outboxIndexShards: 4 });
    await store.applyMany([
      step('acked', 0, 'start:acked', { commands: [command('t', 'x')] }),
      step('crashed', 0, 'start:crashed', { commands: [command('t', 'y'), command('t', 'z')] }),
      step('quiet', 0, 'start:quiet'),
    ]);
    // A refused transition still indexes its execution (the index is a superset); the sweep drops it.
    await store.apply(step('refused', 5, 'start:refused', { commands: [command('t', 'w')] }));
    await store.ackOutbox([{ executionId: 'acked', ids: ['1-0'] }]);

    expect(await store.pendingOutboxes(10)).toEqual(['crashed']);
    const outboxes = await store.readOutboxes(['crashed']);
    expect(outboxes.get('crashed')?.map((entry) => entry.id)).toEqual(['1-0', '1-1']);

    await store.ackOutbox([{ executionId: 'crashed', ids: ['1-0', '1-1'] }]);
    expect(await store.pendingOutboxes(10)).toEqual([]);
    const indexKeys = (await keysOf(store.config.keyPrefix)).filter((key) => key.includes('outbox-pending'));
    expect(indexKeys).toEqual([]);
  });

  it('sets a retention TTL when an execution finishes and clears it if it moves on again', async () => {
    const store = newStore('state-ttl', { finishedRetentionMs: 60_000 });
    const keys = executionKeys(store.config.keyPrefix, 'e1');
    await store.apply(step('e1', 0, 'start:e1'));
    expect(await redis.pttl(keys.state)).toBe(-1);

    await store.apply(
      step('e1', 1, 'result:c1:1', { finished: true, commands: [command('events', 'done')] }),
    );
    for (const key of [keys.state, keys.outbox]) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }

    await store.apply(step('e1', 2, 'retry:e1'));
    expect(await redis.pttl(keys.state)).toBe(-1);
    expect(await redis.pttl(keys.outbox)).toBe(-1);
  });

  it('applies 1,000 transitions of 1,000 executions in one batch and reads them back in one', async () => {
    const store = newStore('state-batch');
    const ids = Array.from({ length: 1000 }, (_, n) => `exec-${n}`);
    const transitions = ids.map((id) =>
      step(id, 0, `start:${id}`, {
        state: 'x'.repeat(200),
        commands: [command('agents.writer', 'dispatch', id)],
      }),
    );

    const applyStarted = performance.now();
    const results = await store.applyMany(transitions);
    const applyMs = performance.now() - applyStarted;
    const loadStarted = performance.now();
    const loaded = await store.loadMany(ids);
    const loadMs = performance.now() - loadStarted;
    const ackStarted = performance.now();
    const remaining = await store.ackOutbox(ids.map((id) => ({ executionId: id, ids: ['1-0'] })));
    const ackMs = performance.now() - ackStarted;
    console.log(
      `1,000 executions: applyMany ${applyMs.toFixed(1)} ms, loadMany ${loadMs.toFixed(1)} ms, ackOutbox ${ackMs.toFixed(1)} ms`,
    );

    expect(results.every((result) => result.outcome === 'applied' && result.version === 1)).toBe(true);
    expect(loaded.size).toBe(1000);
    expect([...loaded.values()].every((entry) => entry?.version === 1 && entry.state.length === 200)).toBe(
      true,
    );
    expect(remaining.every((count) => count === 0)).toBe(true);
  });

  it('keeps an in-flight 3-step execution small', async () => {
    const store = newStore('state-memory');
    const id = '7f9c2a1e-4b6d-4e8a-9c3f-2d1b0a9e8f7c';
    const state = (stepsDone: number) =>
      JSON.stringify({
        def: 'content-pipeline@3',
        steps: ['draft', 'review', 'publish'],
        done: stepsDone,
        pad: '',
      }).padEnd(200, ' ');
    const dispatch = (stepId: string) => ({
      topic: 'percolator.agent.social-media-content.commands',
      key: Buffer.from(id),
      value: Buffer.alloc(120, 1),
      headers: { traceparent: Buffer.from('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01') },
      stepId,
    });
    const usage = async () => {
      let bytes = 0;
      const parts: string[] = [];
      for (const key of await keysOf(store.config.keyPrefix)) {
        const used = (await redis.memory('USAGE', key)) ?? 0;
        parts.push(`${key.slice(store.config.keyPrefix.length)} ${used} B`);
        bytes += used;
      }
      console.log(`  ${parts.join(', ')}`);
      return bytes;
    };

    const inputs = [`start:${id}`, `${id}/draft/1`, `${id}/review/1`];
    const steps = ['draft', 'review', 'publish'];
    let unacked = 0;
    for (let n = 0; n < 3; n++) {
      const { stepId, ...record } = dispatch(steps[n] ?? '');
      const result = await store.apply({
        executionId: id,
        expectedVersion: n,
        inputId: inputs[n] ?? '',
        state: state(n),
        commands: [record],
      });
      expect(result.outcome, stepId).toBe('applied');
      if (n === 2) unacked = await usage();
      await store.ackOutbox([{ executionId: id, ids: [`${n + 1}-0`] }]);
    }
    const settled = await usage();
    console.log(
      `memory of an in-flight 3-step execution (200-byte state): ${settled} B with the outbox acked, ` +
        `${unacked} B with one unpublished command in the outbox`,
    );
    expect(settled).toBeLessThan(2048);
    expect(unacked).toBeLessThan(2048);
  });

  it('answers empty batches without a round trip going wrong', async () => {
    const store = newStore('state-empty');
    expect(await store.loadMany([])).toEqual(new Map());
    expect(await store.applyMany([])).toEqual([]);
    expect(await store.ackOutbox([])).toEqual([]);
    expect(await store.readOutboxes([])).toEqual(new Map());
    expect(await store.pendingOutboxes(10)).toEqual([]);
  });

  it('reports an unreachable Redis as a retriable PercolatorError', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: true,
    });
    down.on('error', () => undefined);
    const store = new ExecutionStore({ redis: down, keyPrefix: uniquePrefix('state-down') });
    const failure = await store.loadMany(['e1']).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PercolatorError);
    expect(failure).toMatchObject({ code: 'STATE_UNAVAILABLE', retriable: true });
    down.disconnect();
  });
});
