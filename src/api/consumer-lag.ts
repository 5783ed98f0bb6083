// Consumer lag of a group over some topics, summed per topic for /api/v1/status.
import type { Kafka } from 'kafkajs';
import { partitionLag } from '../kafka/consumer-lag.js';
import type { ConsumerLag } from './services.js';

export async function consumerLag(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
): Promise<ConsumerLag> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const perTopic: Record<string, number> = Object.fromEntries(topics.map((topic) => [topic, 0]));
    for (const { topic, lag } of await partitionLag(admin, groupId, topics))
      perTopic[topic] = (perTopic[topic] ?? 0) + lag;
    return {
      group: groupId,
      total: Object.values(perTopic).reduce((sum, lag) => sum + lag, 0),
      topics: perTopic,
    };
  } finally {
    await admin.disconnect();
  }
}
