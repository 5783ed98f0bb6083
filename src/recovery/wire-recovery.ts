// Builds the recovery parts an orchestrator uses: the rebuild of lost states (the processor's hook) and the sweep
// after a Redis restart or flush (a background loop), sharing one view of the history's freshness.
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { EffectEncoder } from '../orchestrator/effects.js';
import type { OutboxPublisher } from '../orchestrator/outbox-publisher.js';
import type { WorkflowGraphs } from '../orchestrator/workflow-graphs.js';
import type { Admission, ExecutionStore } from '../state/index.js';
import type { ExecutionRepository } from '../store/execution-repository.js';
import { HistoryFreshness } from './history-freshness.js';
import { RecoverySweeper } from './recovery-sweeper.js';
import { StateRecovery } from './state-recovery.js';

export interface RecoveryWiringOptions {
  kafka: Kafka;
  redis: Redis;
  keyPrefix: string;
  topicPrefix: string;
  eventsTopic: string;
  /** The history sink's consumer group; default `<topicPrefix>.history`. */
  historyGroupId?: string;
  /** How often to check whether Redis lost its data (run id, marker). Default 5 s. */
  checkIntervalMs?: number;
  executions: ExecutionRepository;
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
  const freshness = new HistoryFreshness({
    kafka: options.kafka,
    eventsTopic: options.eventsTopic,
    groupId: options.historyGroupId ?? `${options.topicPrefix}.history`,
  });
  const recovery = new StateRecovery({ ...options, freshness });
  // A reconnection may mean a restarted or failed-over Redis holding older data than the history.
  options.redis.on('ready', () => recovery.markSuspect());
  recovery.markSuspect();
  const sweeper = new RecoverySweeper({ ...options, recovery, freshness });
  return {
    recovery,
    sweeper,
    checkIntervalMs: options.checkIntervalMs ?? 5000,
    close: () => freshness.close(),
  };
}
