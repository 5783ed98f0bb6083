// After a run: its topics and consumer groups go, so runs never see each other's records.
import type { Kafka } from 'kafkajs';

export async function deleteKafkaLeftovers(kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const ours = groups.map((group) => group.groupId).filter((id) => id.startsWith(`${prefix}.`));
    if (ours.length > 0) await admin.deleteGroups(ours).catch(() => undefined);
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${prefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}
