// The dead letters the console's alert centre lists: one consumer per API instance, in a group of its own that
// reads the dead-letter topic from its beginning (the topic's retention bounds it) and keeps the newest few
// hundred in memory, newest first. Nothing else stores dead letters, and they are few by design.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { ConsumerRunner, type RunnerBatch } from '../../kafka/consumer-runner.js';
import type { EnvelopeCodec } from '../../kafka/schemas.js';
import { topicNames } from '../../kafka/topic-specs.js';
import type { Logger } from '../../observability/logger.js';

export interface DeadLetterEntry {
  /**
   * `<dead-letter topic>:<partition>:<offset>`: stable, so an acknowledgement sticks to it, and distinct between
   * engines (topic prefixes) that share one database.
   */
  ref: string;
  reasonCode: string;
  message: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: number;
  consumerGroup: string | null;
  /** The record's key as text (an execution id on the engine's topics), when it has one. */
  key: string | null;
  valueBytes: number;
  failedAt: Date;
}

export interface DeadLetterFeedOptions {
  kafka: Kafka;
  codec: EnvelopeCodec;
  topicPrefix: string;
  logger: Logger;
  /** How many are kept; default 500. */
  keep?: number;
}

export class DeadLetterFeed {
  private entries: DeadLetterEntry[] = [];
  private runner?: ConsumerRunner;

  constructor(private readonly options: DeadLetterFeedOptions) {}

  async start(): Promise<void> {
    const { kafka, topicPrefix, logger } = this.options;
    this.runner = new ConsumerRunner({
      kafka,
      consumer: { groupId: `${topicPrefix}.api-dead-letters.${randomUUID()}`, maxWaitTimeInMs: 500 },
      topics: [topicNames(topicPrefix).deadLetters],
      fromBeginning: true,
      handler: (batch) => this.take(batch),
      logger,
      component: 'dead-letter-feed',
    });
    await this.runner.start();
  }

  consumerRunners(): ConsumerRunner[] {
    return this.runner ? [this.runner] : [];
  }

  /** Newest first. */
  list(): readonly DeadLetterEntry[] {
    return this.entries;
  }

  async stop(): Promise<void> {
    await this.runner?.stop();
  }

  private async take(batch: RunnerBatch): Promise<void> {
    const fresh: DeadLetterEntry[] = [];
    for (const message of batch.messages) {
      const ref = `${batch.topic}:${batch.partition}:${message.offset}`;
      const decoded = await this.options.codec.decode(message.value).catch(() => undefined);
      if (decoded?.name !== 'DeadLetter') {
        // A dead letter that is not one still deserves a line: someone wrote garbage to the topic.
        fresh.push({
          ref,
          reasonCode: 'unreadable',
          message: 'a record on the dead-letter topic that does not decode as a DeadLetter',
          sourceTopic: batch.topic,
          sourcePartition: batch.partition,
          sourceOffset: Number(message.offset),
          consumerGroup: null,
          key: message.key?.toString('utf8') ?? null,
          valueBytes: message.value?.length ?? 0,
          failedAt: new Date(Number(message.timestamp)),
        });
        continue;
      }
      const letter = decoded.value;
      fresh.push({
        ref,
        reasonCode: letter.reason_code,
        message: letter.message,
        sourceTopic: letter.source_topic,
        sourcePartition: letter.source_partition,
        sourceOffset: letter.source_offset,
        consumerGroup: letter.consumer_group ?? null,
        key: letter.key ? letter.key.toString('utf8') : null,
        valueBytes: letter.value?.length ?? 0,
        failedAt: new Date(letter.failed_at),
      });
    }
    const keep = this.options.keep ?? 500;
    this.entries = [...fresh.reverse(), ...this.entries]
      .sort((a, b) => b.failedAt.getTime() - a.failedAt.getTime())
      .slice(0, keep);
  }
}
