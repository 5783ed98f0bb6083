// Owns the declared topics: reads topics/*.yaml, checks them (including the co-partitioning invariant
// of the orchestrator's input topics), and resolves the {prefix} and {type} placeholders into the
// concrete topics that `percolator topics apply` creates.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { PercolatorError } from '../errors.js';
import type { TopicSpec } from './topic-admin.js';

/** topics/ at the package root, from src/kafka (tests) as from dist/kafka (the built CLI). */
export const DEFAULT_TOPICS_DIR = fileURLToPath(new URL('../../topics/', import.meta.url));

/** Agent types whose command topics exist without being asked for. */
export const KNOWN_AGENT_TYPES = [
  'social-media-content',
  'feedback-analyst',
  'inventory',
  'notifier',
] as const;

/** Records about one execution are keyed by its id; the orchestrator's inputs must all be. */
export const EXECUTION_ID_KEY = 'execution_id';

const AGENT_TYPE = /^[a-z0-9][a-z0-9-]*$/;
const TOPIC_NAME = /^[A-Za-z0-9._-]+$/;
const MAX_TOPIC_NAME = 249;
const CONFIG_NAME = /^[a-z][a-z0-9.]*$/;
const PLACEHOLDER = /\{([^}]*)\}/g;

export interface TopicDeclaration {
  /** Stable handle for code (`executions`, `agent-commands`, ...); names may change with the prefix, ids do not. */
  id: string;
  /** Name template with `{prefix}` and, for per-agent-type topics, `{type}`. */
  name: string;
  description: string;
  /** What the record key is; `execution_id` for everything about one execution. */
  key: string;
  /** Full names of the Avro records the topic carries. */
  values: string[];
  producers: string[];
  consumers: string[];
  orchestratorInput: boolean;
  perAgentType: boolean;
  partitions: number;
  replicationFactor: number;
  config: Record<string, string>;
  /** File the declaration came from, for messages. */
  source: string;
}

export interface ResolvedTopic extends TopicSpec {
  id: string;
  template: string;
  agentType?: string;
  description: string;
  key: string;
  values: string[];
  producers: string[];
  consumers: string[];
  orchestratorInput: boolean;
  replicationFactor: number;
  config: Record<string, string>;
}

export interface ResolveTopicsOptions {
  prefix: string;
  /** Agent types to instantiate command topics for; KNOWN_AGENT_TYPES when omitted. */
  agentTypes?: readonly string[];
  /** Replaces every declared replication factor, e.g. 3 in production against 1 in the files. */
  replicationFactor?: number;
}

export interface LoadTopicSpecsOptions extends Omit<ResolveTopicsOptions, 'agentTypes'> {
  /** Agent types in addition to KNOWN_AGENT_TYPES. */
  extraAgentTypes?: readonly string[];
  dir?: string;
}

export class TopicSpecError extends PercolatorError {
  constructor(readonly problems: string[]) {
    super('TOPIC_SPEC', `invalid topic declarations:\n  ${problems.join('\n  ')}`, false);
    this.name = 'TopicSpecError';
  }
}

