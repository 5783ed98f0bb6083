// THE consumer runner: the one way every Percolator consumer reads Kafka. It owns the kafkajs consumer's life:
// it builds it, runs it, and when kafkajs gives up on it (a CRASH with `restart: false`, which kafkajs never
// recovers from by itself) builds a new one, with capped exponential backoff, so no crash stops a consumer for
// good. Every error on the processing path ends one of two ways:
//   - retriable (a dependency unreachable): the batch is retried with backoff, the partition does not advance,
//     nothing is dead-lettered;
//   - anything else is a bad record: the batch is re-run record by record to find it, it is dead-lettered with
//     a code and a reason (or logged and skipped where the consumer has no dead-letter topic), and the
//     partition moves on.
// It also keeps the consumer's health (joined, assigned partitions, crashes) for /ready and /health.
import { isRetriable } from '../errors.js';
import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from '../observability/logger.js';
import { deadLetterMessages, type Rejection } from './dead-letters.js';
import type { EnvelopeCodec } from './schemas.js';
import { sendInBatches } from './send-batches.js';

export type { Rejection } from './dead-letters.js';

/** One partition's batch as a handler sees it. */
export interface RunnerBatch {
  topic: string;
  partition: number;
  /** In offset order; a subset of the fetched batch when the runner isolates a bad record. */
  messages: readonly KafkaMessage[];
  /** The offset up to which this batch covers the partition (past compaction gaps and control records). */
  lastOffset(): string;
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or lost the partition: stop early, nothing is committed. */
  isActive(): boolean;
}

/**
 * Processes one partition's records in order. Throws on failure: a retriable error is retried, any other
 * error marks a bad record. Records the handler itself finds bad (cannot decode, invalid) it returns in
 * `rejected`, and the runner dead-letters them.
 */
export type BatchHandler = (batch: RunnerBatch) => Promise<{ rejected?: readonly Rejection[] } | void>;

export interface DeadLetterTarget {
  producer: Producer;
  codec: EnvelopeCodec;
  topic: string;
}

export interface ConsumerRunnerOptions {
  kafka: Kafka;
  /** The kafkajs consumer config; the runner builds a new consumer from it after each fatal crash. */
  consumer: ConsumerConfig;
  /** Topics to read; one given as an object overrides `fromBeginning` for itself. */
  topics: readonly TopicSubscription[];
  /** Where a group without committed offsets starts. Default true: a new deployment loses nothing. */
  fromBeginning?: boolean;
  handler: BatchHandler;
  logger: Logger;
  /** Names the consumer in logs, metrics and health (e.g. `orchestrator`). */
  component: string;
  /** Where bad records go; without it they are logged and skipped (readers of derived data). */
  deadLetters?: DeadLetterTarget;
  /** Called for each dead-lettered record (metrics). */
  onDeadLetter?: (code: string) => void;
  /** kafkajs `autoCommit`; false for readers that never commit. Default true. */
  autoCommit?: boolean;
  partitionsConsumedConcurrently?: number;
  /** Backoff of retries and restarts. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Crashes are counted over this window for health. Default 5 minutes. */
  crashWindowMs?: number;
}

export type TopicSubscription = string | { topic: string; fromBeginning: boolean };

export type ConsumerState = 'starting' | 'joined' | 'crashed' | 'stopped';

export interface ConsumerHealth {
  component: string;
  group: string;
  state: ConsumerState;
  /** Since when the consumer has been in this state (epoch ms). */
  since: number;
  assigned: { topic: string; partitions: number[] }[];
  lastCrash?: { at: number; error: string; restartedByKafkajs: boolean };
  crashesInWindow: number;
}

