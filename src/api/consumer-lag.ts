// Consumer lag of a group over some topics: the log-end offsets minus the group's committed offsets.
import type { Kafka } from 'kafkajs';
import type { ConsumerLag } from './services.js';

export async function consumerLag(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
): Promise<ConsumerLag> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
    const perTopic: Record<string, number> = {};
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const group = committed.find((entry) => entry.topic === topic);
      let lag = 0;
      for (const end of ends) {
        const offset =
          group?.partitions.find((partition) => partition.partition === end.partition)?.offset ?? '-1';
        const high = BigInt(end.high);
        // No commit yet: everything from the log start is still to be read.
        const from = BigInt(offset) >= 0n ? BigInt(offset) : BigInt(end.low);
        lag += Number(high > from ? high - from : 0n);
      }
      perTopic[topic] = lag;
    }
    return {
      group: groupId,
      total: Object.values(perTopic).reduce((sum, lag) => sum + lag, 0),
      topics: perTopic,
    };
  } finally {
    await admin.disconnect();
  }
}
