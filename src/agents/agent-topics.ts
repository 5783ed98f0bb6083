// The topics an agent process reads and writes, resolved from topics/*.yaml for given agent types, and
// created when missing (the broker does not auto-create topics).
import type { Admin } from 'kafkajs';
import { createMissingTopics } from '../kafka/topic-admin.js';
import { loadTopicDeclarations, resolveTopics, type ResolvedTopic } from '../kafka/topic-specs.js';

const AGENT_TOPIC_IDS = new Set(['agent-commands', 'agent-results', 'agent-heartbeats', 'dead-letters']);

/** Command topics of the given types, plus the results, heartbeats and dead-letter topics. */
export function agentTopicSpecs(prefix: string, agentTypes: readonly string[]): ResolvedTopic[] {
  return resolveTopics(loadTopicDeclarations(), { prefix, agentTypes }).filter((topic) =>
    AGENT_TOPIC_IDS.has(topic.id),
  );
}

/** Creates whichever of those topics do not exist; returns the names created. */
export function ensureAgentTopics(
  admin: Admin,
  prefix: string,
  agentTypes: readonly string[],
): Promise<string[]> {
  return createMissingTopics(admin, agentTopicSpecs(prefix, agentTypes));
}
