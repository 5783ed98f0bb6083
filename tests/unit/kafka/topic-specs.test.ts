import { describe, expect, it } from 'vitest';
import { ENVELOPE_NAMES, envelopeFullName } from '../../../src/kafka/envelopes.js';
import {
  KNOWN_AGENT_TYPES,
  TopicSpecError,
  coPartitioningProblems,
  loadTopicDeclarations,
  loadTopicSpecs,
  parseTopicsFile,
  resolveTopics,
  topicNames,
  validateTopicDeclarations,
} from '../../../src/kafka/topic-specs.js';

const minimal = `
topics:
  - id: things
    name: '{prefix}.things'
    description: Things.
    key: execution_id
    values: [io.percolator.v1.Signal]
    partitions: 4
    config:
      retention.ms: 1000
      cleanup.policy: delete
`;

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof TopicSpecError) return error.problems;
    throw error;
  }
  throw new Error('expected a TopicSpecError');
}

describe('parsing topic files', () => {
  it('reads a declaration with defaults and config values as strings', () => {
    const [things] = parseTopicsFile(minimal, 'things.yaml');
    expect(things).toMatchObject({
      id: 'things',
      name: '{prefix}.things',
      partitions: 4,
      replicationFactor: 1,
      orchestratorInput: false,
      perAgentType: false,
      producers: [],
      config: { 'retention.ms': '1000', 'cleanup.policy': 'delete' },
      source: 'things.yaml',
    });
  });

  it('names every problem with its file and topic', () => {
    const problems = problemsOf(() =>
      parseTopicsFile(
        `
topics:
  - id: bad
    name: 'bad.{kind}'
    description: ''
    key: execution_id
    values: []
    partitions: 0
    replicas: 3
    config:
      Retention: 1
`,
        'bad.yaml',
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        "bad.yaml: bad: unknown key 'replicas'",
        'bad.yaml: bad: unknown placeholder {kind} in name (use {prefix} or {type})',
        "bad.yaml: bad: name must start with '{prefix}.' so environments sharing a cluster stay apart",
        "bad.yaml: bad: 'description' must be a non-empty string",
        "bad.yaml: bad: 'partitions' must be a positive integer",
        "bad.yaml: bad: 'Retention' is not a topic config name",
        "bad.yaml: bad: 'values' must name at least one record",
      ]),
    );
  });

  it('refuses a file without a topics list, and YAML that does not parse', () => {
    expect(problemsOf(() => parseTopicsFile('name: x', 'x.yaml'))).toEqual([
      "x.yaml: expected a mapping with a 'topics' list",
    ]);
    expect(problemsOf(() => parseTopicsFile('topics: [', 'y.yaml'))[0]).toMatch(/^y\.yaml: not YAML/);
  });

  it('checks orchestrator inputs against the partition count the file declares', () => {
    const text = `
orchestratorPartitions: 12
topics:
  - { id: a, name: '{prefix}.a', description: A, key: execution_id, values: [X], partitions: 6, orchestratorInput: true }
`;
    expect(problemsOf(() => parseTopicsFile(text, 'in.yaml'))).toEqual([
      'in.yaml: a: 6 partitions, but this file declares orchestratorPartitions 12',
    ]);
  });
});

describe('the co-partitioning invariant', () => {
  const input = (id: string, partitions: number, key = 'execution_id') => ({
    id,
    key,
    partitions,
    orchestratorInput: true,
    perAgentType: false,
  });

  it('holds for the declared topics: every orchestrator input shares one partition count and the key', () => {
    const declarations = loadTopicDeclarations();
    const inputs = declarations.filter((topic) => topic.orchestratorInput);
    expect(inputs.map((topic) => topic.id).sort()).toEqual([
      'agent-results',
      'executions',
      'signals',
      'timers',
    ]);
    expect(new Set(inputs.map((topic) => topic.partitions)).size).toBe(1);
    expect(inputs[0]!.partitions).toBe(12);
    expect(inputs.every((topic) => topic.key === 'execution_id')).toBe(true);
    expect(coPartitioningProblems(declarations)).toEqual([]);
  });

  it('reports inputs with different partition counts, another key, or a per-type template', () => {
    expect(coPartitioningProblems([input('a', 12), input('b', 6)])).toEqual([
      'orchestrator input topics must share one partition count, found a=12, b=6',
    ]);
    expect(coPartitioningProblems([input('a', 12, 'correlation_key')])).toEqual([
      "orchestrator input a is keyed by 'correlation_key', not 'execution_id'",
    ]);
    expect(coPartitioningProblems([{ ...input('a', 12), perAgentType: true }])).toEqual([
      'orchestrator input a must not be a per-agent-type template',
    ]);
    expect(coPartitioningProblems([input('a', 12), { ...input('b', 3), orchestratorInput: false }])).toEqual(
      [],
    );
  });

  it('is enforced when declarations are validated together', () => {
    const [first] = parseTopicsFile(minimal, 'one.yaml');
    const a = { ...first!, id: 'a', name: '{prefix}.a', orchestratorInput: true, partitions: 12 };
    const b = { ...first!, id: 'b', name: '{prefix}.b', orchestratorInput: true, partitions: 8 };
    expect(problemsOf(() => validateTopicDeclarations([a, b]))).toEqual([
      'orchestrator input topics must share one partition count, found a=12, b=8',
    ]);
    expect(problemsOf(() => validateTopicDeclarations([a, { ...a, source: 'two.yaml' }]))).toEqual([
      'two.yaml: id a is also declared in one.yaml',
      'two.yaml: name {prefix}.a is also declared in one.yaml',
    ]);
  });
});

