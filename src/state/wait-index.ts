// Which executions wait for which events: wait_for_event steps register here, and event triggers look up the
// executions to signal by event type and correlation key. A wait without a correlation key listens for every
// event of its type.
import type { Redis } from 'ioredis';
import { assertKeyPrefix } from './keys.js';
import { execPipeline } from './redis-errors.js';

export interface WaitRegistration {
  op: 'await' | 'stop';
  executionId: string;
  eventType: string;
  correlationKey?: string;
}

const ANY = '*';

export class WaitIndex {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {
    assertKeyPrefix(keyPrefix);
  }

  private key(eventType: string, correlationKey: string | undefined): string {
    return `${this.keyPrefix}:waits:${encodeURIComponent(eventType)}:${correlationKey === undefined ? ANY : encodeURIComponent(correlationKey)}`;
  }

  async apply(registrations: readonly WaitRegistration[]): Promise<void> {
    if (registrations.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { op, executionId, eventType, correlationKey } of registrations) {
      const key = this.key(eventType, correlationKey);
      if (op === 'await') pipeline.sadd(key, executionId);
      else pipeline.srem(key, executionId);
    }
    await execPipeline(pipeline, 'updating event waits');
  }

  /** Executions waiting for this event: those with its correlation key, and those waiting for any. */
  async waiting(eventType: string, correlationKey: string | undefined): Promise<string[]> {
    const pipeline = this.redis.pipeline().smembers(this.key(eventType, undefined));
    if (correlationKey !== undefined) pipeline.smembers(this.key(eventType, correlationKey));
    const results = (await execPipeline(pipeline, 'looking up event waits')) as string[][];
    return [...new Set(results.flat())];
  }
}
