// Which Kafka topics exist, cached, so a command for an agent type nobody created a topic for fails its step
// (AGENT_TYPE_UNKNOWN) instead of making the publish fail, and with it the whole batch, for ever.
import type { Admin } from 'kafkajs';

export class KnownTopics {
  private topics = new Set<string>();
  private refreshedAt = 0;
  private refreshing?: Promise<void>;

  /** `minRefreshMs`: a miss re-reads the topic list at most this often (a topic created meanwhile is seen). */
  constructor(
    private readonly admin: Admin,
    private readonly minRefreshMs = 1000,
  ) {}

  /** The given topics that do not exist. Throws (transient) when Kafka cannot be asked. */
  async missing(topics: readonly string[]): Promise<string[]> {
    if (topics.every((topic) => this.topics.has(topic))) return [];
    if (Date.now() - this.refreshedAt >= this.minRefreshMs) await this.refresh();
    return topics.filter((topic) => !this.topics.has(topic));
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.admin
      .listTopics()
      .then((names) => {
        this.topics = new Set(names);
        this.refreshedAt = Date.now();
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }
}