describe('resolving names', () => {
  it('substitutes the prefix and instantiates command topics for the known and the extra agent types', () => {
    const topics = loadTopicSpecs({ prefix: 'percolator', extraAgentTypes: ['translator', 'inventory'] });
    const names = topics.map((topic) => topic.name);
    expect(names).toContain('percolator.events.inbound');
    expect(names).toContain('percolator.executions');
    expect(names).toContain('percolator.agent.results');
    for (const type of [...KNOWN_AGENT_TYPES, 'translator']) {
      expect(names.filter((name) => name === `percolator.agent.${type}.commands`)).toHaveLength(1);
    }
    expect(new Set(names).size).toBe(names.length);
    const commands = topics.find((topic) => topic.name === 'percolator.agent.translator.commands');
    expect(commands).toMatchObject({ id: 'agent-commands', agentType: 'translator', key: 'execution_id' });
  });

  it('keeps every topic of an environment under its prefix', () => {
    const topics = loadTopicSpecs({ prefix: 'test.x.1234', replicationFactor: 3 });
    expect(topics.every((topic) => topic.name.startsWith('test.x.1234.'))).toBe(true);
    expect(topics.every((topic) => topic.replicationFactor === 3)).toBe(true);
    expect(topics.find((topic) => topic.id === 'events-inbound')?.name).toBe('test.x.1234.events.inbound');
  });

  it('refuses a bad prefix or agent type', () => {
    const declarations = loadTopicDeclarations();
    expect(problemsOf(() => resolveTopics(declarations, { prefix: 'a b' }))[0]).toMatch(/topic prefix "a b"/);
    expect(problemsOf(() => resolveTopics(declarations, { prefix: 'p', agentTypes: ['Bad_Type'] }))).toEqual([
      `agent type "Bad_Type": expected lower-case letters, digits and '-'`,
    ]);
  });

  it('agrees with the names code uses without reading the files', () => {
    const names = topicNames('env');
    const topics = loadTopicSpecs({ prefix: 'env', extraAgentTypes: ['x'] });
    const byId = (id: string) => topics.filter((topic) => topic.id === id).map((topic) => topic.name);
    expect(byId('executions')).toEqual([names.executions]);
    expect(byId('agent-results')).toEqual([names.agentResults]);
    expect(byId('signals')).toEqual([names.signals]);
    expect(byId('timers')).toEqual([names.timers]);
    expect(byId('agent-heartbeats')).toEqual([names.agentHeartbeats]);
    expect(byId('execution-events')).toEqual([names.executionEvents]);
    expect(byId('dead-letters')).toEqual([names.deadLetters]);
    expect(byId('events-inbound')).toEqual([names.eventsInbound]);
    expect(byId('agent-commands')).toContain(names.agentCommands('x'));
    expect(
      topics
        .filter((topic) => topic.orchestratorInput)
        .map((topic) => topic.name)
        .sort(),
    ).toEqual([...names.orchestratorInputs].sort());
    expect(new Set(topics.map((topic) => topic.id)).size).toBe(9);
  });

  it('declares only records that have an envelope schema, and carries every envelope somewhere', () => {
    const declared = new Set(loadTopicDeclarations().flatMap((topic) => topic.values));
    const envelopes = new Set(ENVELOPE_NAMES.map(envelopeFullName));
    expect([...declared].filter((name) => !envelopes.has(name))).toEqual([]);
    expect([...envelopes].filter((name) => !declared.has(name))).toEqual([]);
  });
});
