import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { AvroCodec, AvroCodecError } from '../../src/kafka/avro-codec.js';
import { createKafka } from '../../src/kafka/client.js';
import { createMissingTopics } from '../../src/kafka/topic-admin.js';
import { testServices, uniquePrefix } from '../support/services.js';

const greetingSchema = {
  type: 'record' as const,
  name: 'Greeting',
  namespace: 'io.percolator.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'message', type: 'string' },
    { name: 'count', type: 'int' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
  ],
};

describe('Avro records through Kafka and the schema registry', () => {
  const services = testServices();
  const prefix = uniquePrefix('avro');
  const topic = `${prefix}.greetings`;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer;
  const codec = AvroCodec.forUrl(services.schemaRegistryUrl);

  beforeAll(async () => {
    kafka = createKafka({ brokers: services.kafkaBrokers, clientId: prefix });
    admin = kafka.admin();
    producer = kafka.producer({ idempotent: true });
    consumer = kafka.consumer({ groupId: `${prefix}.group` });
    await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
    await createMissingTopics(admin, [{ name: topic, partitions: 1 }]);
  });

  afterAll(async () => {
    await Promise.allSettled([consumer?.disconnect(), producer?.disconnect()]);
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('registers a schema, produces an Avro record and reads back the same fields', async () => {
    const schemaId = await codec.register(`${topic}-value`, greetingSchema);
    expect(schemaId).toBeGreaterThan(0);

    const sent = { id: randomUUID(), message: 'hello from percolator', count: 42, tags: ['a', 'b'] };
    await producer.send({ topic, messages: [{ key: sent.id, value: codec.encode(schemaId, sent) }] });

    await consumer.subscribe({ topic, fromBeginning: true });
    const received = new Promise<{ key: string; raw: Buffer }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => resolve({ key: message.key!.toString(), raw: message.value! }),
      });
    });
    const { key, raw } = await received;

    expect(key).toBe(sent.id);
    expect(raw[0]).toBe(0);
    expect(raw.readUInt32BE(1)).toBe(schemaId);
    // A fresh codec has no cached types: decoding must fetch the writer schema from the registry by id.
    const decoded = await AvroCodec.forUrl(services.schemaRegistryUrl).decode<typeof sent>(raw);
    expect(decoded.schemaId).toBe(schemaId);
    expect(decoded.value).toEqual(sent);
  });

  it('registering the same schema twice returns the same id', async () => {
    const subject = `${prefix}.idempotent-value`;
    const first = await codec.register(subject, greetingSchema);
    const second = await AvroCodec.forUrl(services.schemaRegistryUrl).register(subject, greetingSchema);
    expect(second).toBe(first);
  });

  it('the registry refuses a change that breaks BACKWARD compatibility', async () => {
    const subject = `${prefix}.evolution-value`;
    await codec.register(subject, greetingSchema);
    const withRequiredField = {
      ...greetingSchema,
      fields: [...greetingSchema.fields, { name: 'required_without_default', type: 'string' }],
    };
    await expect(codec.register(subject, withRequiredField)).rejects.toThrow(/registering .* failed/);
    const withDefault = {
      ...greetingSchema,
      fields: [...greetingSchema.fields, { name: 'optional', type: 'string', default: '' }],
    };
    await expect(codec.register(subject, withDefault)).resolves.toBeGreaterThan(0);
  });

  it('names what is wrong with bytes that are not Avro or name an unknown schema', async () => {
    await expect(codec.decode(Buffer.from('garbage'))).rejects.toThrow(/not the magic byte 0/);
    await expect(codec.decode(Buffer.from([0, 1]))).rejects.toThrow(/shorter than the 5-byte header/);
    const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2]);
    await expect(codec.decode(unknownId)).rejects.toBeInstanceOf(AvroCodecError);
  });
});
