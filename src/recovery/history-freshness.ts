// Whether the Postgres history holds every lifecycle event published so far: the history sink's committed
// offsets have reached the ends the events topic had when asked. Recovery rebuilds only from a history that has
// caught up, since a state rebuilt from a lagging one would be behind the events its execution already published.
import type { Admin, Kafka } from 'kafkajs';
import { PercolatorError } from '../errors.js';

export interface HistoryFreshnessOptions {
  kafka: Kafka;
  eventsTopic: string;
  /** The history sink's consumer group. */
  groupId: string;
  /** How long to wait for the sink before giving up (a retriable error: the caller tries again later). */
  timeoutMs?: number;
  pollMs?: number;
}

export class HistoryFreshness {
  private admin?: Promise<Admin>;

  constructor(private readonly options: HistoryFreshnessOptions) {}

  /** Resolves once the history holds every event published before the call. */
  async caughtUp(): Promise<void> {
    const admin = await this.connected();
    const { eventsTopic, groupId } = this.options;
    const ends = await admin.fetchTopicOffsets(eventsTopic);
    const wanted = ends.filter((end) => BigInt(end.high) > 0n);
    const deadline = Date.now() + (this.options.timeoutMs ?? 60_000);
    for (;;) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [eventsTopic] });
      const behind = wanted.filter((end) => {
        const at = committed?.partitions.find((entry) => entry.partition === end.partition)?.offset ?? '-1';
        return BigInt(at) < BigInt(end.high);
      });
      if (behind.length === 0) return;
      if (Date.now() > deadline) {
        throw new PercolatorError(
          'HISTORY_BEHIND',
          `the history (group ${groupId}) has not caught up with ${eventsTopic} on partitions ` +
            `${behind.map((end) => end.partition).join(', ')}: is a history role running?`,
          true,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 200));
    }
  }

  async close(): Promise<void> {
    if (!this.admin) return;
    const admin = await this.admin.catch(() => undefined);
    this.admin = undefined;
    await admin?.disconnect();
  }

  private connected(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.options.kafka.admin();
      this.admin = admin.connect().then(() => admin);
      this.admin.catch(() => (this.admin = undefined));
    }
    return this.admin;
  }
}