const TOPIC_KEYS = new Set([
  'id',
  'name',
  'description',
  'key',
  'values',
  'producers',
  'consumers',
  'orchestratorInput',
  'partitions',
  'replicationFactor',
  'config',
]);
const FILE_KEYS = new Set(['topics', 'orchestratorPartitions']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/** Parses one topics file; `source` names it in messages. Problems are collected, not thrown one by one. */
export function parseTopicsFile(text: string, source: string): TopicDeclaration[] {
  const problems: string[] = [];
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new TopicSpecError([`${source}: not YAML: ${(error as Error).message}`]);
  }
  if (!isRecord(document) || !Array.isArray(document.topics)) {
    throw new TopicSpecError([`${source}: expected a mapping with a 'topics' list`]);
  }
  for (const key of Object.keys(document)) {
    if (!FILE_KEYS.has(key)) problems.push(`${source}: unknown key '${key}'`);
  }
  const declared = document.orchestratorPartitions;
  if (declared !== undefined && !isPositiveInt(declared)) {
    problems.push(`${source}: orchestratorPartitions must be a positive integer`);
  }

  const declarations: TopicDeclaration[] = [];
  document.topics.forEach((entry: unknown, index) => {
    const at = `${source}: topics[${index}]`;
    if (!isRecord(entry)) {
      problems.push(`${at}: expected a mapping`);
      return;
    }
    const where = typeof entry.id === 'string' ? `${source}: ${entry.id}` : at;
    const before = problems.length;
    for (const key of Object.keys(entry)) {
      if (!TOPIC_KEYS.has(key)) problems.push(`${where}: unknown key '${key}'`);
    }
    const text = (key: string): string => {
      const value = entry[key];
      if (typeof value === 'string' && value.trim() !== '') return value;
      problems.push(`${where}: '${key}' must be a non-empty string`);
      return '';
    };
    const list = (key: string): string[] => {
      const value = entry[key] ?? [];
      if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
      problems.push(`${where}: '${key}' must be a list of strings`);
      return [];
    };
    const count = (key: string, fallback?: number): number => {
      const value = entry[key] ?? fallback;
      if (isPositiveInt(value)) return value;
      problems.push(`${where}: '${key}' must be a positive integer`);
      return 0;
    };

    const id = text('id');
    const name = text('name');
    const placeholders = [...name.matchAll(PLACEHOLDER)].map((match) => match[1]);
    for (const placeholder of placeholders) {
      if (placeholder !== 'prefix' && placeholder !== 'type') {
        problems.push(`${where}: unknown placeholder {${placeholder}} in name (use {prefix} or {type})`);
      }
    }
    if (name && !name.startsWith('{prefix}.')) {
      problems.push(
        `${where}: name must start with '{prefix}.' so environments sharing a cluster stay apart`,
      );
    }
    const orchestratorInput = entry.orchestratorInput ?? false;
    if (typeof orchestratorInput !== 'boolean')
      problems.push(`${where}: 'orchestratorInput' must be a boolean`);

    const rawConfig = entry.config ?? {};
    const config: Record<string, string> = {};
    if (!isRecord(rawConfig)) {
      problems.push(`${where}: 'config' must be a mapping of Kafka topic configs`);
    } else {
      for (const [configName, value] of Object.entries(rawConfig)) {
        if (!CONFIG_NAME.test(configName))
          problems.push(`${where}: '${configName}' is not a topic config name`);
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
          config[configName] = String(value);
        } else {
          problems.push(`${where}: config '${configName}' must be a string, number or boolean`);
        }
      }
    }

    const declaration: TopicDeclaration = {
      id,
      name,
      description: text('description'),
      key: text('key'),
      values: list('values'),
      producers: list('producers'),
      consumers: list('consumers'),
      orchestratorInput: orchestratorInput === true,
      perAgentType: placeholders.includes('type'),
      partitions: count('partitions'),
      replicationFactor: count('replicationFactor', 1),
      config,
      source,
    };
    if (declaration.values.length === 0) problems.push(`${where}: 'values' must name at least one record`);
    if (declaration.orchestratorInput && isPositiveInt(declared) && declaration.partitions !== declared) {
      problems.push(
        `${where}: ${declaration.partitions} partitions, but this file declares orchestratorPartitions ${declared}`,
      );
    }
    if (problems.length === before) declarations.push(declaration);
  });
  if (problems.length > 0) throw new TopicSpecError(problems);
  return declarations;
}

/**
 * The co-partitioning invariant: every orchestrator input topic is keyed by execution id, is one
 * concrete topic (no per-type template) and has the same partition count as all the others.
 * Returns the problems found; empty when the invariant holds.
 */
export function coPartitioningProblems(
  topics: readonly Pick<
    TopicDeclaration,
    'id' | 'key' | 'partitions' | 'orchestratorInput' | 'perAgentType'
  >[],
): string[] {
  const inputs = topics.filter((topic) => topic.orchestratorInput);
  const problems: string[] = [];
  for (const topic of inputs) {
    if (topic.key !== EXECUTION_ID_KEY) {
      problems.push(`orchestrator input ${topic.id} is keyed by '${topic.key}', not '${EXECUTION_ID_KEY}'`);
    }
    if (topic.perAgentType)
      problems.push(`orchestrator input ${topic.id} must not be a per-agent-type template`);
  }
  const counts = new Set(inputs.map((topic) => topic.partitions));
  if (counts.size > 1) {
    const detail = inputs.map((topic) => `${topic.id}=${topic.partitions}`).join(', ');
    problems.push(`orchestrator input topics must share one partition count, found ${detail}`);
  }
  return problems;
}

/** Checks a whole set of declarations: unique ids and names, and the co-partitioning invariant. */
export function validateTopicDeclarations(declarations: readonly TopicDeclaration[]): void {
  const problems: string[] = [];
  const ids = new Map<string, string>();
  const names = new Map<string, string>();
  for (const declaration of declarations) {
    const sameId = ids.get(declaration.id);
    if (sameId) problems.push(`${declaration.source}: id ${declaration.id} is also declared in ${sameId}`);
    ids.set(declaration.id, declaration.source);
    const sameName = names.get(declaration.name);
    if (sameName)
      problems.push(`${declaration.source}: name ${declaration.name} is also declared in ${sameName}`);
    names.set(declaration.name, declaration.source);
  }
  problems.push(...coPartitioningProblems(declarations));
  if (problems.length > 0) throw new TopicSpecError(problems);
}

