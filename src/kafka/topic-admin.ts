// Creates topics explicitly and waits for their leaders: the broker runs with auto-creation off,
// and relying on auto-creation races partition leadership under KRaft. Compares existing topics with
// their declarations and reports drift; it never deletes a topic, never lowers anything and never
// rewrites a topic's config (a shorter retention would silently drop data).
import kafkajs, { type Admin, type ITopicConfig } from 'kafkajs';
import { PercolatorError } from '../errors.js';

// kafkajs is CommonJS and Node's ESM loader does not detect this one of its exports by name.
const { ConfigResourceTypes } = kafkajs;

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
  await createTopicsWithLeaders(admin, missing);
  return missing.map((spec) => spec.name);
}

// Right after a create, a KRaft controller may still answer metadata requests for the new topic with
// UNKNOWN_TOPIC_OR_PARTITION; kafkajs' own leader wait gives up on that, so we keep polling instead.
const METADATA_LAG_ERRORS = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);
const LEADER_WAIT_MS = 30_000;
const LEADER_POLL_MS = 100;

function isMetadataLag(error: unknown): boolean {
  return METADATA_LAG_ERRORS.has((error as { type?: string }).type ?? '');
}

/** Creates the topics and returns once every partition of each has a leader. */
async function createTopicsWithLeaders(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
  try {
    await admin.createTopics({ topics: specs.map(toTopicConfig), waitForLeaders: true });
  } catch (error) {
    if (!isMetadataLag(error)) throw error;
  }
  await waitForLeaders(admin, specs);
}

/** Polls metadata until each topic shows at least its declared partitions, every one with a leader. */
async function waitForLeaders(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
  const names = specs.map((spec) => spec.name);
  const deadline = Date.now() + LEADER_WAIT_MS;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      const ready = specs.every((spec) => {
        const topic = topics.find((candidate) => candidate.name === spec.name);
        return (
          topic !== undefined &&
          topic.partitions.length >= spec.partitions &&
          topic.partitions.every((partition) => partition.leader >= 0)
        );
      });
      if (ready) return;
    } catch (error) {
      if (!isMetadataLag(error)) throw error;
    }
    if (Date.now() > deadline) {
      throw new PercolatorError(
        'TOPIC_LEADERS',
        `topics without all their partitions led after ${LEADER_WAIT_MS} ms: ${names.join(', ')}`,
        true,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, LEADER_POLL_MS));
  }
}

function toTopicConfig(spec: TopicSpec): ITopicConfig {
  return {
    topic: spec.name,
    numPartitions: spec.partitions,
    replicationFactor: spec.replicationFactor ?? 1,
    configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
  };
}

/** What the cluster says about an existing topic. */
export interface ActualTopic {
  partitions: number;
  /** Smallest replica count over the partitions. */
  replicationFactor: number;
  /** Every config the broker reports for the topic, defaults included. */
  config: Record<string, string>;
}

export async function describeTopics(
  admin: Admin,
  names: readonly string[],
): Promise<Map<string, ActualTopic>> {
  const described = new Map<string, ActualTopic>();
  if (names.length === 0) return described;
  const [{ topics }, { resources }] = await Promise.all([
    admin.fetchTopicMetadata({ topics: [...names] }),
    admin.describeConfigs({
      resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
      includeSynonyms: false,
    }),
  ]);
  const configs = new Map(
    resources.map((resource) => [
      resource.resourceName,
      Object.fromEntries(resource.configEntries.map((entry) => [entry.configName, entry.configValue])),
    ]),
  );
  for (const topic of topics) {
    described.set(topic.name, {
      partitions: topic.partitions.length,
      replicationFactor: Math.min(...topic.partitions.map((partition) => partition.replicas.length)),
      config: configs.get(topic.name) ?? {},
    });
  }
  return described;
}

// List-valued configs whose order carries no meaning.
const SET_VALUED_CONFIGS = new Set(['cleanup.policy']);

function sameConfigValue(name: string, declared: string, actual: string): boolean {
  if (!SET_VALUED_CONFIGS.has(name)) return declared.trim() === actual.trim();
  const normalise = (value: string) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .sort()
      .join(',');
  return normalise(declared) === normalise(actual);
}

/** Differences between a declaration and an existing topic, one phrase each; empty when they match. */
export function topicDrift(spec: TopicSpec, actual: ActualTopic): string[] {
  const drift: string[] = [];
  if (actual.partitions < spec.partitions) {
    drift.push(`partitions ${actual.partitions}, declared ${spec.partitions}`);
  } else if (actual.partitions > spec.partitions) {
    drift.push(
      `partitions ${actual.partitions}, declared ${spec.partitions} (Kafka cannot remove partitions)`,
    );
  }
  const replicationFactor = spec.replicationFactor ?? 1;
  if (actual.replicationFactor !== replicationFactor) {
    drift.push(`replication factor ${actual.replicationFactor}, declared ${replicationFactor}`);
  }
  for (const [name, declared] of Object.entries(spec.config ?? {})) {
    const value = actual.config[name];
    if (value === undefined) drift.push(`${name} is not a config the broker knows`);
    else if (!sameConfigValue(name, declared, value)) drift.push(`${name}=${value}, declared ${declared}`);
  }
  return drift;
}

