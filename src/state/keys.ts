// Redis key names of the state layer. Every key of one execution carries the hash tag {executionId}, so a
// Lua script may touch all of them under Redis Cluster; shared indexes (pending outboxes, timers) are split
// into shards, each under a tag of its own, so no single slot holds them all.
import { PercolatorError } from '../errors.js';

export interface ExecutionKeys {
  /** Hash: `v` version, `s` state, `i` digests of the most recent inputs. */
  state: string;
  /** Hash: outbox entry id (`<version>-<n>`) → framed Kafka record. Absent when empty. */
  outbox: string;
}

export interface TimerShardKeys {
  /** Sorted set: timer id scored by its due time (ms). */
  due: string;
  /** Sorted set: claimed timer id scored by the end of its lease (ms). */
  inflight: string;
  /** Hash: timer id → `<deliveries>\n<dueAt>\n<executionId>\n<payload>`. */
  data: string;
}

// A brace would move the hash tag; a newline would break the timer record framing.
const FORBIDDEN = /[{}\n]/;

export function assertKeyPrefix(prefix: string): void {
  if (prefix.length === 0 || FORBIDDEN.test(prefix)) {
    throw new PercolatorError(
      'STATE_INVALID_ARGUMENT',
      `key prefix ${JSON.stringify(prefix)} must be non-empty without braces or newlines`,
      false,
    );
  }
}

export function assertExecutionId(executionId: string): void {
  if (executionId.length === 0 || FORBIDDEN.test(executionId)) {
    throw new PercolatorError(
      'STATE_INVALID_ARGUMENT',
      `execution id ${JSON.stringify(executionId)} must be non-empty without braces or newlines`,
      false,
    );
  }
}

export function executionKeys(prefix: string, executionId: string): ExecutionKeys {
  const base = `${prefix}:{${executionId}}`;
  return { state: `${base}:state`, outbox: `${base}:outbox` };
}

export function outboxPendingKey(prefix: string, shard: number): string {
  return `${prefix}:outbox-pending:{${shard}}`;
}

export function timerShardKeys(prefix: string, shard: number): TimerShardKeys {
  const base = `${prefix}:timers:{${shard}}`;
  return { due: base, inflight: `${base}:inflight`, data: `${base}:data` };
}

/**
 * Stable shard of an id: 32-bit FNV-1a over its UTF-8 bytes, mod `shards`. It must never change once data
 * exists, because shard keys are derived from it.
 */
export function shardOf(id: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(id, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}
