import { describe, expect, it } from 'vitest';
import {
  applyExitCode,
  formatApplyResults,
  topicDrift,
  type ActualTopic,
} from '../../../src/kafka/topic-admin.js';

const spec = {
  name: 'p.executions',
  partitions: 12,
  replicationFactor: 1,
  config: { 'cleanup.policy': 'compact,delete', 'retention.ms': '604800000' },
};

const matching: ActualTopic = {
  partitions: 12,
  replicationFactor: 1,
  config: { 'cleanup.policy': 'delete,compact', 'retention.ms': '604800000', 'segment.ms': '604800000' },
};

describe('drift between a declaration and a topic', () => {
  it('is empty when the declared values match, whatever the order of a list config', () => {
    expect(topicDrift(spec, matching)).toEqual([]);
  });

  it('names each difference', () => {
    expect(
      topicDrift(spec, {
        partitions: 3,
        replicationFactor: 2,
        config: { 'cleanup.policy': 'delete', 'retention.ms': '1000' },
      }),
    ).toEqual([
      'partitions 3, declared 12',
      'replication factor 2, declared 1',
      'cleanup.policy=delete, declared compact,delete',
      'retention.ms=1000, declared 604800000',
    ]);
    expect(topicDrift(spec, { ...matching, partitions: 24 })).toEqual([
      'partitions 24, declared 12 (Kafka cannot remove partitions)',
    ]);
    expect(topicDrift({ ...spec, config: { 'no.such.config': '1' } }, matching)).toEqual([
      'no.such.config is not a config the broker knows',
    ]);
  });

  it('formats one line per topic and exits 1 only while drift remains', () => {
    const results = [
      { topic: 'p.a', status: 'created' as const, detail: [] },
      { topic: 'p.longer', status: 'ok' as const, detail: [] },
      { topic: 'p.b', status: 'drift' as const, detail: ['partitions 3, declared 12', 'x=1, declared 2'] },
    ];
    expect(formatApplyResults(results)).toEqual([
      'p.a       created',
      'p.longer  ok',
      'p.b       drift: partitions 3, declared 12; x=1, declared 2',
    ]);
    expect(applyExitCode(results)).toBe(1);
    expect(applyExitCode(results.slice(0, 2))).toBe(0);
  });
});
