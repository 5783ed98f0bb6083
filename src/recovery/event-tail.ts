// The lifecycle events the Postgres history does not hold yet. The history sink commits an offset of the events
// topic once everything before it is written; where that offset is behind the topic's end (the sink lags, or is
// down), recovery reads the records in between from the topic itself instead of waiting. Together with Postgres
// they are every event published so far.
//
// The read is bounded (from the sink's offset to the end the topic had when asked), so it is not a consumer of
// the consumer runner's kind: a throwaway consumer group that never commits, seeks to the sink's offsets, and
// stops at the ends. A read is cached per partition and extended by the next one, and concurrent callers share it.
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { PercolatorError } from '../errors.js';
import type { ExecutionEvent } from '../kafka/envelopes.js';
import type { EnvelopeCodec } from '../kafka/schemas.js';
import type { Logger } from '../observability/logger.js';
import type { RecordedEvent } from '../store/execution-repository.js';

export interface EventTailOptions {
  kafka: Kafka;
  codec: EnvelopeCodec;
  eventsTopic: string;
  /** The history sink's consumer group, whose committed offsets say what Postgres holds. */
  groupId: string;
  logger: Logger;
  /** How long to let the sink catch up before reading the topic (most lags are a batch away). Default 1 s. */
  graceMs?: number;
  /** Above this many records behind, the read is refused (retriably) rather than held in memory. Default 200,000. */
  maxRecords?: number;
  /** How long a read may take before it fails retriably. Default 60 s. */
  readTimeoutMs?: number;
  pollMs?: number;
}

/** The events of the executions found in the tail, each list in seq order without duplicates. */
export type TailEvents = ReadonlyMap<string, readonly RecordedEvent[]>;

interface Range {
  partition: number;
  from: bigint;
  to: bigint;
}

interface TailRecord {
  offset: bigint;
  executionId: string;
  event: RecordedEvent;
}

interface CachedPartition {
  from: bigint;
  to: bigint;
  records: TailRecord[];
}

const TERMINAL = new Set([
  'ExecutionCompleted',
  'ExecutionFailed',
  'ExecutionCancelled',
  'ExecutionTimedOut',
]);

export class EventTail {
  private admin?: Promise<Admin>;
  private readonly cache = new Map<number, CachedPartition>();
  private inFlight?: Promise<TailEvents>;

  constructor(private readonly options: EventTailOptions) {}