type CrashListener = (health: ConsumerHealth, error: unknown) => void;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ConsumerRunner {
  private consumer?: Consumer;
  private state: ConsumerState = 'stopped';
  private since = Date.now();
  private assigned: ConsumerHealth['assigned'] = [];
  private lastCrash?: ConsumerHealth['lastCrash'];
  private crashes: number[] = [];
  private wanted = false;
  private restartTimer?: NodeJS.Timeout;
  private generation = 0;
  private topics: readonly TopicSubscription[];
  private readonly crashListeners = new Set<CrashListener>();
  private readonly joinWaiters = new Set<() => void>();
  readonly group: string;

  constructor(private readonly options: ConsumerRunnerOptions) {
    this.group = options.consumer.groupId;
    this.topics = options.topics;
  }

  /** Connects, subscribes and runs; resolves once kafkajs runs the consumer (not necessarily joined yet). */
  async start(): Promise<void> {
    this.wanted = true;
    await this.launch();
  }

  async stop(): Promise<void> {
    this.wanted = false;
    this.generation++;
    clearTimeout(this.restartTimer);
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch(() => undefined);
    this.setState('stopped');
    this.assigned = [];
  }

  /** Reads another set of topics: the running consumer is replaced (committed offsets carry over). */
  async resubscribe(topics: readonly TopicSubscription[]): Promise<void> {
    this.topics = topics;
    if (!this.wanted) return;
    await this.stop();
    await this.start();
  }

  /** Resolves when the consumer has joined its group (or at once if it has). */
  joined(timeoutMs = 60_000): Promise<void> {
    if (this.state === 'joined') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.joinWaiters.delete(done);
        reject(new Error(`consumer group ${this.group} did not join within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.joinWaiters.add(done);
    });
  }

  onCrash(listener: CrashListener): () => void {
    this.crashListeners.add(listener);
    return () => this.crashListeners.delete(listener);
  }

  health(now = Date.now()): ConsumerHealth {
    const window = this.options.crashWindowMs ?? 5 * 60_000;
    this.crashes = this.crashes.filter((at) => now - at <= window);
    return {
      component: this.options.component,
      group: this.group,
      state: this.state,
      since: this.since,
      assigned: this.assigned.map((entry) => ({ ...entry, partitions: [...entry.partitions] })),
      ...(this.lastCrash ? { lastCrash: { ...this.lastCrash } } : {}),
      crashesInWindow: this.crashes.length,
    };
  }

  private setState(state: ConsumerState): void {
    if (this.state === state) return;
    this.state = state;
    this.since = Date.now();
    if (state === 'joined') {
      for (const waiter of this.joinWaiters) waiter();
      this.joinWaiters.clear();
    }
  }

  private async launch(): Promise<void> {
    const generation = ++this.generation;
    const consumer = this.options.kafka.consumer(this.options.consumer);
    this.consumer = consumer;
    this.setState('starting');
    const { events } = consumer;
    const current = () => generation === this.generation;
    consumer.on(events.GROUP_JOIN, ({ payload }) => {
      if (!current()) return;
      this.assigned = Object.entries(payload.memberAssignment).map(([topic, partitions]) => ({
        topic,
        partitions: [...partitions].sort((a, b) => a - b),
      }));
      this.setState('joined');
    });
    consumer.on(events.REBALANCING, () => {
      if (current()) this.setState('starting');
    });
    consumer.on(events.CRASH, ({ payload }) => {
      if (current()) this.crashed(payload.error, payload.restart);
    });
    try {
      await consumer.connect();
      const fromBeginning = this.options.fromBeginning ?? true;
      const plain = this.topics.filter((entry): entry is string => typeof entry === 'string');
      if (plain.length > 0) await consumer.subscribe({ topics: plain, fromBeginning });
      for (const entry of this.topics) {
        if (typeof entry !== 'string') await consumer.subscribe(entry);
      }
      await consumer.run({
        autoCommit: this.options.autoCommit ?? true,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
        eachBatch: (payload) => this.onBatch(payload),
      });
    } catch (error) {
      // Connecting or subscribing failed (a broker away, a topic missing): the same as a crash kafkajs gave up on.
      if (current()) this.crashed(error, false);
    }
  }

  private crashed(error: unknown, restartedByKafkajs: boolean): void {
    const now = Date.now();
    this.crashes.push(now);
    this.lastCrash = { at: now, error: describe(error), restartedByKafkajs };
    this.assigned = [];
    this.setState('crashed');
    const health = this.health(now);
    this.options.logger.error(
      { err: error, group: this.group, component: this.options.component, restartedByKafkajs },
      'consumer crashed',
    );
    for (const listener of this.crashListeners) listener(health, error);
    if (restartedByKafkajs || !this.wanted) return;
    const delay = this.backoff(health.crashesInWindow);
    const generation = this.generation;
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (!this.wanted || generation !== this.generation) return;
      const old = this.consumer;
      void (async () => {
        await old?.disconnect().catch(() => undefined);
        if (this.wanted && generation === this.generation) await this.launch();
      })();
    }, delay);
    this.options.logger.warn({ group: this.group, delayMs: delay }, 'restarting the consumer');
  }

  private backoff(attempt: number): number {
    const initial = this.options.initialBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 30_000;
    return Math.min(max, initial * 2 ** Math.min(Math.max(attempt - 1, 0), 16));
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const isActive = () => isRunning() && !isStale();
    if (!isActive() || batch.messages.length === 0) return;
    const base = { topic: batch.topic, partition: batch.partition, heartbeat, isActive };
    const rejected: Rejection[] = [];
    const whole = await this.attempt({
      ...base,
      messages: batch.messages,
      lastOffset: () => batch.lastOffset(),
    });
    if (whole === 'inactive') return;
    if (whole.ok) {
      rejected.push(...whole.rejected);
    } else {
      // Something in the batch is bad: find it by handling the records one at a time, in order. Handlers are
      // idempotent per record (the engine's inputs carry deterministic ids), so redoing the good ones is safe.
      for (const message of batch.messages) {
        const single = await this.attempt({ ...base, messages: [message], lastOffset: () => message.offset });
        if (single === 'inactive') return;
        if (single.ok) rejected.push(...single.rejected);
        else rejected.push({ message, ...badRecord(single.error) });
      }
    }
    if (rejected.length > 0) {
      const sent = await this.retrying(base, () => this.deadLetter(batch.topic, batch.partition, rejected));
      if (sent === 'inactive') return;
    }
    resolveOffset(batch.lastOffset());
    await heartbeat();
  }

  /** Runs the handler, retrying retriable failures until it succeeds, fails for good, or the batch is moot. */
  private async attempt(
    batch: RunnerBatch,
  ): Promise<{ ok: true; rejected: readonly Rejection[] } | { ok: false; error: unknown } | 'inactive'> {
    let failure: unknown;
    const outcome = await this.retrying(batch, async () => {
      try {
        const result = await this.options.handler(batch);
        return { ok: true as const, rejected: result?.rejected ?? [] };
      } catch (error) {
        if (isRetriable(error)) throw error;
        failure = error;
        return { ok: false as const, error };
      }
    });
    if (outcome !== 'inactive' && !outcome.ok) {
      this.options.logger.warn(
        { err: failure, group: this.group, topic: batch.topic, partition: batch.partition },
        'a record could not be processed',
      );
    }
    return outcome;
  }

  /** Retries `task` while it throws retriable errors, heartbeating through the backoff. */
  private async retrying<T>(
    batch: Pick<RunnerBatch, 'topic' | 'partition' | 'heartbeat' | 'isActive'>,
    task: () => Promise<T>,
  ): Promise<T | 'inactive'> {
    for (let attempt = 1; ; attempt++) {
      if (!batch.isActive()) return 'inactive';
      try {
        return await task();
      } catch (error) {
        if (!isRetriable(error)) throw error;
        const delay = this.backoff(attempt);
        this.options.logger.warn(
          { err: error, group: this.group, topic: batch.topic, partition: batch.partition, delayMs: delay },
          'a dependency is unavailable; retrying the batch',
        );
        await this.waitHeartbeating(batch, delay);
      }
    }
  }

  private async waitHeartbeating(batch: Pick<RunnerBatch, 'heartbeat' | 'isActive'>, ms: number) {
    const until = Date.now() + ms;
    while (Date.now() < until && batch.isActive()) {
      await sleep(Math.min(1000, until - Date.now()));
      // A rebalance surfaces here as an error kafkajs handles by re-joining: let it through.
      await batch.heartbeat();
    }
  }

  private async deadLetter(topic: string, partition: number, rejections: readonly Rejection[]) {
    for (const { message, code, reason } of rejections) {
      this.options.onDeadLetter?.(code);
      this.options.logger.warn(
        { component: this.options.component, topic, partition, offset: message.offset, code, reason },
        this.options.deadLetters ? 'dead-lettered a record' : 'skipped a record that cannot be processed',
      );
    }
    const target = this.options.deadLetters;
    if (!target) return;
    const source = { topic, partition, consumerGroup: this.group };
    const messages = deadLetterMessages(target.codec, source, rejections);
    await sendInBatches(target.producer, [{ topic: target.topic, messages }]);
  }
}

/** The dead letter's code and reason for an error that marks a record as bad. */
function badRecord(error: unknown): { code: string; reason: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    code: typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : 'PROCESSING_FAILED',
    reason: describe(error),
  };
}

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

/**
 * The health of a process's consumers, for /ready and /health: ready when every consumer has joined its group;
 * unhealthy when one has not been joined for longer than a grace period or keeps crashing.
 */
export class ConsumerBoard {
  private readonly runners = new Set<ConsumerRunner>();

  constructor(
    private readonly options: {
      /** Called on every crash (the crash counter). */
      onCrash?: (group: string) => void;
      /** How long a consumer may be away before /health fails. Default 2 minutes. */
      graceMs?: number;
      /** Crashes in the window beyond which the consumer counts as crash-looping. Default 5. */
      maxCrashes?: number;
    } = {},
  ) {}

  watch(...runners: readonly ConsumerRunner[]): void {
    for (const runner of runners) {
      if (this.runners.has(runner)) continue;
      this.runners.add(runner);
      runner.onCrash((health) => this.options.onCrash?.(health.group));
    }
  }

  unwatch(runner: ConsumerRunner): void {
    this.runners.delete(runner);
  }

  list(): ConsumerHealth[] {
    return [...this.runners].map((runner) => runner.health());
  }

  /** Why the process is not ready (consumers not joined, or crash-looping), or undefined when it is. */
  notReady(): string | undefined {
    const problems = this.list().flatMap((health) => {
      if (health.state === 'stopped') return [];
      if (health.crashesInWindow > (this.options.maxCrashes ?? 5))
        return [
          `${health.group} crashed ${health.crashesInWindow} times recently (${health.lastCrash?.error})`,
        ];
      if (health.state !== 'joined')
        return [
          `${health.group} is ${health.state}${health.lastCrash ? ` (${health.lastCrash.error})` : ''}`,
        ];
      return [];
    });
    return problems.length > 0 ? problems.join('; ') : undefined;
  }

  /** Why the process should be restarted (a consumer away past the grace period, or crash-looping). */
  unhealthy(now = Date.now()): string | undefined {
    const grace = this.options.graceMs ?? 120_000;
    const problems = this.list().flatMap((health) => {
      if (health.state === 'stopped' || health.state === 'joined') return [];
      if (now - health.since < grace && health.crashesInWindow <= (this.options.maxCrashes ?? 5)) return [];
      return [`${health.group} has been ${health.state} since ${new Date(health.since).toISOString()}`];
    });
    return problems.length > 0 ? problems.join('; ') : undefined;
  }

  /** A readiness check (src/api/readiness.ts) that fails while any consumer is not joined. */
  readinessCheck(name = 'consumers'): { name: string; check(): Promise<void> } {
    return {
      name,
      check: async () => {
        const problem = this.notReady();
        if (problem) throw new Error(problem);
      },
    };
  }

  /** The same shape for liveness (/health), failing only past the grace period. */
  livenessCheck(name = 'consumers'): { name: string; check(): Promise<void> } {
    return {
      name,
      check: async () => {
        const problem = this.unhealthy();
        if (problem) throw new Error(problem);
      },
    };
  }
}
