// Publishes what the agent produces (results, dead letters) in batches: records enqueued while a send is
// in flight go out together in the next one, so under load there is one produce request per batch
// rather than per record. A failed send is retried with back-off until it succeeds or the publisher
// closes; each enqueue resolves only once its record is acknowledged by the brokers.
import type { Message, Producer, TopicMessages } from 'kafkajs';
import type { Logger } from '../../observability/logger.js';

interface Pending {
  topic: string;
  message: Message;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface RecordPublisherOptions {
  producer: Producer;
  logger: Logger;
  /** Records per produce request at most. Default 500. */
  maxBatchRecords?: number;
}

export class PublisherClosedError extends Error {
  constructor() {
    super('the publisher closed before the record was sent');
    this.name = 'PublisherClosedError';
  }
}

const RETRY_INITIAL_MS = 100;
const RETRY_MAX_MS = 5_000;

export class RecordPublisher {
  private queue: Pending[] = [];
  private sending: Promise<void> | null = null;
  private closed = false;
  private readonly maxBatchRecords: number;
  private wakeRetry: (() => void) | null = null;

  constructor(private readonly options: RecordPublisherOptions) {
    this.maxBatchRecords = options.maxBatchRecords ?? 500;
  }

  /** Resolves once the record is acknowledged; rejects with PublisherClosedError if the publisher closes first. */
  publish(topic: string, message: Message): Promise<void> {
    if (this.closed) return Promise.reject(new PublisherClosedError());
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, message, resolve, reject });
      if (!this.sending) this.sending = this.drainLoop();
    });
  }

  /** Resolves when everything enqueued so far has been sent (or the publisher was closed). */
  async flushed(): Promise<void> {
    while (this.sending) await this.sending;
  }

  /** Stops retrying and fails whatever is still queued. */
  close(): void {
    this.closed = true;
    this.wakeRetry?.();
    const left = this.queue;
    this.queue = [];
    for (const pending of left) pending.reject(new PublisherClosedError());
  }

  private async drainLoop(): Promise<void> {
    // Yield once so that records enqueued in the same tick join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0 && !this.closed) {
        const batch = this.queue.splice(0, this.maxBatchRecords);
        await this.sendWithRetry(batch);
      }
    } finally {
      this.sending = null;
      if (this.queue.length > 0 && !this.closed) this.sending = this.drainLoop();
    }
  }

  private async sendWithRetry(batch: Pending[]): Promise<void> {
    let delay = RETRY_INITIAL_MS;
    for (;;) {
      try {
        await this.options.producer.sendBatch({ topicMessages: groupByTopic(batch), acks: -1 });
        for (const pending of batch) pending.resolve();
        return;
      } catch (error) {
        if (this.closed) {
          for (const pending of batch) pending.reject(new PublisherClosedError());
          return;
        }
        this.options.logger.warn(
          { err: error, records: batch.length, retryInMs: delay },
          'publishing failed; retrying',
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wakeRetry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeRetry = null;
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }
}

function groupByTopic(batch: readonly Pending[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const { topic, message } of batch) {
    const messages = byTopic.get(topic);
    if (messages) messages.push(message);
    else byTopic.set(topic, [message]);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