/** Reads and checks every topics/*.yaml (sorted by file name, so the order is stable). */
export function loadTopicDeclarations(dir: string = DEFAULT_TOPICS_DIR): TopicDeclaration[] {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.yaml') || file.endsWith('.yml'))
    .sort();
  const problems: string[] = [];
  const declarations: TopicDeclaration[] = [];
  for (const file of files) {
    try {
      declarations.push(...parseTopicsFile(readFileSync(join(dir, file), 'utf8'), file));
    } catch (error) {
      if (!(error instanceof TopicSpecError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (files.length === 0) problems.push(`no topic files (*.yaml) in ${dir}`);
  if (problems.length > 0) throw new TopicSpecError(problems);
  validateTopicDeclarations(declarations);
  return declarations;
}

/** Substitutes the prefix and instantiates per-agent-type templates once per agent type. */
export function resolveTopics(
  declarations: readonly TopicDeclaration[],
  options: ResolveTopicsOptions,
): ResolvedTopic[] {
  const problems: string[] = [];
  if (!TOPIC_NAME.test(options.prefix)) {
    problems.push(
      `topic prefix ${JSON.stringify(options.prefix)}: expected letters, digits, '.', '_' or '-'`,
    );
  }
  const agentTypes = [...new Set(options.agentTypes ?? KNOWN_AGENT_TYPES)];
  for (const type of agentTypes) {
    if (!AGENT_TYPE.test(type)) {
      problems.push(`agent type ${JSON.stringify(type)}: expected lower-case letters, digits and '-'`);
    }
  }
  if (options.replicationFactor !== undefined && !isPositiveInt(options.replicationFactor)) {
    problems.push(`replication factor ${options.replicationFactor}: expected a positive integer`);
  }
  if (problems.length > 0) throw new TopicSpecError(problems);

  const resolved: ResolvedTopic[] = [];
  for (const declaration of declarations) {
    const instances = declaration.perAgentType ? agentTypes : [undefined];
    for (const agentType of instances) {
      const name = declaration.name
        .replaceAll('{prefix}', options.prefix)
        .replaceAll('{type}', agentType ?? '');
      if (!TOPIC_NAME.test(name) || name.length > MAX_TOPIC_NAME) {
        problems.push(`${declaration.id}: ${name} is not a valid Kafka topic name`);
      }
      resolved.push({
        id: declaration.id,
        template: declaration.name,
        ...(agentType ? { agentType } : {}),
        name,
        description: declaration.description,
        key: declaration.key,
        values: [...declaration.values],
        producers: [...declaration.producers],
        consumers: [...declaration.consumers],
        orchestratorInput: declaration.orchestratorInput,
        partitions: declaration.partitions,
        replicationFactor: options.replicationFactor ?? declaration.replicationFactor,
        config: { ...declaration.config },
      });
    }
  }
  if (problems.length > 0) throw new TopicSpecError(problems);
  return resolved;
}

/** The concrete topics for an environment: the declarations in `dir`, the prefix, known + extra agent types. */
export function loadTopicSpecs(options: LoadTopicSpecsOptions): ResolvedTopic[] {
  const { dir, extraAgentTypes = [], ...resolve } = options;
  return resolveTopics(loadTopicDeclarations(dir), {
    ...resolve,
    agentTypes: [...KNOWN_AGENT_TYPES, ...extraAgentTypes],
  });
}

/**
 * Topic names for code that produces or consumes, without reading the files. A unit test checks that
 * they agree with topics/*.yaml.
 */
export function topicNames(prefix: string) {
  return {
    executions: `${prefix}.executions`,
    agentResults: `${prefix}.agent.results`,
    signals: `${prefix}.signals`,
    timers: `${prefix}.timers`,
    agentCommands: (agentType: string): string => `${prefix}.agent.${agentType}.commands`,
    agentHeartbeats: `${prefix}.agent.heartbeats`,
    executionEvents: `${prefix}.execution.events`,
    deadLetters: `${prefix}.dead-letters`,
    eventsInbound: `${prefix}.events.inbound`,
    /** What the orchestrator subscribes to, in one consumer group with a co-partitioning assignor. */
    orchestratorInputs: [
      `${prefix}.executions`,
      `${prefix}.agent.results`,
      `${prefix}.signals`,
      `${prefix}.timers`,
    ] as const,
  };
}

export type TopicNames = ReturnType<typeof topicNames>;
