// Event triggers on the real stack: CloudEvents (binary and structured, JSON and Avro data) on the inbound
// topic start executions once per distinct event whatever the redeliveries; records that are not events are
// dead-lettered and the consumer goes on; filters exclude what they should; a wait_for_event step is resumed by
// an event on the inbound topic; the seed's campaign.content_requested trigger works as written.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Message } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { defineAgent } from '../../src/agents/sdk/index.js';
import type { ExecutionState } from '../../src/core/model.js';
import { AvroCodec } from '../../src/kafka/avro-codec.js';
import type { DeadLetter, StartExecution } from '../../src/kafka/envelopes.js';
import { createMissingTopics } from '../../src/kafka/topic-admin.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { ActiveWorkflows } from '../../src/triggers/active-workflows.js';
import { EventTriggers } from '../../src/triggers/events/event-triggers.js';
import { eventExecutionId } from '../../src/triggers/ids.js';
import { waitUntil } from '../support/wait.js';
import { TestEngine, type TopicTap } from '../support/engine.js';
import { testServices } from '../support/services.js';

const ORDER_SCHEMA = {
  type: 'record',
  name: 'OrderPlaced',
  namespace: 'com.example.shop',
  fields: [
    { name: 'order_id', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'region', type: 'string' },
  ],
};

