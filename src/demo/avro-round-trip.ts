// The demo's main job until the engine runs workflows: one Avro record through the registry and Kafka, shown hop by hop.
import { randomUUID } from 'node:crypto';
import type { PercolatorConfig } from '../config/config.js';
import { AvroCodec } from '../kafka/avro-codec.js';
import { createKafka } from '../kafka/client.js';
import { createMissingTopics } from '../kafka/topic-admin.js';

const demoSchema = {
  type: 'record',
  name: 'DemoGreeting',
  namespace: 'io.percolator.demo',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'brand_id', type: 'string' },
    { name: 'content_topic', type: 'string' },
    { name: 'sent_at', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
};

export interface RoundTripReport {
  topic: string;
  schemaId: number;
  partition: number;
  offset: string;
  bytes: number;
  sent: Record<string, unknown>;
  received: Record<string, unknown>;
}

export async function avroRoundTrip(
  config: PercolatorConfig,
  print: (line: string) => void,
  timeoutMs = 30_000,
): Promise<RoundTripReport> {
  const topic = `${config.topicPrefix}.demo.round-trip`;
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'percolator-demo' });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true });
  const consumer = kafka.consumer({ groupId: `percolator-demo-${randomUUID()}` });
  const codec = AvroCodec.forUrl(config.schemaRegistryUrl);
  try {
    await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
    const created = await createMissingTopics(admin, [{ name: topic, partitions: 1 }]);
    print(`topic      ${topic}${created.length ? ' (created)' : ''}`);

    const schemaId = await codec.register(`${topic}-value`, demoSchema);
    print(
      `schema     io.percolator.demo.DemoGreeting registered as id ${schemaId} at ${config.schemaRegistryUrl}`,
    );

    const sent = {
      id: randomUUID(),
      brand_id: randomUUID(),
      content_topic: 'New Product Launch',
      // The codec reads timestamp-millis as a plain long: epoch milliseconds, as in every envelope.
      sent_at: Date.now(),
    };
    const value = codec.encode(schemaId, sent);
    const [metadata] = await producer.send({ topic, messages: [{ key: sent.id, value }] });
    const offset = metadata?.baseOffset ?? '0';
    const partition = metadata?.partition ?? 0;
    print(
      `produced   ${value.length} bytes to ${topic}[${partition}] at offset ${offset}: ${hexHead(value)}`,
    );

    const raw = await readOne(consumer, topic, partition, offset, timeoutMs);
    const { value: received } = await codec.decode<Record<string, unknown>>(raw);
    print(`consumed   offset ${offset}, decoded with schema ${raw.readUInt32BE(1)}:`);
    print(`           ${JSON.stringify(received)}`);
    return { topic, schemaId, partition, offset, bytes: value.length, sent, received };
  } finally {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
  }
}

function hexHead(buffer: Buffer): string {
  const hex = buffer.subarray(0, 12).toString('hex').replace(/(..)/g, '$1 ').trim();
  return `${hex}${buffer.length > 12 ? ' …' : ''} (magic 0, schema id ${buffer.readUInt32BE(1)}, Avro body)`;
}

async function readOne(
  consumer: ReturnType<ReturnType<typeof createKafka>['consumer']>,
  topic: string,
  partition: number,
  offset: string,
  timeoutMs: number,
): Promise<Buffer> {
  await consumer.subscribe({ topic });
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no record read back from ${topic} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    void consumer
      .run({
        eachMessage: async ({ partition: from, message }) => {
          if (from === partition && message.offset === offset && message.value) {
            clearTimeout(timer);
            resolve(message.value);
          }
        },
      })
      .then(() => consumer.seek({ topic, partition, offset }))
      .catch(reject);
  });
}
