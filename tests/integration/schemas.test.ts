import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { AvroCodec } from '../../src/kafka/avro-codec.js';
import { createKafka } from '../../src/kafka/client.js';
import {
  ENVELOPE_NAMES,
  type DecodedEnvelope,
  type EnvelopeName,
  type Envelopes,
} from '../../src/kafka/envelopes.js';
import {
  EnvelopeCodec,
  loadEnvelopeSchemas,
  registerEnvelopes,
  subjectFor,
} from '../../src/kafka/schemas.js';
import { createMissingTopics } from '../../src/kafka/topic-admin.js';
import { fullSamples, minimalSamples } from '../unit/kafka/envelope-samples.js';
import { testServices, uniquePrefix } from '../support/services.js';

type Json = Record<string, unknown>;

describe('envelope schemas in the registry and through Kafka', () => {
  const services = testServices();
  const prefix = uniquePrefix('schemas');
  // Subjects under a test prefix: the real io.percolator.v1.* subjects are only ever evolved on purpose.
  const subjectPrefix = `${prefix}.`;
  const topic = `${prefix}.envelopes`;
  const schemas = loadEnvelopeSchemas();
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer;

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

  it('registers every envelope idempotently, one subject per record name', async () => {
    const first = await registerEnvelopes(AvroCodec.forUrl(services.schemaRegistryUrl), { subjectPrefix });
    const second = await registerEnvelopes(AvroCodec.forUrl(services.schemaRegistryUrl), { subjectPrefix });
    expect(second).toEqual(first);
    expect(Object.keys(first).sort()).toEqual([...ENVELOPE_NAMES].sort());
    expect(new Set(Object.values(first)).size).toBe(ENVELOPE_NAMES.length);

    const response = await fetch(`${services.schemaRegistryUrl}/subjects`);
    const subjects = (await response.json()) as string[];
    for (const name of ENVELOPE_NAMES) expect(subjects).toContain(subjectFor(name, subjectPrefix));
  });

  it('every envelope encodes, goes through Kafka, and decodes equal with a codec that never saw it', async () => {
    const writer = await EnvelopeCodec.create(AvroCodec.forUrl(services.schemaRegistryUrl), {
      subjectPrefix,
    });
    const sent: { name: EnvelopeName; value: Envelopes[EnvelopeName] }[] = ENVELOPE_NAMES.flatMap((name) => [
      { name, value: fullSamples[name] },
      { name, value: minimalSamples[name] },
    ]);
    await producer.send({
      topic,
      messages: sent.map(({ name, value }, index) => ({
        key: `k${index}`,
        value: writer.encode(name, value),
      })),
    });

    const raw = await readAll(consumer, topic, sent.length);
    // Decoding through a bare AvroCodec fetches each writer schema from the registry by id.
    const reader = await EnvelopeCodec.create(AvroCodec.forUrl(services.schemaRegistryUrl), {
      subjectPrefix,
    });
    const decoded: DecodedEnvelope[] = [];
    for (const value of raw) decoded.push(await reader.decode(value));
    for (const [index, { name, value }] of sent.entries()) {
      expect(decoded[index]?.name).toBe(name);
      expect(decoded[index]?.schemaId).toBe(writer.ids[name]);
      expect(decoded[index]?.value).toMatchObject(value as unknown as Json);
    }
    expect(decoded.filter((_, index) => index % 2 === 0).map((record) => record.value)).toEqual(
      ENVELOPE_NAMES.map((name) => fullSamples[name]),
    );
  });

  it('the registry refuses an incompatible change to an envelope and accepts a field added with a default', async () => {
    const codec = AvroCodec.forUrl(services.schemaRegistryUrl);
    const subject = `${subjectPrefix}evolution.${subjectFor('AgentResult')}`;
    const current = schemas.AgentResult.schema as Json & { fields: Json[] };
    await codec.register(subject, current);

    const attemptAsString = {
      ...current,
      fields: current.fields.map((field) =>
        field.name === 'attempt' ? { ...field, type: 'string' } : field,
      ),
    };
    await expect(codec.register(subject, attemptAsString)).rejects.toThrow(/registering .* failed/);
    const requiredField = {
      ...current,
      fields: [...current.fields, { name: 'cost_usd', type: 'double', doc: 'no default' }],
    };
    await expect(codec.register(subject, requiredField)).rejects.toThrow(/registering .* failed/);

    const withDefault = {
      ...current,
      fields: [
        ...current.fields,
        { name: 'cost_usd', type: ['null', 'double'], default: null, doc: 'optional' },
      ],
    };
    const evolvedId = await codec.register(subject, withDefault);
    // A record written with the newer schema still decodes as today's AgentResult; the new field is dropped.
    const newer = { ...fullSamples.AgentResult, cost_usd: 0.25 };
    const reader = await EnvelopeCodec.create(AvroCodec.forUrl(services.schemaRegistryUrl), {
      subjectPrefix,
    });
    const decoded = await reader.decode(codec.encode(evolvedId, newer));
    expect(decoded).toMatchObject({
      name: 'AgentResult',
      schemaId: evolvedId,
      value: fullSamples.AgentResult,
    });
  });

  it('fills in the defaults when a record was written by an older version of an envelope', async () => {
    const codec = AvroCodec.forUrl(services.schemaRegistryUrl);
    const current = schemas.StartExecution.schema as Json & { fields: Json[] };
    const older = {
      ...current,
      fields: current.fields.filter(
        (field) => !['trace_context', 'idempotency_key'].includes(String(field.name)),
      ),
    };
    const olderId = await codec.register(`${subjectPrefix}older.${subjectFor('StartExecution')}`, older);
    const { trace_context: _trace, idempotency_key: _key, ...olderValue } = fullSamples.StartExecution;
    const reader = await EnvelopeCodec.create(AvroCodec.forUrl(services.schemaRegistryUrl), {
      subjectPrefix,
    });
    const decoded = await reader.decode(codec.encode(olderId, olderValue));
    expect(decoded.name).toBe('StartExecution');
    expect(decoded.value).toEqual({ ...olderValue, trace_context: {}, idempotency_key: null });
  });

  it('refuses to decode a registered record that is not an envelope', async () => {
    const codec = AvroCodec.forUrl(services.schemaRegistryUrl);
    const otherId = await codec.register(`${subjectPrefix}other`, {
      type: 'record',
      name: 'Other',
      namespace: 'io.percolator.test',
      fields: [{ name: 'x', type: 'int' }],
    });
    const reader = await EnvelopeCodec.create(AvroCodec.forUrl(services.schemaRegistryUrl), {
      subjectPrefix,
    });
    await expect(reader.decode(codec.encode(otherId, { x: 1 }))).rejects.toThrow(/not a Percolator envelope/);
  });
});

async function readAll(
  consumer: Consumer,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<Buffer[]> {
  const values: Buffer[] = [];
  await consumer.subscribe({ topic, fromBeginning: true });
  return new Promise<Buffer[]>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`read ${values.length} of ${count} records from ${topic} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    void consumer
      .run({
        eachMessage: async ({ message }) => {
          if (message.value) values.push(message.value);
          if (values.length === count) {
            clearTimeout(timer);
            resolve(values);
          }
        },
      })
      .catch(reject);
  });
}
