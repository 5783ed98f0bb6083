// Builds the recovery parts an orchestrator uses: the rebuild of lost states (the processor's hook) and the sweep
// after a Redis restart or flush (a background loop), sharing one reader of the events the history lacks.
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { EnvelopeCodec } from '../kafka/schemas.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { EffectEncoder } from '../orchestrator/effects.js';
import type { OutboxPublisher } from '../orchestrator/outbox-publisher.js';
import type { WorkflowGraphs } from '../orchestrator/workflow-graphs.js';
import type { Admission, ExecutionStore } from '../state/index.js';
import type { ExecutionRepository } from '../store/execution-repository.js';
import type { ParkedStartRepository } from '../store/parked-start-repository.js';
import { EventTail } from './event-tail.js';
import { RecoverySweeper } from './recovery-sweeper.js';
import { StateRecovery } from './state-recovery.js';

export interface RecoveryWiringOptions {
  kafka: Kafka;
  codec: EnvelopeCodec;
  redis: Redis;
  keyPrefix: string;
  topicPrefix: string;
  eventsTopic: string;
  /** The history sink's consumer group; default `<topicPrefix>.history`. */
  historyGroupId?: string;
  /** How often to check whether Redis lost its data (run id, marker). Default 5 s. */
  checkIntervalMs?: number;
  executions: ExecutionRepository;
  /** The durable copy of parked starts, restored after a loss; without it they are kept in Redis only. */
  parkedStarts?: ParkedStartRepository;
  store: ExecutionStore;
  graphs: WorkflowGraphs;
  encoder: EffectEncoder;
  publisher: OutboxPublisher;
  admission: Admission;
  logger: Logger;
  metrics: Metrics;
}

export interface RecoveryWiring {
  recovery: StateRecovery;
  sweeper: RecoverySweeper;
  checkIntervalMs: number;
  close(): Promise<void>;
}

export function wireRecovery(options: RecoveryWiringOptions): RecoveryWiring {
  const tail = new EventTail({
    kafka: options.kafka,
    codec: options.codec,
    eventsTopic: options.eventsTopic,
    groupId: options.historyGroupId ?? `${options.topicPrefix}.history`,
    logger: options.logger,
  });
  const recovery = new StateRecovery({ ...options, tail });
  // A reconnection may mean a restarted or failed-over Redis holding older data than the history.
  options.redis.on('ready', () => recovery.markSuspect());
  recovery.markSuspect();
  const sweeper = new RecoverySweeper({
    ...options,
    recovery,
    tail,
    fillFreeSlots: () => options.publisher.releaseSlots([]),
  });
  return {
    recovery,
    sweeper,
    checkIntervalMs: options.checkIntervalMs ?? 5000,
    close: () => tail.close(),
  };
}
