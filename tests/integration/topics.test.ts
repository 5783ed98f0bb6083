import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { createKafka } from '../../src/kafka/client.js';
import {
  applyExitCode,
  applyTopics,
  createMissingTopics,
  describeTopics,
  verifyCoPartitioning,
} from '../../src/kafka/topic-admin.js';
import { loadTopicDeclarations, resolveTopics, topicNames } from '../../src/kafka/topic-specs.js';
import { testServices, uniquePrefix } from '../support/services.js';

// One agent type instead of the four known ones keeps the partitions a test creates within reason.
const specsFor = (prefix: string) =>
  resolveTopics(loadTopicDeclarations(), { prefix, agentTypes: ['probe-agent'] });

describe('percolator topics apply against Kafka', () => {
  const services = testServices();
  const prefixes: string[] = [];
  let admin: Admin;

  beforeAll(async () => {
    admin = createKafka({ brokers: services.kafkaBrokers, clientId: 'topics-test' }).admin();
    await admin.connect();
  });

  afterAll(async () => {
    const topics = (await admin.listTopics()).filter((topic) =>
      prefixes.some((prefix) => topic.startsWith(`${prefix}.`)),
    );
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('creates every declared topic, then finds them all as declared', async () => {
    const prefix = uniquePrefix('topics');
    prefixes.push(prefix);
    const specs = specsFor(prefix);

    const dryRun = await applyTopics(admin, specs, { dryRun: true });
    expect(dryRun.map((result) => result.status)).toEqual(specs.map(() => 'would create'));
    expect(applyExitCode(dryRun)).toBe(0);
    expect((await admin.listTopics()).filter((topic) => topic.startsWith(`${prefix}.`))).toEqual([]);

    const first = await applyTopics(admin, specs);
    expect(first).toEqual(specs.map((spec) => ({ topic: spec.name, status: 'created', detail: [] })));
    expect(applyExitCode(first)).toBe(0);

    const second = await applyTopics(admin, specs);
    expect(second).toEqual(specs.map((spec) => ({ topic: spec.name, status: 'ok', detail: [] })));
    expect(applyExitCode(second)).toBe(0);

    const names = topicNames(prefix);
    expect(await verifyCoPartitioning(admin, names.orchestratorInputs)).toBe(12);
    const actual = await describeTopics(admin, [names.agentHeartbeats, names.agentCommands('probe-agent')]);
    expect(actual.get(names.agentHeartbeats)).toMatchObject({
      partitions: 3,
      config: { 'cleanup.policy': 'compact,delete', 'retention.ms': '86400000' },
    });
    expect(actual.get(names.agentCommands('probe-agent'))?.partitions).toBe(12);
  });

  it('reports drift without changing the topic, and raises partitions only when asked', async () => {
    const prefix = uniquePrefix('drift');
    prefixes.push(prefix);
    const names = topicNames(prefix);
    const specs = specsFor(prefix);
    await createMissingTopics(admin, [
      { name: names.executions, partitions: 3, config: { 'message.timestamp.type': 'LogAppendTime' } },
      {
        name: names.agentResults,
        partitions: 12,
        config: { 'retention.ms': '1000', 'message.timestamp.type': 'LogAppendTime' },
      },
      { name: names.signals, partitions: 16, config: { 'message.timestamp.type': 'LogAppendTime' } },
    ]);

    const results = await applyTopics(admin, specs);
    const byTopic = new Map(results.map((result) => [result.topic, result]));
    expect(byTopic.get(names.executions)).toEqual({
      topic: names.executions,
      status: 'drift',
      detail: ['partitions 3, declared 12', 'raise with --raise-partitions'],
    });
    expect(byTopic.get(names.agentResults)).toEqual({
      topic: names.agentResults,
      status: 'drift',
      detail: ['retention.ms=1000, declared 604800000'],
    });
    expect(byTopic.get(names.signals)?.detail).toEqual([
      'partitions 16, declared 12 (Kafka cannot remove partitions)',
    ]);
    expect(byTopic.get(names.timers)?.status).toBe('created');
    expect(applyExitCode(results)).toBe(1);

    const untouched = await describeTopics(admin, [names.executions, names.agentResults]);
    expect(untouched.get(names.executions)?.partitions).toBe(3);
    expect(untouched.get(names.agentResults)?.config['retention.ms']).toBe('1000');
    await expect(verifyCoPartitioning(admin, names.orchestratorInputs)).rejects.toThrow(
      /same partition count: .*executions=3/,
    );

    const wouldRaise = await applyTopics(admin, specs, { dryRun: true, raisePartitions: true });
    expect(wouldRaise.find((result) => result.topic === names.executions)).toMatchObject({
      status: 'would raise',
      detail: ['partitions 3 -> 12'],
    });
    expect((await describeTopics(admin, [names.executions])).get(names.executions)?.partitions).toBe(3);

    const raised = await applyTopics(admin, specs, { raisePartitions: true });
    expect(raised.find((result) => result.topic === names.executions)).toMatchObject({ status: 'raised' });
    expect((await describeTopics(admin, [names.executions])).get(names.executions)?.partitions).toBe(12);
    // The other drift is still there and still fails the run.
    expect(applyExitCode(raised)).toBe(1);
  });
});