  /**
   * The events published before the call that the history may not hold yet: empty when the sink has caught up
   * (within the grace period), else those of the partitions where it lags, read from the topic.
   */
  read(): Promise<TailEvents> {
    this.inFlight ??= this.readNow().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  async close(): Promise<void> {
    if (!this.admin) return;
    const admin = await this.admin.catch(() => undefined);
    this.admin = undefined;
    await admin?.disconnect();
  }

  private async readNow(): Promise<TailEvents> {
    const ranges = await this.lagging();
    if (ranges.length === 0) {
      this.cache.clear();
      return new Map();
    }
    const total = ranges.reduce((sum, range) => sum + (range.to - range.from), 0n);
    const maxRecords = BigInt(this.options.maxRecords ?? 200_000);
    if (total > maxRecords) {
      throw new PercolatorError(
        'HISTORY_BEHIND',
        `the history (group ${this.options.groupId}) is ${total} events behind ${this.options.eventsTopic}, more ` +
          `than recovery reads from the topic (${maxRecords}): is a history role running?`,
        true,
      );
    }
    // What is cached and still behind the sink's offset is kept; only the rest is read.
    const toRead: Range[] = [];
    for (const range of ranges) {
      const cached = this.cache.get(range.partition);
      if (cached && cached.from <= range.from && cached.to >= range.from) {
        cached.records = cached.records.filter((record) => record.offset >= range.from);
        cached.from = range.from;
        if (cached.to < range.to) toRead.push({ partition: range.partition, from: cached.to, to: range.to });
      } else {
        this.cache.set(range.partition, { from: range.from, to: range.from, records: [] });
        toRead.push(range);
      }
    }
    for (const partition of [...this.cache.keys()]) {
      if (!ranges.some((range) => range.partition === partition)) this.cache.delete(partition);
    }
    if (toRead.length > 0) {
      const started = Date.now();
      const read = await this.fetch(toRead);
      for (const range of toRead) {
        const cached = this.cache.get(range.partition)!;
        cached.records.push(...(read.get(range.partition) ?? []));
        cached.to = range.to;
      }
      this.options.logger.info(
        {
          partitions: toRead.map((range) => range.partition),
          records: toRead.reduce((sum, range) => sum + Number(range.to - range.from), 0),
          durationMs: Date.now() - started,
        },
        'recovery: read lifecycle events the history has not written yet from the events topic',
      );
    }
    return group([...this.cache.values()].flatMap((cached) => cached.records));
  }

  /** The partitions where the sink's offset is behind the ends the topic had when asked, after the grace period. */
  private async lagging(): Promise<Range[]> {
    const admin = await this.connected();
    const { eventsTopic, groupId } = this.options;
    const ends = (await admin.fetchTopicOffsets(eventsTopic)).filter((end) => BigInt(end.high) > 0n);
    const deadline = Date.now() + (this.options.graceMs ?? 1000);
    for (;;) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [eventsTopic] });
      const behind: Range[] = [];
      for (const end of ends) {
        const at = BigInt(
          committed?.partitions.find((entry) => entry.partition === end.partition)?.offset ?? '-1',
        );
        // No offset yet: the sink has written nothing of this partition; read all the topic still holds.
        const from = at < 0n ? BigInt(end.low) : at;
        if (from < BigInt(end.high)) behind.push({ partition: end.partition, from, to: BigInt(end.high) });
      }
      if (behind.length === 0 || Date.now() >= deadline) return behind;
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 200));
    }
  }

  /** Reads the ranges with a consumer of its own that commits nothing; resolves once each range is read. */
  private async fetch(ranges: readonly Range[]): Promise<Map<number, TailRecord[]>> {
    const { kafka, codec, eventsTopic, groupId } = this.options;
    const read = new Map<number, TailRecord[]>(ranges.map((range) => [range.partition, []]));
    const remaining = new Map(ranges.map((range) => [range.partition, range]));
    const consumer: Consumer = kafka.consumer({
      groupId: `${groupId}.recovery-reader.${randomUUID()}`,
      maxWaitTimeInMs: 100,
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [eventsTopic], fromBeginning: false });
      const done = new Promise<void>((resolve, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new PercolatorError(
                'HISTORY_BEHIND',
                `reading the lifecycle events the history lacks from ${eventsTopic} took over ` +
                  `${this.options.readTimeoutMs ?? 60_000} ms`,
                true,
              ),
            ),
          this.options.readTimeoutMs ?? 60_000,
        );
        void consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const range = remaining.get(batch.partition);
              if (!range) return;
              for (const message of batch.messages) {
                const offset = BigInt(message.offset);
                if (offset < range.from || offset >= range.to) continue;
                const decoded = await codec.decode(message.value).catch(() => undefined);
                // What the sink would dead-letter, it would not write either.
                if (decoded?.name === 'ExecutionEvent') {
                  read.get(batch.partition)!.push(toTailRecord(offset, decoded.value));
                }
              }
              const last = BigInt(batch.lastOffset());
              if (last + 1n >= range.to) {
                remaining.delete(batch.partition);
                if (remaining.size === 0) resolve();
              }
            },
          })
          .then(() => {
            for (const range of ranges) {
              consumer.seek({
                topic: eventsTopic,
                partition: range.partition,
                offset: range.from.toString(),
              });
            }
          })
          .catch(reject);
      });
      await done;
      return read;
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => undefined);
    }
  }

  private connected(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.options.kafka.admin();
      this.admin = admin.connect().then(() => admin);
      this.admin.catch(() => (this.admin = undefined));
    }
    return this.admin;
  }
}

/** Whether the latest event of a list ends its execution. */
export function endsExecution(events: readonly RecordedEvent[]): boolean {
  const last = events.at(-1);
  return last !== undefined && TERMINAL.has(last.type);
}

/** The history's events and the tail's, merged by seq (the same event may be in both). */
export function mergeEvents(
  recorded: readonly RecordedEvent[] | undefined,
  tail: readonly RecordedEvent[] | undefined,
): RecordedEvent[] | undefined {
  if (!tail || tail.length === 0) return recorded ? [...recorded] : undefined;
  const bySeq = new Map<number, RecordedEvent>();
  for (const event of recorded ?? []) bySeq.set(event.seq, event);
  for (const event of tail) if (!bySeq.has(event.seq)) bySeq.set(event.seq, event);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

function toTailRecord(offset: bigint, event: ExecutionEvent): TailRecord {
  let data: unknown = null;
  try {
    data = JSON.parse(event.data_json);
  } catch {
    data = null;
  }
  return {
    offset,
    executionId: event.execution_id,
    event: { seq: event.seq, type: event.type, data, occurredAt: event.timestamp },
  };
}

function group(records: readonly TailRecord[]): Map<string, RecordedEvent[]> {
  const byExecution = new Map<string, RecordedEvent[]>();
  for (const record of records) {
    const list = byExecution.get(record.executionId) ?? [];
    list.push(record.event);
    byExecution.set(record.executionId, list);
  }
  for (const [id, list] of byExecution) byExecution.set(id, mergeEvents(undefined, list)!);
  return byExecution;
}
