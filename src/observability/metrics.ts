// Every Prometheus metric of Percolator, in one place: `percolator_` prefix, units in names, bounded labels
// (workflow names, agent types, step types, statuses, reasons — never execution or command ids).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BoundedCounter, BoundedGauge, BoundedHistogram, LabelBounds } from './label-bounds.js';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export class Metrics {
  readonly registry = new Registry();
  /** Workflow names and agent types come from definitions and records: bounded in length and number. */
  readonly labelBounds = new LabelBounds();

  readonly executionsStarted = new BoundedCounter(
    {
      name: 'percolator_executions_started_total',
      help: 'Executions started, by workflow',
      labelNames: ['workflow'] as const,
      registers: [this.registry],
    },
    this.labelBounds,
    ['workflow'],
  );
  readonly executionsFinished = new BoundedCounter(
    {
      name: 'percolator_executions_finished_total',
      help: 'Executions that ended, by workflow and status (completed, failed, cancelled, timed_out)',
      labelNames: ['workflow', 'status'] as const,
      registers: [this.registry],
    },
    this.labelBounds,
    ['workflow'],
  );
  readonly executionDuration = new BoundedHistogram(
    {
      name: 'percolator_execution_duration_seconds',
      help: 'From start to end of an execution, by workflow and final status',
      labelNames: ['workflow', 'status'] as const,
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    },
    this.labelBounds,
    ['workflow'],
  );
  readonly stepDuration = new BoundedHistogram(
    {
      name: 'percolator_step_duration_seconds',
      help: 'From dispatch to the end of a step attempt, by workflow, step type and outcome',
      labelNames: ['workflow', 'step_type', 'outcome'] as const,
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    },
    this.labelBounds,
    ['workflow'],
  );
  readonly orchestrationOverhead = new Histogram({
    name: 'percolator_orchestration_overhead_seconds',
    help: 'From an input record being appended to Kafka to the commands it caused being published',
    labelNames: ['input'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly commandsDispatched = new BoundedCounter(
    {
      name: 'percolator_commands_dispatched_total',
      help: 'Agent commands published, by agent type',
      labelNames: ['agent_type'] as const,
      registers: [this.registry],
    },
    this.labelBounds,
    ['agent_type'],
  );
  readonly resultsReceived = new BoundedCounter(
    {
      name: 'percolator_results_received_total',
      help: 'Agent results consumed by the orchestrator, by agent type and status (succeeded, failed)',
      labelNames: ['agent_type', 'status'] as const,
      registers: [this.registry],
    },
    this.labelBounds,
    ['agent_type'],
  );
  readonly agentResponse = new BoundedHistogram(
    {
      name: 'percolator_agent_response_seconds',
      help: 'Time agents took to answer a command, as they report it, by agent type',
      labelNames: ['agent_type'] as const,
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    },
    this.labelBounds,
    ['agent_type'],
  );
  readonly agentsOnline = new BoundedGauge(
    {
      name: 'percolator_agents_online',
      help: 'Agent instances whose heartbeats are current, by agent type',
      labelNames: ['agent_type'] as const,
      registers: [this.registry],
    },
    this.labelBounds,
    ['agent_type'],
  );
  readonly retries = new BoundedCounter(
    {
      name: 'percolator_step_retries_total',
      help: 'Step attempts scheduled for retry, by workflow',
      labelNames: ['workflow'] as const,
      registers: [this.registry],
    },
    this.labelBounds,
    ['workflow'],
  );
  readonly inputsRejected = new Counter({
    name: 'percolator_inputs_rejected_total',
    help: 'Inputs the router refused as stale or out of place (late results, duplicate signals), by input kind',
    labelNames: ['input'] as const,
    registers: [this.registry],
  });
  readonly duplicateInputs = new Counter({
    name: 'percolator_duplicate_inputs_total',
    help: 'Inputs refused by the state store because they had already taken effect (redeliveries)',
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'percolator_dead_letters_total',
    help: 'Records sent to the dead-letter topic, by reason code and component',
    labelNames: ['reason', 'component'] as const,
    registers: [this.registry],
  });
  readonly consumerCrashes = new Counter({
    name: 'percolator_consumer_crashes_total',
    help: 'Crashes of a Kafka consumer (each is restarted by the consumer runner), by consumer group',
    labelNames: ['group'] as const,
    registers: [this.registry],
  });
  readonly executionsInFlight = new Gauge({
    name: 'percolator_executions_in_flight',
    help: 'Executions holding an admission slot',
    registers: [this.registry],
  });
  readonly admissionQueue = new Gauge({
    name: 'percolator_admission_queue_length',
    help: 'Starts waiting for an admission slot (MAX_CONCURRENT_WORKFLOWS)',
    registers: [this.registry],
  });
  readonly consumerLag = new Gauge({
    name: 'percolator_consumer_lag_records',
    help: 'Records behind the end of the log, by consumer group, topic and partition',
    labelNames: ['group', 'topic', 'partition'] as const,
    registers: [this.registry],
  });
  readonly redisCall = new Histogram({
    name: 'percolator_redis_call_seconds',
    help: 'Round trips to Redis, by operation',
    labelNames: ['operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly postgresQuery = new Histogram({
    name: 'percolator_postgres_query_seconds',
    help: 'Queries to Postgres, by operation',
    labelNames: ['operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly schedulerLeaseHeld = new Gauge({
    name: 'percolator_scheduler_lease_held',
    help: '1 on the scheduler instance holding the lease (the one that fires schedule triggers), else 0',
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'percolator_orchestrator_batch_records',
    help: 'Records per batch the orchestrator processed',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
    registers: [this.registry],
  });

  readonly stateRebuilds = new Counter({
    name: 'percolator_state_rebuilds_total',
    help: 'Executions whose lost Redis state was rebuilt from the event history, by what revealed the loss (input, stale, sweep)',
    labelNames: ['trigger'] as const,
    registers: [this.registry],
  });
  readonly recoverySweepChecked = new Counter({
    name: 'percolator_recovery_sweep_checked_total',
    help: 'Executions the recovery sweep checked (running in the history) after Redis lost its data',
    registers: [this.registry],
  });
  readonly recoverySweepRunning = new Gauge({
    name: 'percolator_recovery_sweep_running',
    help: '1 while this instance sweeps for executions Redis lost, else 0',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix: 'percolator_' });
      // prom-client's `*_total` variants of these are gauges, which a `_total` name must not be (promtool says
      // so). The per-type gauges without the suffix carry the same numbers: sum them for a total.
      for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total'])
        this.registry.removeSingleMetric(`percolator_nodejs_${name}`);
    }
  }

  /** Times an async call into a histogram with the given labels. */
  async time<T>(histogram: Histogram<'operation'>, operation: string, call: () => Promise<T>): Promise<T> {
    const end = histogram.startTimer({ operation });
    try {
      return await call();
    } finally {
      end();
    }
  }
}
