// Admission control for MAX_CONCURRENT_WORKFLOWS. Starts beyond the limit are parked in Redis in arrival order and
// re-injected as slots free up; none is dropped. A parked start's record stays until its start is applied.
import type { Redis } from 'ioredis';
import { assertKeyPrefix } from './keys.js';
import { execPipeline, toStateError } from './redis-errors.js';
import { defineScripts, scriptedPipelines, type ScriptCommands, type ScriptedPipeline } from './scripts.js';

export interface AdmissionOptions {
  redis: Redis;
  keyPrefix: string;
  limit: number;
}

export interface AdmittedStart {
  executionId: string;
  record: Buffer;
}

export class Admission {
  private readonly redis: Redis & ScriptCommands;
  private readonly pipeline: () => ScriptedPipeline;
  private readonly keys: [inflight: string, queue: string, parked: string];

  constructor(private readonly options: AdmissionOptions) {
    assertKeyPrefix(options.keyPrefix);
    const tag = `${options.keyPrefix}:admission:{a}`;
    this.keys = [`${tag}:inflight`, `${tag}:queue`, `${tag}:parked`];
    this.redis = defineScripts(options.redis);
    this.pipeline = scriptedPipelines(options.redis);
  }

  /**
   * Admits each start in order, in one pipelined round trip: true when it may run now, false when it was parked
   * (its record kept for re-injection).
   */
  async admitMany(starts: readonly { executionId: string; record: Buffer }[]): Promise<boolean[]> {
    if (starts.length === 0) return [];
    const pipeline = this.pipeline();
    for (const { executionId, record } of starts) {
      pipeline.percolatorAdmit(...this.keys, executionId, this.options.limit, record);
    }
    const replies = await execPipeline(pipeline, 'admitting starts');
    return replies.map((reply) => reply === 1);
  }

  /**
   * Parks starts again behind those waiting, whatever room there is (percolatorAdmit with a limit of 0): the
   * durable copy of a queue Redis lost. Starts already admitted or parked are left as they are. A release then
   * admits them in order as room allows.
   */
  async park(starts: readonly AdmittedStart[]): Promise<void> {
    if (starts.length === 0) return;
    const pipeline = this.pipeline();
    for (const { executionId, record } of starts) {
      pipeline.percolatorAdmit(...this.keys, executionId, 0, record);
    }
    await execPipeline(pipeline, 'parking starts again');
  }

  /** Frees the slots of finished executions; returns the parked starts admitted in their place, oldest first. */
  async release(executionIds: readonly string[]): Promise<AdmittedStart[]> {
    let flat: Buffer[];
    try {
      flat = await this.redis.percolatorReleaseBuffer(...this.keys, this.options.limit, ...executionIds);
    } catch (error) {
      throw toStateError(error, 'releasing admission slots');
    }
    const admitted: AdmittedStart[] = [];
    for (let index = 0; index + 1 < flat.length; index += 2) {
      admitted.push({ executionId: flat[index]!.toString('utf8'), record: flat[index + 1]! });
    }
    return admitted;
  }

  /** Marks executions as holding a slot again: running executions rebuilt after Redis lost the admission set. */
  async occupy(executionIds: readonly string[]): Promise<void> {
    if (executionIds.length === 0) return;
    try {
      await this.redis.sadd(this.keys[0], ...executionIds);
    } catch (error) {
      throw toStateError(error, 'restoring admission slots');
    }
  }

  /** Takes back a start that has not begun (see percolatorWithdraw in lua/admission.ts); its record, or null when none is parked. */
  async withdraw(executionId: string): Promise<Buffer | null> {
    try {
      return await this.redis.percolatorWithdrawBuffer(...this.keys, executionId);
    } catch (error) {
      throw toStateError(error, 'withdrawing a parked start');
    }
  }

  /** The start was applied: its parked record is no longer needed. */
  async forget(executionIds: readonly string[]): Promise<void> {
    if (executionIds.length === 0) return;
    try {
      await this.redis.hdel(this.keys[2], ...executionIds);
    } catch (error) {
      throw toStateError(error, 'forgetting parked starts');
    }
  }

  /** Admitted starts whose record is still parked: re-injection was interrupted, or has not been applied yet. */
  async admittedButParked(limit: number): Promise<AdmittedStart[]> {
    const [inflight, , parked] = this.keys;
    const ids = (await this.redis.hkeys(parked)).slice(0, limit * 4);
    if (ids.length === 0) return [];
    const members = await this.redis.smismember(inflight, ...ids);
    const admittedIds = ids.filter((_, index) => members[index] === 1).slice(0, limit);
    if (admittedIds.length === 0) return [];
    const records = await this.redis.hmgetBuffer(parked, ...admittedIds);
    return admittedIds.flatMap((executionId, index) => {
      const record = records[index];
      return record ? [{ executionId, record }] : [];
    });
  }

  async counts(): Promise<{ inflight: number; queued: number }> {
    const [inflight, queued] = await Promise.all([
      this.redis.scard(this.keys[0]),
      this.redis.llen(this.keys[1]),
    ]);
    return { inflight, queued };
  }
}
