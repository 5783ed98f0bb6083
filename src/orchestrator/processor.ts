// The imperative shell around the pure core, for one batch of inputs: load the states of the batch's executions
// in one round trip, route every input, write all transitions in one pipeline (each one atomic, fenced by
// version, refusing duplicate inputs), publish the outboxes, and only then let the caller commit offsets.
import type { WorkflowGraph } from '../core/graph.js';
import { TERMINAL_STATUSES, type Command, type ExecutionState } from '../core/model.js';
import { route } from '../core/route.js';
import { PercolatorError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { recordDecision, type AppliedDecision } from './decision-metrics.js';
import type { Admission, ExecutionStore, OutboxRecord, Transition } from '../state/index.js';
import type { EffectEncoder } from './effects.js';
import type { OrchestratorInput } from './inputs.js';
import type { OutboxPublisher, PendingOutbox } from './outbox-publisher.js';
import type { WorkflowGraphs } from './workflow-graphs.js';
import type { StateRecovery } from '../recovery/state-recovery.js';

export interface ProcessorDeps {
  store: ExecutionStore;
  graphs: WorkflowGraphs;
  encoder: EffectEncoder;
  publisher: OutboxPublisher;
  admission: Admission;
  logger: Logger;
  metrics: Metrics;
  /** Turns a parked start record back into an input (to cancel a start still waiting for admission). */
  decodeStart: (record: Buffer) => Promise<OrchestratorInput | undefined>;
  /** The agent command topics among these that do not exist; absent: every topic is assumed to exist. */
  missingTopics?: (topics: readonly string[]) => Promise<string[]>;
  /** The commands topic of an agent type. */
  agentTopic?: (agentType: string) => string;
  /** Rebuilds state Redis lost from the history (src/recovery); without it a missing state is an unknown execution. */
  recovery?: Pick<StateRecovery, 'reconcile' | 'recoverBehind'>;
  /** The durable copy of parked starts (src/store/parked-start-repository), written before offsets are committed. */
  parkedStarts?: { save(starts: readonly { executionId: string; record: Buffer }[]): Promise<void> };
}

export interface Rejected {
  input: OrchestratorInput;
  code: string;
  reason: string;
}

export interface BatchReport {
  applied: number;
  duplicates: number;
  parked: number;
  /** Inputs the core refused as stale or out of place: logged and counted, not retried. */
  stale: Rejected[];
  /** Inputs that can never be processed (unknown execution or workflow): the caller dead-letters them. */
  poison: Rejected[];
}

interface PlannedTransition {
  transition: Transition;
  input: OrchestratorInput;
  decision: AppliedDecision;
}

const MAX_CONFLICT_ROUNDS = 5;

export class BatchProcessor {
  constructor(private readonly deps: ProcessorDeps) {}

  /** `startRecords` holds the raw value of each start input, kept by admission when the start must wait. */
  async process(
    inputs: readonly OrchestratorInput[],
    startRecords: ReadonlyMap<OrchestratorInput, Buffer>,
  ): Promise<BatchReport> {
    const report: BatchReport = { applied: 0, duplicates: 0, parked: 0, stale: [], poison: [] };
    const admitted = await this.admit(inputs, startRecords, report);
    await this.rounds(admitted, report);
    const rebuilt = await this.recoverBehind(report);
    if (rebuilt.length > 0) await this.rounds(rebuilt, report);
    // A start the router refused has an execution already: a parked copy of it (re-parked after a Redis loss
    // while the start itself went through) must not be re-injected for ever.
    const refusedStarts = report.stale.filter((rejected) => rejected.input.input.kind === 'start');
    if (refusedStarts.length > 0)
      await this.deps.admission.forget(refusedStarts.map((rejected) => rejected.input.executionId));
    return report;
  }

  private async rounds(inputs: readonly OrchestratorInput[], report: BatchReport): Promise<void> {
    let pending = inputs;
    for (let round = 1; pending.length > 0; round++) {
      if (round > MAX_CONFLICT_ROUNDS) {
        // Another writer keeps winning: most likely this instance lost its partitions. Redelivery will finish it.
        throw new PercolatorError(
          'STATE_CONFLICT',
          `${pending.length} inputs kept conflicting with another writer`,
          true,
        );
      }
      pending = await this.round(pending, report);
    }
  }

  /**
   * Recovery hook: refused inputs of executions whose state turns out to be behind the history (Redis lost its
   * latest writes) are taken back from the stale list, to be routed again on the rebuilt state.
   */
  private async recoverBehind(report: BatchReport): Promise<OrchestratorInput[]> {
    if (!this.deps.recovery || report.stale.length === 0) return [];
    const ids = [...new Set(report.stale.map((rejected) => rejected.input.executionId))];
    const rebuilt = await this.deps.recovery.recoverBehind(ids);
    if (rebuilt.size === 0) return [];
    const again = report.stale.filter((rejected) => rebuilt.has(rejected.input.executionId));
    report.stale = report.stale.filter((rejected) => !rebuilt.has(rejected.input.executionId));
    return again.map((rejected) => rejected.input);
  }

  private async admit(
    inputs: readonly OrchestratorInput[],
    startRecords: ReadonlyMap<OrchestratorInput, Buffer>,
    report: BatchReport,
  ): Promise<OrchestratorInput[]> {
    const starts = inputs.filter((input) => input.input.kind === 'start' && startRecords.has(input));
    const admitted = await this.deps.admission.admitMany(
      starts.map((input) => ({ executionId: input.executionId, record: startRecords.get(input)! })),
    );
    const parked = new Set(starts.filter((_, index) => !admitted[index]));
    await this.deps.parkedStarts?.save(
      [...parked].map((input) => ({ executionId: input.executionId, record: startRecords.get(input)! })),
    );
    const verdicts = inputs.map((input) => !parked.has(input));
    report.parked += verdicts.filter((admitted) => !admitted).length;
    return inputs.filter((_, index) => verdicts[index]);
  }

  /** One attempt at the given inputs; returns those that met a concurrent writer and must be routed again. */
  private async round(
    inputs: readonly OrchestratorInput[],
    report: BatchReport,
  ): Promise<OrchestratorInput[]> {
    const byExecution = new Map<string, OrchestratorInput[]>();
    for (const input of inputs) {
      const list = byExecution.get(input.executionId) ?? [];
      list.push(input);
      byExecution.set(input.executionId, list);
    }
    const stored = await this.deps.metrics.time(this.deps.metrics.redisCall, 'load_states', () =>
      this.deps.store.loadMany([...byExecution.keys()]),
    );
    // Recovery hook: states Redis lost (missing, or behind the history) are rebuilt before routing.
    if (this.deps.recovery) {
      for (const [id, entry] of await this.deps.recovery.reconcile(byExecution, stored))
        stored.set(id, entry);
    }
    const planned: PlannedTransition[] = [];
    const slotsToFree: string[] = [];
    const parentNotices: OutboxRecord[] = [];
    await Promise.all(
      [...byExecution].map(async ([executionId, list]) => {
        const current = stored.get(executionId) ?? null;
        planned.push(
          ...(await this.plan(executionId, list, current, report, { slotsToFree, parentNotices })),
        );
      }),
    );

    const { metrics } = this.deps;
    const results = await metrics.time(metrics.redisCall, 'apply_transitions', () =>
      this.deps.store.applyMany(planned.map((plan) => plan.transition)),
    );
    const applied: PlannedTransition[] = [];
    const outboxes: PendingOutbox[] = [];
    const retry: OrchestratorInput[] = [];
    const started: string[] = [];
    const conflicted = new Set<string>();
    results.forEach((result, index) => {
      const { transition, input } = planned[index]!;
      if (conflicted.has(transition.executionId)) {
        retry.push(input);
        return;
      }
      if (result.outcome === 'applied') {
        report.applied++;
        applied.push(planned[index]!);
        if (input.input.kind === 'start') started.push(input.executionId);
        outboxes.push({
          executionId: transition.executionId,
          entries: transition.commands.map((record, position) => ({
            id: result.outboxIds[position]!,
            record,
          })),
        });
      } else if (result.outcome === 'duplicate') {
        report.duplicates++;
        metrics.duplicateInputs.inc();
        // What a crashed predecessor wrote but may not have published.
        outboxes.push({ executionId: transition.executionId, entries: result.outbox });
      } else {
        conflicted.add(transition.executionId);
        retry.push(input);
      }
    });
    await this.deps.publisher.publish(outboxes);
    // Before the offsets are committed: a crash redelivers the child's start, which fails the same way again.
    if (parentNotices.length > 0) await this.deps.publisher.sendRecords(parentNotices);
    if (slotsToFree.length > 0) await this.deps.publisher.releaseSlots(slotsToFree);
    await this.deps.admission.forget(started);
    this.recordApplied(applied);
    return retry;
  }

  /** After publishing: what the decisions did, and how long their inputs took from Kafka to their effects. */
  private recordApplied(applied: readonly PlannedTransition[]): void {
    const { metrics } = this.deps;
    const now = Date.now();
    for (const { input, decision } of applied) {
      recordDecision(metrics, decision);
      if (decision.commands.length > 0) {
        metrics.orchestrationOverhead.observe(
          { input: input.input.kind },
          Math.max(0, now - input.timestamp) / 1000,
        );
      }
      if (input.input.kind === 'stepResult') {
        const agentType = decision.graph.steps.get(input.input.stepId)?.agent?.agentType ?? 'sub_workflow';
        metrics.resultsReceived.inc({ agent_type: agentType, status: input.input.status });
        if (input.agentDurationMs !== undefined) {
          metrics.agentResponse.observe({ agent_type: agentType }, input.agentDurationMs / 1000);
        }
      }
    }
  }

  /**
   * A cancel for an execution that has no state yet may target a start still waiting for admission: that start
   * is taken out of the queue and routed as started-and-cancelled, so it never runs and shows as cancelled.
   */
  private async cancelledBeforeStart(input: OrchestratorInput): Promise<OrchestratorInput | undefined> {
    if (input.input.kind !== 'cancel') return undefined;
    const record = await this.deps.admission.withdraw(input.executionId);
    const start = record ? await this.deps.decodeStart(record) : undefined;
    if (!start || start.input.kind !== 'start' || start.executionId !== input.executionId) return undefined;
    return {
      ...start,
      timestamp: input.timestamp,
      source: input.source,
      input: { ...start.input, cancelReason: input.input.reason },
    };
  }

  /**
   * Splits off the commands addressed to agent types whose commands topic does not exist: a dispatch becomes a
   * non-retriable AGENT_TYPE_UNKNOWN result for its step, a cancel is dropped (nothing can be running there).
   */
  private async withoutUnknownAgents(
    executionId: string,
    commands: readonly Command[],
  ): Promise<{
    kept: Command[];
    failed: Omit<OrchestratorInput, 'timestamp' | 'source'>[];
  }> {
    const { missingTopics, agentTopic } = this.deps;
    const agentCommands = commands.filter(
      (command) => command.type === 'DispatchStep' || command.type === 'CancelStep',
    );
    if (!missingTopics || !agentTopic || agentCommands.length === 0)
      return { kept: [...commands], failed: [] };
    const topics = [...new Set(agentCommands.map((command) => agentTopic(command.agentType)))];
    const missing = new Set(await missingTopics(topics));
    if (missing.size === 0) return { kept: [...commands], failed: [] };
    const kept: Command[] = [];
    const failed: Omit<OrchestratorInput, 'timestamp' | 'source'>[] = [];
    for (const command of commands) {
      if (command.type !== 'DispatchStep' && command.type !== 'CancelStep') {
        kept.push(command);
        continue;
      }
      const topic = agentTopic(command.agentType);
      if (!missing.has(topic)) {
        kept.push(command);
        continue;
      }
      if (command.type === 'CancelStep') continue;
      this.deps.logger.warn(
        { commandId: command.commandId, agentType: command.agentType, topic },
        'no commands topic for this agent type; failing the step',
      );
      failed.push({
        executionId,
        inputId: `result:${command.commandId}`,
        input: {
          kind: 'stepResult',
          commandId: command.commandId,
          stepId: command.stepId,
          attempt: command.attempt,
          status: 'failed',
          output: null,
          error: {
            code: 'AGENT_TYPE_UNKNOWN',
            message:
              `no agent of type '${command.agentType}' exists: its commands topic ${topic} was never ` +
              `created (is the agent type misspelt, or has no agent of this type ever started?)`,
            retriable: false,
          },
        },
      });
    }
    return { kept, failed };
  }

  private async plan(
    executionId: string,
    inputs: readonly OrchestratorInput[],
    current: { version: number; state: string } | null,
    report: BatchReport,
    out: { slotsToFree: string[]; parentNotices: OutboxRecord[] },
  ): Promise<PlannedTransition[]> {
    const { slotsToFree } = out;
    let state = current ? (JSON.parse(current.state) as ExecutionState) : null;
    let version = current?.version ?? 0;
    let graph: WorkflowGraph | undefined;
    const planned: PlannedTransition[] = [];
    const queue = [...inputs];
    while (queue.length > 0) {
      const received = queue.shift()!;
      const input = state === null ? ((await this.cancelledBeforeStart(received)) ?? received) : received;
      try {
        graph ??= state
          ? await this.deps.graphs.pinned(state.workflowId, state.workflowVersion)
          : input.start
            ? await this.deps.graphs.forStart(input.start)
            : undefined;
      } catch (error) {
        if (error instanceof PercolatorError && !error.retriable) {
          report.poison.push({ input, code: error.code, reason: error.message });
          if (input.input.kind === 'start') {
            slotsToFree.push(executionId);
            if (input.input.parent) {
              out.parentNotices.push(
                this.deps.encoder.childStartFailed(
                  { executionId, parent: input.input.parent },
                  error,
                  input.timestamp,
                ),
              );
            }
          }
          continue;
        }
        throw error;
      }
      if (!graph) {
        report.poison.push({ input, code: 'UNKNOWN_EXECUTION', reason: `no execution ${executionId}` });
        continue;
      }
      // Commands count their deadlines from when they are issued, not from the input's time, so a lagging
      // orchestrator still gives each one its whole step timeout (RouteContext.issuedAt).
      const issuedAt = Math.max(input.timestamp, Date.now());
      const outcome = await route(graph, state, input.input, { now: input.timestamp, issuedAt });
      if (!outcome.accepted) {
        report.stale.push({ input, code: 'REJECTED', reason: outcome.reason });
        this.deps.metrics.inputsRejected.inc({ input: input.input.kind });
        // A start repeated after its execution ended took a slot in admission that nothing else will free.
        if (input.input.kind === 'start' && state && TERMINAL_STATUSES.has(state.status))
          slotsToFree.push(executionId);
        continue;
      }
      const { kept, failed } = await this.withoutUnknownAgents(executionId, outcome.commands);
      const commands: OutboxRecord[] = this.deps.encoder.records({
        before: state,
        after: outcome.state,
        events: outcome.events,
        commands: kept,
        now: issuedAt,
      });
      // Each command for an agent type without a topic fails its step at once, as if the agent had answered.
      queue.unshift(
        ...failed.map((failure) => ({ ...failure, timestamp: input.timestamp, source: input.source })),
      );
      planned.push({
        input,
        decision: { graph, state: outcome.state, events: outcome.events, commands: kept },
        transition: {
          executionId,
          expectedVersion: version,
          inputId: input.inputId,
          state: JSON.stringify(outcome.state),
          commands,
          finished: TERMINAL_STATUSES.has(outcome.state.status),
        },
      });
      state = outcome.state;
      version += 1;
    }
    return planned;
  }
}
