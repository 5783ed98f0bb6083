// Sends many records in as few produce requests as the broker accepts. Kafka refuses a record batch over
// `message.max.bytes` (1 MiB by default) with a non-retriable error, so one huge sendBatch — a 1,000-way fan-out —
// would fail the same way on every retry; the records go in requests of bounded size instead.
import type { Message, Producer, TopicMessages } from 'kafkajs';

/** Well under the broker's default limit, even when every record of a request lands in one partition. */
export const MAX_REQUEST_BYTES = 512 * 1024;

function sizeOf(message: Message): number {
  let bytes = 64 + (message.key?.length ?? 0) + (message.value?.length ?? 0);
  for (const [name, value] of Object.entries(message.headers ?? {}))
    bytes += name.length + String(value ?? '').length;
  return bytes;
}

/** Splits topic messages into requests of at most `maxBytes` (a single larger record goes alone). */
export function chunkTopicMessages(
  topicMessages: readonly TopicMessages[],
  maxBytes = MAX_REQUEST_BYTES,
): TopicMessages[][] {
  const requests: TopicMessages[][] = [];
  let current = new Map<string, Message[]>();
  let bytes = 0;
  const flush = () => {
    if (current.size === 0) return;
    requests.push([...current].map(([topic, messages]) => ({ topic, messages })));
    current = new Map();
    bytes = 0;
  };
  for (const { topic, messages } of topicMessages) {
    for (const message of messages) {
      const size = sizeOf(message);
      if (bytes > 0 && bytes + size > maxBytes) flush();
      const list = current.get(topic) ?? [];
      list.push(message);
      current.set(topic, list);
      bytes += size;
    }
  }
  flush();
  return requests;
}

/** Publishes in order, one bounded request after the other (the idempotent producer keeps one in flight). */
export async function sendInBatches(
  producer: Producer,
  topicMessages: readonly TopicMessages[],
): Promise<void> {
  for (const request of chunkTopicMessages(topicMessages))
    await producer.sendBatch({ topicMessages: request, acks: -1 });
}