export type TopicApplyStatus = 'created' | 'ok' | 'raised' | 'drift' | 'would create' | 'would raise';

export interface TopicApplyResult {
  topic: string;
  status: TopicApplyStatus;
  detail: string[];
}

export interface ApplyTopicsOptions {
  /** Report what would happen without creating or changing anything. */
  dryRun?: boolean;
  /**
   * Raise partition counts below the declaration. Off by default: more partitions re-hash keys, so
   * an execution's next records land on another partition than its earlier ones. Do it with the
   * orchestrators stopped, for all orchestrator input topics at once.
   */
  raisePartitions?: boolean;
}

/**
 * Brings the cluster to the declarations as far as that is safe: creates missing topics (waiting for
 * leaders), optionally raises partition counts, and reports every other difference as drift.
 * Results come in the order of `specs`.
 */
export async function applyTopics(
  admin: Admin,
  specs: readonly TopicSpec[],
  options: ApplyTopicsOptions = {},
): Promise<TopicApplyResult[]> {
  const existing = new Set(await admin.listTopics());
  const results = new Map<string, TopicApplyResult>();

  const missing = specs.filter((spec) => !existing.has(spec.name));
  if (missing.length > 0 && !options.dryRun) {
    await createTopicsWithLeaders(admin, missing);
  }
  for (const spec of missing) {
    results.set(spec.name, {
      topic: spec.name,
      status: options.dryRun ? 'would create' : 'created',
      detail: [],
    });
  }

  const present = specs.filter((spec) => existing.has(spec.name));
  const actual = await describeTopics(
    admin,
    present.map((spec) => spec.name),
  );
  const toRaise: { spec: TopicSpec; from: number }[] = [];
  for (const spec of present) {
    const topic = actual.get(spec.name);
    if (!topic) {
      results.set(spec.name, {
        topic: spec.name,
        status: 'drift',
        detail: ['no metadata returned for the topic'],
      });
      continue;
    }
    const drift = topicDrift(spec, topic);
    const raisable = topic.partitions < spec.partitions;
    if (raisable && options.raisePartitions) {
      toRaise.push({ spec, from: topic.partitions });
      const rest = drift.filter((phrase) => !phrase.startsWith('partitions '));
      const raise = `partitions ${topic.partitions} -> ${spec.partitions}`;
      const status = rest.length > 0 ? 'drift' : options.dryRun ? 'would raise' : 'raised';
      results.set(spec.name, { topic: spec.name, status, detail: [raise, ...rest] });
    } else if (drift.length > 0) {
      const hint = raisable ? ['raise with --raise-partitions'] : [];
      results.set(spec.name, { topic: spec.name, status: 'drift', detail: [...drift, ...hint] });
    } else {
      results.set(spec.name, { topic: spec.name, status: 'ok', detail: [] });
    }
  }
  if (toRaise.length > 0 && !options.dryRun) {
    await admin.createPartitions({
      topicPartitions: toRaise.map(({ spec }) => ({ topic: spec.name, count: spec.partitions })),
    });
    await waitForLeaders(
      admin,
      toRaise.map(({ spec }) => spec),
    );
  }
  return specs.map((spec) => results.get(spec.name)!);
}

/** 0 when everything matches, was created or was raised; 1 when drift remains that apply does not fix. */
export function applyExitCode(results: readonly TopicApplyResult[]): 0 | 1 {
  return results.some((result) => result.status === 'drift') ? 1 : 0;
}

/** One line per topic: `<topic>  created`, `<topic>  ok`, `<topic>  drift: <what>`. */
export function formatApplyResults(results: readonly TopicApplyResult[]): string[] {
  const width = Math.max(0, ...results.map((result) => result.topic.length));
  return results.map(
    ({ topic, status, detail }) =>
      `${topic.padEnd(width)}  ${status}${detail.length > 0 ? `: ${detail.join('; ')}` : ''}`,
  );
}

/**
 * Checks on the live cluster that topics meant to be co-partitioned have one partition count, e.g.
 * before the orchestrator joins its group; returns that count.
 */
export async function verifyCoPartitioning(admin: Admin, names: readonly string[]): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
  const counts = new Map(topics.map((topic) => [topic.name, topic.partitions.length]));
  const distinct = new Set(counts.values());
  const first = counts.values().next();
  if (distinct.size !== 1 || first.done || names.some((name) => !counts.has(name))) {
    const detail = names.map((name) => `${name}=${counts.get(name) ?? 'missing'}`).join(', ');
    throw new PercolatorError(
      'CO_PARTITIONING',
      `topics read by one co-partitioned group must have the same partition count: ${detail}`,
      false,
    );
  }
  return first.value;
}
