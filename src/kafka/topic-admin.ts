// Creates topics explicitly and waits for their leaders: the broker runs with auto-creation off,
// and relying on auto-creation races partition leadership under KRaft.
import type { Admin, ITopicConfig } from 'kafkajs';

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor?: number;
  config?: Record<string, string>;
}

/** Creates the topics that do not exist yet; returns the names it created. Never alters or deletes a topic. */
export async function createMissingTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.name));
  if (missing.length === 0) return [];
  const topics: ITopicConfig[] = missing.map((spec) => ({
    topic: spec.name,
    numPartitions: spec.partitions,
    replicationFactor: spec.replicationFactor ?? 1,
    configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
  }));
  await admin.createTopics({ topics, waitForLeaders: true });
  return missing.map((spec) => spec.name);
}
