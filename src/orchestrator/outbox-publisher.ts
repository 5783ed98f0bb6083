// Publishes outboxes: Kafka records in one batched send, the engine's Redis side effects (timers, event waits,
// admission) in batched calls, then acknowledges exactly the entries published. Publishing twice is harmless:
// records carry deterministic ids, timers are keyed, and slots are a set.
import type { Message, Producer } from 'kafkajs';
import { sendInBatches } from '../kafka/send-batches.js';
import type {
  Admission,
  ExecutionStore,
  OutboxEntry,
  OutboxRecord,
  TimerStore,
  WaitIndex,
} from '../state/index.js';
import {
  EFFECT_TOPICS,
  isEffectTopic,
  parseEffect,
  type AdmissionEffect,
  type TimerEffect,
  type WaitEffect,
} from './effects.js';

export interface PendingOutbox {
  executionId: string;
  entries: readonly OutboxEntry[];
}

export interface OutboxPublisherDeps {
  producer: Producer;
  store: ExecutionStore;
  timers: TimerStore;
  waits: WaitIndex;
  admission: Admission;
  /** Where re-admitted parked starts go back to (the executions topic). */
  executionsTopic: string;
}

export class OutboxPublisher {
  constructor(private readonly deps: OutboxPublisherDeps) {}

  async publish(outboxes: readonly PendingOutbox[]): Promise<void> {
    const messages = new Map<string, Message[]>();
    const timerEffects: TimerEffect[] = [];
    const waitEffects: WaitEffect[] = [];
    const released: string[] = [];
    for (const { entries } of outboxes) {
      for (const { record } of entries) {
        if (!isEffectTopic(record.topic)) {
          const list = messages.get(record.topic) ?? [];
          list.push({
            key: record.key,
            value: record.value,
            ...(record.headers ? { headers: record.headers } : {}),
          });
          messages.set(record.topic, list);
        } else if (record.topic === EFFECT_TOPICS.timers) {
          timerEffects.push(parseEffect<TimerEffect>(record));
        } else if (record.topic === EFFECT_TOPICS.waits) {
          waitEffects.push(parseEffect<WaitEffect>(record));
        } else if (record.topic === EFFECT_TOPICS.admission) {
          released.push(parseEffect<AdmissionEffect>(record).executionId);
        }
      }
    }
    await Promise.all([
      this.applyTimers(timerEffects),
      this.deps.waits.apply(waitEffects),
      this.readmit(released, messages),
    ]);
    await this.send(messages);
    const acks = outboxes
      .filter(({ entries }) => entries.length > 0)
      .map(({ executionId, entries }) => ({ executionId, ids: entries.map((entry) => entry.id) }));
    if (acks.length > 0) await this.deps.store.ackOutbox(acks);
  }

  private async applyTimers(effects: readonly TimerEffect[]): Promise<void> {
    const schedule = effects.flatMap((effect) =>
      effect.op === 'schedule'
        ? [
            {
              id: effect.id,
              executionId: effect.executionId,
              dueAt: effect.dueAt,
              payload: JSON.stringify(effect.fired),
            },
          ]
        : [],
    );
    const cancel = effects.flatMap((effect) =>
      effect.op === 'cancel' ? [{ id: effect.id, executionId: effect.executionId }] : [],
    );
    await Promise.all([
      schedule.length ? this.deps.timers.schedule(schedule) : undefined,
      cancel.length ? this.deps.timers.cancel(cancel) : undefined,
    ]);
  }

  /** Sends records that belong to no execution's outbox (they are re-derived if a crash loses them). */
  async sendRecords(records: readonly OutboxRecord[]): Promise<void> {
    const messages = new Map<string, Message[]>();
    for (const record of records) {
      const list = messages.get(record.topic) ?? [];
      list.push({ key: record.key, value: record.value });
      messages.set(record.topic, list);
    }
    await this.send(messages);
  }

  /** Frees admission slots outside any outbox (e.g. a start that could not run) and re-injects who was waiting. */
  async releaseSlots(executionIds: readonly string[]): Promise<void> {
    const messages = new Map<string, Message[]>();
    await this.readmit(executionIds, messages);
    await this.send(messages);
  }

  private async send(messages: ReadonlyMap<string, Message[]>): Promise<void> {
    if (messages.size === 0) return;
    await sendInBatches(
      this.deps.producer,
      [...messages].map(([topic, list]) => ({ topic, messages: list })),
    );
  }

  /** Freed slots admit parked starts; their records go back to the executions topic with this batch. */
  private async readmit(executionIds: readonly string[], messages: Map<string, Message[]>): Promise<void> {
    if (executionIds.length === 0) return;
    const admitted = await this.deps.admission.release(executionIds);
    if (admitted.length === 0) return;
    const list = messages.get(this.deps.executionsTopic) ?? [];
    for (const start of admitted) list.push({ key: start.executionId, value: start.record });
    messages.set(this.deps.executionsTopic, list);
  }
}
