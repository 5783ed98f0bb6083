// The consumer runner on the real Kafka: a consumer that kafkajs gives up on (a non-retriable crash) is
// restarted and its health goes to crashed and back; a transient failure is retried without dead-lettering;
// a record that cannot be processed is dead-lettered with its code and the records around it go on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KafkaJSNonRetriableError,
  PartitionAssigners,
  type Admin,
  type Kafka,
  type KafkaMessage,
} from 'kafkajs';
import { PercolatorError } from '../../src/errors.js';
import { AvroCodec } from '../../src/kafka/avro-codec.js';
import { createKafka } from '../../src/kafka/client.js';
import { createMissingTopics } from '../../src/kafka/topic-admin.js';
import { ConsumerBoard, ConsumerRunner, type ConsumerHealth } from '../../src/kafka/consumer-runner.js';
import { EnvelopeCodec } from '../../src/kafka/schemas.js';
import { createLogger } from '../../src/observability/logger.js';
import { TopicTap } from '../support/engine.js';
import { testServices, uniquePrefix } from '../support/services.js';
import { waitUntil } from '../support/wait.js';

describe('consumer runner', () => {
  const prefix = uniquePrefix('runner');
  const logger = createLogger({ level: 'fatal', name: 'runner-test' });
  let kafka: Kafka;
  let admin: Admin;
  let codec: EnvelopeCodec;
  const runners: ConsumerRunner[] = [];
  const taps: TopicTap[] = [];

  beforeAll(async () => {
    kafka = createKafka({ brokers: testServices().kafkaBrokers, clientId: prefix });
    admin = kafka.admin();
    await admin.connect();
    codec = await EnvelopeCodec.create(AvroCodec.forUrl(testServices().schemaRegistryUrl));
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled(runners.map((runner) => runner.stop()));
    await Promise.allSettled(taps.map((tap) => tap.close()));
    await admin?.disconnect();
  });

  async function topic(name: string): Promise<string> {
    const full = `${prefix}.${name}`;
    await createMissingTopics(admin, [{ name: full, partitions: 1 }]);
    return full;
  }

  it('restarts a consumer after a crash kafkajs does not recover from; health goes to crashed and back', async () => {
    const input = await topic('crashy');
    // The group's assigner refuses twice with a non-retriable error: kafkajs crashes with restart: false.
    let refusals = 2;
    const crashingAssigner: typeof PartitionAssigners.roundRobin = (config) => {
      const inner = PartitionAssigners.roundRobin(config);
      return {
        ...inner,
        assign: async (group) => {
          if (refusals > 0) {
            refusals--;
            throw new KafkaJSNonRetriableError('assignment refused by the test');
          }
          return inner.assign(group);
        },
      };
    };
    const seen: string[] = [];
    const board = new ConsumerBoard();
    const runner = new ConsumerRunner({
      kafka,
      consumer: {
        groupId: `${prefix}.crashy`,
        partitionAssigners: [crashingAssigner],
        sessionTimeout: 6000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 100,
      },
      topics: [input],
      handler: async ({ messages }) => {
        seen.push(...messages.map((message) => message.value!.toString()));
      },
      logger,
      component: 'test',
      initialBackoffMs: 100,
    });
    runners.push(runner);
    board.watch(runner);
    const atCrash: { health: ConsumerHealth; notReady: string | undefined }[] = [];
    runner.onCrash((health) => atCrash.push({ health, notReady: board.notReady() }));
    expect(board.notReady()).toBeUndefined(); // stopped consumers do not count
    await runner.start();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: input, messages: [{ value: 'after the crashes' }] });
    await producer.disconnect();

    await waitUntil(async () => seen.includes('after the crashes'), 60_000);
    expect(atCrash).toHaveLength(2);
    expect(atCrash[0]!.health).toMatchObject({ state: 'crashed', crashesInWindow: 1 });
    expect(atCrash[0]!.health.lastCrash?.error).toMatch(/assignment refused by the test/);
    expect(atCrash[0]!.notReady).toMatch(/crashed/);
    const health = runner.health();
    expect(health).toMatchObject({
      state: 'joined',
      crashesInWindow: 2,
      assigned: [{ topic: input, partitions: [0] }],
    });
    expect(board.notReady()).toBeUndefined();
  }, 120_000);

  it('retries a transient failure without dead-lettering, and dead-letters only the bad record', async () => {
    const input = await topic('mixed');
    const deadLetterTopic = await topic('dead-letters');
    const tap = await TopicTap.open(kafka, codec, deadLetterTopic, prefix);
    taps.push(tap);
    let outages = 3;
    const processed: string[] = [];
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const runner = new ConsumerRunner({
      kafka,
      consumer: { groupId: `${prefix}.mixed`, maxWaitTimeInMs: 100 },
      topics: [input],
      handler: async ({ messages }) => {
        if (outages > 0) {
          outages--;
          throw new PercolatorError('STATE_UNAVAILABLE', 'redis is away (test)', true);
        }
        const texts = messages.map((message: KafkaMessage) => message.value!.toString());
        if (texts.includes('poison')) throw new PercolatorError('BAD_THING', 'this record is poison', false);
        processed.push(...texts);
      },
      logger,
      component: 'test',
      deadLetters: { producer, codec, topic: deadLetterTopic },
      initialBackoffMs: 50,
    });
    runners.push(runner);
    await runner.start();
    await runner.joined();
    await producer.send({
      topic: input,
      acks: -1,
      messages: ['one', 'two', 'poison', 'three'].map((value) => ({ key: value, value })),
    });
    await waitUntil(async () => processed.includes('three'), 60_000);
    const letters = await tap.waitFor((records) => (records.length >= 1 ? records : undefined));
    expect(processed).toEqual(expect.arrayContaining(['one', 'two', 'three']));
    expect(processed).not.toContain('poison');
    expect(letters).toHaveLength(1);
    const letter = letters[0]!.envelope;
    expect(letter?.name).toBe('DeadLetter');
    if (letter?.name === 'DeadLetter') {
      expect(letter.value.reason_code).toBe('BAD_THING');
      expect(letter.value.message).toMatch(/this record is poison/);
      expect(letter.value.value?.toString()).toBe('poison');
    }
    expect(runner.health().state).toBe('joined');
    await producer.disconnect();
  }, 120_000);
});
