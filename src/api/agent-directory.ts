// The default AgentDirectory: the latest heartbeat of every agent instance, read from the compacted heartbeats
// topic by a consumer in a group of its own. (Replaced by the agent registry where one is wired in.)
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { AgentHeartbeat } from '../kafka/envelopes.js';
import type { EnvelopeCodec } from '../kafka/schemas.js';
import { topicNames } from '../kafka/topic-specs.js';
import type { AgentDirectory, AgentView } from './services.js';

export interface HeartbeatDirectoryOptions {
  kafka: Kafka;
  codec: EnvelopeCodec;
  topicPrefix: string;
  /** An instance silent for longer counts as unhealthy. */
  staleAfterMs?: number;
}

export class HeartbeatDirectory implements AgentDirectory {
  private readonly latest = new Map<string, AgentHeartbeat>();
  private consumer?: Consumer;

  constructor(private readonly options: HeartbeatDirectoryOptions) {}

  async start(): Promise<void> {
    const { kafka, topicPrefix } = this.options;
    this.consumer = kafka.consumer({
      groupId: `${topicPrefix}.api-agents.${randomUUID()}`,
      maxWaitTimeInMs: 250,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [topicNames(topicPrefix).agentHeartbeats], fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const key = message.key?.toString('utf8');
        if (!key) return;
        if (message.value === null) {
          this.latest.delete(key);
          return;
        }
        const decoded = await this.options.codec.decode(message.value).catch(() => undefined);
        if (decoded?.name === 'AgentHeartbeat') this.latest.set(key, decoded.value);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  async list(): Promise<AgentView[]> {
    const types = new Set([...this.latest.values()].map((beat) => beat.agent_type));
    return [...types].sort().map((type) => this.view(type)!);
  }

  async health(type: string): Promise<AgentView | undefined> {
    return this.view(type);
  }

  private view(type: string): AgentView | undefined {
    const beats = [...this.latest.values()].filter((beat) => beat.agent_type === type);
    if (beats.length === 0) return undefined;
    const staleAfter = this.options.staleAfterMs ?? 30_000;
    const now = Date.now();
    const instances = beats.map((beat) => ({
      instance_id: beat.instance_id,
      version: beat.version,
      in_flight: beat.in_flight,
      capacity: beat.capacity,
      last_seen: new Date(beat.sent_at).toISOString(),
      healthy: now - beat.sent_at <= staleAfter,
    }));
    const healthy = instances.filter((instance) => instance.healthy).length;
    return {
      type,
      status: healthy === instances.length ? 'healthy' : healthy > 0 ? 'degraded' : 'down',
      actions: [...new Set(beats.flatMap((beat) => beat.actions.map((action) => action.name)))].sort(),
      instances,
    };
  }
}