/** A stand-in for the seed's content agent: it writes a post and scores it 80. */
const contentAgent = defineAgent({
  type: 'social-media-content',
  version: '1.0.0',
  actions: {
    create_content: {
      handler: (input: unknown) => {
        const request = (input ?? {}) as Record<string, unknown>;
        return { content: `post on ${String(request.content_topic)}`, quality_score: 80 };
      },
    },
    enhance_content: { handler: (input: unknown) => input },
  },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('triggers: events from Kafka', () => {
  let engine: TestEngine;
  let triggers: EventTriggers;
  let executions: TopicTap;
  let deadLetters: TopicTap;
  let inbound: string;

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'trg-evt', agents: [contentAgent] });
    inbound = topicNames(engine.prefix).eventsInbound;
    executions = await engine.tap(topicNames(engine.prefix).executions);
    deadLetters = await engine.tap(topicNames(engine.prefix).deadLetters);
  });
  afterAll(async () => {
    await triggers?.stop();
    await engine?.pool.query(`UPDATE workflows SET status = 'archived' WHERE starts_with(name, $1)`, [
      engine.prefix,
    ]);
    await engine?.stop();
  });

  async function startTriggers(): Promise<void> {
    triggers = new EventTriggers({
      kafka: engine.kafka,
      redis: engine.redis,
      codec: engine.codec,
      avro: AvroCodec.forUrl(testServices().schemaRegistryUrl),
      workflows: new ActiveWorkflows({ pool: engine.pool, logger: engine.logger, namePrefix: engine.prefix }),
      client: engine.client,
      logger: engine.logger,
      topicPrefix: engine.prefix,
      fromBeginning: true,
    });
    await triggers.start();
    await triggers.waitUntilAssigned();
  }

  function eventStarts(workflowName: string): StartExecution[] {
    return executions.records.flatMap((record) =>
      record.envelope?.name === 'StartExecution' &&
      record.envelope.value.workflow_name === workflowName &&
      record.envelope.value.trigger.type === 'EVENT'
        ? [record.envelope.value]
        : [],
    );
  }

  async function send(messages: Message[]): Promise<void> {
    for (let index = 0; index < messages.length; index += 200) {
      await engine.rawProducer.send({
        topic: inbound,
        acks: -1,
        messages: messages.slice(index, index + 200),
      });
    }
  }

  it('1,000 events with 10% duplicates and 5% garbage: exactly the 1,000 distinct ones start, garbage is dead-lettered', async () => {
    const name = await engine.register({
      workflow: {
        name: 'orders',
        triggers: [
          {
            type: 'event',
            event_type: 'order.placed',
            filter: "region != 'blocked' and $event.source != '/spam'",
            input: "{ 'order': order_id, 'amount': amount, 'via': $event.source }",
          },
        ],
        steps: [{ id: 'book', type: 'transform', output: "{ 'booked': order }" }],
      },
    });
    const workflowId = (await engine.repository.getActive(name))!.workflowId;
    await startTriggers();

    const avro = AvroCodec.forUrl(testServices().schemaRegistryUrl);
    const schemaId = await avro.register(`${engine.prefix}.order-placed-value`, ORDER_SCHEMA);

    const valid: { message: Message; identity: string }[] = [];
    for (let i = 0; i < 1000; i++) {
      const data = { order_id: `o-${i}`, amount: i, region: 'eu' };
      const key = `order-${i}`;
      const id = `evt-${i}`;
      let message: Message;
      let identity = `id:/shop:${id}`;
      if (i % 20 === 3) {
        // No id: the record key is the event's identity.
        message = {
          key,
          value: JSON.stringify(data),
          headers: { ce_specversion: '1.0', ce_type: 'order.placed', ce_source: '/shop' },
        };
        identity = `key:${key}`;
      } else if (i % 4 === 0) {
        message = {
          key,
          value: JSON.stringify({ specversion: '1.0', type: 'order.placed', id, source: '/shop', data }),
          headers: { 'content-type': 'application/cloudevents+json' },
        };
      } else if (i % 4 === 1) {
        message = {
          key,
          value: JSON.stringify({ specversion: '1.0', type: 'order.placed', id, source: '/shop', data }),
        };
      } else if (i % 4 === 2) {
        message = {
          key,
          value: JSON.stringify(data),
          headers: {
            ce_specversion: '1.0',
            ce_type: 'order.placed',
            ce_id: id,
            ce_source: '/shop',
            'content-type': 'application/json',
          },
        };
      } else {
        message = {
          key,
          value: avro.encode(schemaId, data),
          headers: {
            ce_specversion: '1.0',
            ce_type: 'order.placed',
            ce_id: id,
            ce_source: '/shop',
            'content-type': 'application/avro',
          },
        };
      }
      valid.push({ message, identity });
    }
    const duplicates = valid.filter((_, i) => i % 10 === 7).map(({ message }) => message);
    const filtered: Message[] = Array.from({ length: 50 }, (_, i) => ({
      key: `filtered-${i}`,
      value: JSON.stringify({ order_id: `f-${i}`, amount: 1, region: i % 2 === 0 ? 'blocked' : 'eu' }),
      headers: {
        ce_type: 'order.placed',
        ce_id: `filtered-${i}`,
        ce_source: i % 2 === 0 ? '/shop' : '/spam',
      },
    }));
    const otherType: Message[] = Array.from({ length: 20 }, (_, i) => ({
      key: `other-${i}`,
      value: '{}',
      headers: { ce_type: 'order.cancelled', ce_id: `other-${i}`, ce_source: '/shop' },
    }));
    const garbageValues: (Buffer | string | null)[] = [
      randomBytes(64),
      '{"hello":"no type here"}',
      null,
      'plain text, no headers',
      Buffer.from([0, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3]), // wire header with a schema id nobody registered
    ];
    const garbage: Message[] = Array.from({ length: 50 }, (_, i) => {
      const value = garbageValues[i % garbageValues.length]!;
      // A few carry a type but data that is neither JSON nor Avro the registry knows.
      if (i % 10 === 9) {
        return {
          key: `garbage-${i}`,
          value: '{broken json',
          headers: { ce_type: 'order.placed', ce_id: `g-${i}` },
        };
      }
      if (i % 10 === 8) {
        return {
          key: `garbage-${i}`,
          value: Buffer.from([0, 0x7f, 0xff, 0xff, 0xfe, 1, 2, 3]),
          headers: { ce_type: 'order.placed', ce_id: `g-${i}`, 'content-type': 'application/avro' },
        };
      }
      return { key: `garbage-${i}`, value };
    });

    // Interleave: originals first in blocks, duplicates, filtered, other types and garbage mixed in.
    const all: Message[] = [];
    const extras = [...duplicates, ...filtered, ...otherType, ...garbage];
    valid.forEach(({ message }, i) => {
      all.push(message);
      if (i % 6 === 5 && extras.length > 0) all.push(extras.shift()!);
    });
    all.push(...extras);
    await send(all);

    const expectedIds = new Set(valid.map(({ identity }) => eventExecutionId(workflowId, 0, identity)));
    const deadline = Date.now() + 60_000;
    while (triggers.stats.records < all.length && Date.now() < deadline) await sleep(100);
    expect(triggers.stats.records).toBe(all.length);
    await executions.waitFor((records) =>
      new Set(eventStarts(name).map((start) => start.execution_id)).size >= 1000 ? records : undefined,
    );

    const started = new Set(eventStarts(name).map((start) => start.execution_id));
    expect(started.size).toBe(1000);
    expect([...started].filter((id) => !expectedIds.has(id))).toEqual([]);
    expect(triggers.stats).toMatchObject({ invalid: 50, filteredOut: 50, expressionErrors: 0 });
    expect(triggers.stats.events).toBe(all.length - 50);

    // In Redis: 1,000 executions, each started once, all complete.
    const ids = [...expectedIds];
    let states: ExecutionState[] = [];
    for (const until = Date.now() + 60_000; Date.now() < until; await sleep(250)) {
      const loaded = await engine.store.loadMany(ids);
      states = [...loaded.values()].flatMap((stored) =>
        stored ? [JSON.parse(stored.state) as ExecutionState] : [],
      );
      if (states.length === 1000 && states.every((state) => state.status === 'completed')) break;
    }
    expect(states).toHaveLength(1000);
    expect(states.filter((state) => state.status === 'completed')).toHaveLength(1000);
    const sample = states.find((state) => (state.input as { order?: string }).order === 'o-7');
    expect(sample?.input).toEqual({ order: 'o-7', amount: 7, via: '/shop' });
    expect(sample?.output).toEqual({ booked: 'o-7' });

    // The garbage, and only the garbage, is dead-lettered with its source position.
    const letters = await deadLetters.waitFor((records) => {
      const found = records.flatMap((record) =>
        record.envelope?.name === 'DeadLetter' && record.envelope.value.consumer_group === triggers.groupId
          ? [record.envelope.value as DeadLetter]
          : [],
      );
      return found.length >= 50 ? found : undefined;
    });
    expect(letters).toHaveLength(50);
    expect(new Set(letters.map((letter) => letter.key?.toString()))).toEqual(
      new Set(garbage.map((message) => message.key)),
    );
    for (const letter of letters) {
      expect(letter.source_topic).toBe(inbound);
      expect(letter.source_partition).toBeGreaterThanOrEqual(0);
      expect(letter.source_offset).toBeGreaterThanOrEqual(0);
      expect(letter.reason_code).toMatch(/^EVENT_/);
    }
    expect(new Set(letters.map((letter) => letter.reason_code))).toEqual(
      new Set(['EVENT_NO_TYPE', 'EVENT_INVALID_JSON', 'EVENT_INVALID_AVRO']),
    );
  });

  it('a wait_for_event step is resumed by a CloudEvent on the inbound topic, once, by correlation', async () => {
    const name = await engine.register({
      workflow: {
        name: 'payment',
        steps: [
          { id: 'paid', type: 'wait_for_event', event_type: 'payment.received', correlation: 'order_id' },
          { id: 'ship', type: 'transform', output: "{ 'shipped': order_id, 'amount': paid.amount }" },
        ],
      },
    });
    const [first, second] = await engine.client.start([
      { workflowName: name, input: { order_id: 'o-1' } },
      { workflowName: name, input: { order_id: 'o-2' } },
    ]);
    await engine.waitFor(first!, (state) => state.status === 'waiting');
    await engine.waitFor(second!, (state) => state.status === 'waiting');
    const signalsBefore = triggers.stats.signals;

    const payment = (correlation: Record<string, string>, amount: number): Message => ({
      key: 'payments',
      value: JSON.stringify({ amount }),
      headers: { ce_type: 'payment.received', ce_id: `pay-${amount}`, ce_source: '/billing', ...correlation },
    });
    // o-2 by its subject; o-1 by the correlationkey extension, twice (a redelivery).
    await send([
      payment({ ce_subject: 'o-2' }, 20),
      payment({ ce_correlationkey: 'o-1' }, 10),
      payment({ ce_correlationkey: 'o-1' }, 10),
    ]);

    const one = await engine.waitFor(first!);
    const two = await engine.waitFor(second!);
    expect(one.status).toBe('completed');
    expect(one.output).toEqual({ shipped: 'o-1', amount: 10 });
    expect(two.output).toEqual({ shipped: 'o-2', amount: 20 });
    expect(triggers.stats.signals - signalsBefore).toBe(3);
    const events = await engine.waitForEvents(first!, (list) =>
      list.some((event) => event.type === 'ExecutionCompleted'),
    );
    expect(events.filter((event) => event.type === 'StepSucceeded' && event.stepId === 'paid')).toHaveLength(
      1,
    );
  });

  it("the seed's campaign.content_requested event starts the content-creation workflow as written", async () => {
    const seed = parseYaml(readFileSync('tests/fixtures/workflows/seed-content-creation.yaml', 'utf8')) as {
      workflow: Record<string, unknown>;
    };
    const name = await engine.register(seed);
    await triggers.reload();
    await send([
      {
        key: 'acme',
        value: JSON.stringify({ brand_id: 'acme', content_topic: 'rockets' }),
        headers: {
          ce_specversion: '1.0',
          ce_type: 'campaign.content_requested',
          ce_id: 'campaign-1',
          ce_source: '/marketing',
        },
      },
    ]);
    const [start] = await executions.waitFor((records) => {
      const found = eventStarts(name);
      return found.length > 0 && records ? found : undefined;
    });
    const state = await engine.waitFor(start!.execution_id);
    expect(state.status).toBe('completed');
    expect(state.input).toEqual({ brand_id: 'acme', content_topic: 'rockets' });
    expect(state.output).toEqual({ content: 'post on rockets', quality_score: 80 });
  });
  it('a trigger naming another topic: the group reads the union of topics after a reload', async () => {
    const topic = `${engine.prefix}.partner-events`;
    const admin = engine.kafka.admin();
    await admin.connect();
    // As the engine creates its topics: kafkajs' own leader wait gives up on a controller still catching up.
    await createMissingTopics(admin, [{ name: topic, partitions: 2 }]);
    await admin.disconnect();
    const name = await engine.register({
      workflow: {
        name: 'partner',
        triggers: [{ type: 'event', event_type: 'partner.signed', topic }],
        steps: [{ id: 'welcome', type: 'transform', output: "{ 'welcomed': partner }" }],
      },
    });
    // The broker may list a topic it has just created a moment later; the engine reloads on an interval,
    // so a reload that does not see it yet is followed by one that does.
    await waitUntil(async () => {
      await triggers.reload();
      return triggers.topics.includes(topic);
    }, 30_000);
    expect([...triggers.topics].sort()).toEqual([inbound, topic].sort());
    await triggers.waitUntilAssigned();
    await engine.rawProducer.send({
      topic,
      acks: -1,
      messages: [
        { key: 'p-1', value: '{"partner":"p-1"}', headers: { ce_type: 'partner.signed', ce_id: 'p-1' } },
      ],
    });
    // The same type on the inbound topic is not this trigger's.
    await send([
      { key: 'p-2', value: '{"partner":"p-2"}', headers: { ce_type: 'partner.signed', ce_id: 'p-2' } },
    ]);
    const [start] = await executions.waitFor(() => {
      const found = eventStarts(name);
      return found.length > 0 ? found : undefined;
    });
    const state = await engine.waitFor(start!.execution_id);
    expect(state.output).toEqual({ welcomed: 'p-1' });
    await sleep(1000);
    expect(eventStarts(name)).toHaveLength(1);
  });
});
