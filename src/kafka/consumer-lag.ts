// How far a consumer group is behind: per partition, the log-end offset minus the group's committed offset.
import type { Admin } from 'kafkajs';

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

export async function partitionLag(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<PartitionLag[]> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const ends = await Promise.all(
    topics.map(async (topic) => ({ topic, ends: await admin.fetchTopicOffsets(topic) })),
  );
  return ends.flatMap(({ topic, ends: offsets }) => {
    const group = committed.find((entry) => entry.topic === topic);
    return offsets.map((end) => {
      const offset =
        group?.partitions.find((partition) => partition.partition === end.partition)?.offset ?? '-1';
      const high = BigInt(end.high);
      // No commit yet: everything from the log start is still to be read.
      const from = BigInt(offset) >= 0n ? BigInt(offset) : BigInt(end.low);
      return { topic, partition: end.partition, lag: Number(high > from ? high - from : 0n) };
    });
  });
}
