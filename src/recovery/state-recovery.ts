// Puts back execution state that Redis lost (a restart without persistence, FLUSHALL, a failover to a lagging
// replica): the execution's lifecycle events, from the Postgres history and, where the history sink lags, from the
// events topic (event-tail), are folded into its state (core/rebuild), which is
// written with a version above whatever Redis holds, and what was in flight (agent commands, child starts, timers,
// event waits) goes through the outbox again with the same ids, so agents and the timer store dedupe it.
import { rebuild, IncompleteHistoryError, type RebuiltExecution } from '../core/rebuild.js';
import { TERMINAL_STATUSES, type ExecutionEvent, type ExecutionState } from '../core/model.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { EffectEncoder } from '../orchestrator/effects.js';
import type { OutboxPublisher, PendingOutbox } from '../orchestrator/outbox-publisher.js';
import type { WorkflowGraphs } from '../orchestrator/workflow-graphs.js';
import type { Admission, ExecutionStore, StoredExecution, Transition } from '../state/index.js';
import type { ExecutionRepository, RecordedEvent } from '../store/execution-repository.js';
import { mergeEvents, type EventTail, type TailEvents } from './event-tail.js';
import { storedSeq } from './stored-seq.js';
import { toCoreEvents } from './recorded-events.js';

/** What revealed the loss: an input for a missing state, an input refused by a state behind the history, the sweep. */
export type RebuildTrigger = 'input' | 'stale' | 'sweep';

export interface StateRecoveryDeps {
  store: ExecutionStore;
  graphs: WorkflowGraphs;
  encoder: EffectEncoder;
  publisher: OutboxPublisher;
  admission: Admission;
  executions: ExecutionRepository;
  tail: EventTail;
  logger: Logger;
  metrics: Metrics;
}

interface Plan {
  executionId: string;
  current: StoredExecution | null;
  rebuilt: RebuiltExecution;
}

export class StateRecovery {
  constructor(private readonly deps: StateRecoveryDeps) {}

  // Since when Redis may have come back from a failover or restart with older data than the history (set on
  // every reconnection, cleared by a sweep check that finds Redis unchanged since the last sweep).
  private suspectSince: number | undefined;

  /** Redis reconnected: until the sweep has looked, every loaded state is checked against the history. */
  markSuspect(): void {
    this.suspectSince ??= Date.now();
  }

  /** A check that started at `asOf` found Redis swept (or swept it): reconnections before then are cleared. */
  clearSuspect(asOf: number): void {
    if (this.suspectSince !== undefined && this.suspectSince <= asOf) this.suspectSince = undefined;
  }

  /**
   * The processor's hook, with the states it loaded for a batch: executions that got inputs other than a start
   * but have no state, and (after a reconnection, until the sweep has looked) executions whose state is behind
   * the history, are rebuilt. Returns the new entries of those rebuilt.
   */
  async reconcile(
    inputs: ReadonlyMap<string, readonly { input: { kind: string } }[]>,
    stored: ReadonlyMap<string, StoredExecution | null>,
  ): Promise<Map<string, StoredExecution | null>> {
    // Until the sweep has looked after a reconnection, a start without state may be the redelivery of one whose
    // state was lost with Redis: it is checked against the history too, so it does not start the execution anew.
    const missing = [...inputs]
      .filter(
        ([id, list]) =>
          !stored.get(id) &&
          (this.suspectSince !== undefined || list.some((input) => input.input.kind !== 'start')),
      )
      .map(([id]) => id);
    const suspects = this.suspectSince === undefined ? [] : [...inputs.keys()].filter((id) => stored.get(id));
    if (missing.length === 0 && suspects.length === 0) return new Map();
    const tail = await this.deps.tail.read();
    const seqs = await this.lastSeqs(suspects, tail);
    const behind = suspects.filter((id) => (seqs.get(id) ?? 0) > storedSeq(stored.get(id) ?? null));
    if (missing.length === 0 && behind.length === 0) return new Map();
    await this.rebuildMany(missing, 'input', { tail });
    await this.rebuildMany(behind, 'stale', { tail });
    return this.deps.store.loadMany([...missing, ...behind]);
  }

  /**
   * Executions whose inputs the core refused: those whose state is behind the history (Redis lost its latest
   * writes) are rebuilt, and their ids returned so that the refused inputs are routed again.
   */
  async recoverBehind(executionIds: readonly string[]): Promise<Set<string>> {
    const [seqs, stored] = await Promise.all([
      this.deps.executions.lastEventSeqs(executionIds),
      this.deps.store.loadMany(executionIds),
    ]);
    const behind = executionIds.filter((id) => (seqs.get(id) ?? 0) > storedSeq(stored.get(id) ?? null));
    if (behind.length === 0) return new Set();
    return this.rebuildMany(behind, 'stale');
  }

  /** The last seq of each execution's events: the history's, or the tail's where it is further. */
  async lastSeqs(executionIds: readonly string[], tail: TailEvents): Promise<Map<string, number>> {
    const seqs = await this.deps.executions.lastEventSeqs(executionIds);
    for (const id of executionIds) {
      const last = tail.get(id)?.at(-1)?.seq ?? 0;
      if (last > (seqs.get(id) ?? 0)) seqs.set(id, last);
    }
    return seqs;
  }

  /**
   * Rebuilds the executions whose stored state is missing or behind their history; the rest are left alone.
   * Returns the ids rebuilt here or, concurrently, by another instance.
   */
  async rebuildMany(
    executionIds: readonly string[],
    trigger: RebuildTrigger,
    options: { tail?: TailEvents } = {},
  ): Promise<Set<string>> {
    if (executionIds.length === 0) return new Set();
    const tail = options.tail ?? (await this.deps.tail.read());
    const [histories, stored] = await Promise.all([
      this.deps.executions.lifecycleEvents(executionIds),
      this.deps.store.loadMany(executionIds),
    ]);
    const plans: Plan[] = [];
    for (const executionId of executionIds) {
      const recorded = mergeEvents(histories.get(executionId), tail.get(executionId));
      if (!recorded) continue;
      const current = stored.get(executionId) ?? null;
      if (storedSeq(current) >= recorded.length) continue;
      const plan = await this.plan(executionId, recorded, current);
      if (plan) plans.push(plan);
    }
    if (plans.length === 0) return new Set();
    await this.dropKnownChildren(plans, tail);
    return this.write(plans, trigger);
  }

  private async plan(
    executionId: string,
    recorded: readonly RecordedEvent[],
    current: StoredExecution | null,
  ): Promise<Plan | undefined> {
    let events: ExecutionEvent[];
    try {
      events = toCoreEvents(executionId, recorded);
    } catch (error) {
      if (!(error instanceof IncompleteHistoryError)) throw error;
      this.deps.logger.error({ executionId, reason: error.message }, 'cannot rebuild a lost execution state');
      return undefined;
    }
    const started = events[0];
    if (started?.type !== 'ExecutionStarted') {
      this.deps.logger.error({ executionId }, 'cannot rebuild a lost execution state: no ExecutionStarted');
      return undefined;
    }
    const graph = await this.deps.graphs.pinned(started.workflowId, started.workflowVersion);
    return { executionId, current, rebuilt: await rebuild(graph, events) };
  }

  /**
   * A child start is re-sent only when the child has no history at all: a child that did start has its own state
   * (rebuilt in turn if lost), and a second start could otherwise run a finished child again.
   */
  private async dropKnownChildren(plans: Plan[], tail: TailEvents): Promise<void> {
    const children = plans.flatMap((plan) =>
      plan.rebuilt.inFlight.flatMap((command) =>
        command.type === 'StartChildExecution' ? [command.childExecutionId] : [],
      ),
    );
    if (children.length === 0) return;
    const known = await this.deps.executions.lastEventSeqs(children);
    for (const plan of plans) {
      plan.rebuilt.inFlight = plan.rebuilt.inFlight.filter(
        (command) =>
          command.type !== 'StartChildExecution' ||
          (!known.has(command.childExecutionId) && !tail.has(command.childExecutionId)),
      );
    }
  }

  private async write(plans: readonly Plan[], trigger: RebuildTrigger): Promise<Set<string>> {
    const now = Date.now();
    const transitions: Transition[] = plans.map(({ executionId, current, rebuilt }) => ({
      executionId,
      expectedVersion: current?.version ?? 0,
      // The same rebuild by two instances at once is one transition: the second is refused as a duplicate.
      inputId: `rebuild:${rebuilt.state.seq}`,
      state: JSON.stringify(rebuilt.state),
      commands: this.deps.encoder.records({
        before: rebuilt.state,
        after: rebuilt.state,
        events: [],
        commands: rebuilt.inFlight,
        now,
      }),
      finished: TERMINAL_STATUSES.has(rebuilt.state.status),
    }));
    const results = await this.deps.store.applyMany(transitions);
    const outboxes: PendingOutbox[] = [];
    const running: string[] = [];
    const settled = new Set<string>();
    results.forEach((result, index) => {
      const plan = plans[index]!;
      settled.add(plan.executionId);
      if (result.outcome !== 'applied') return;
      const transition = transitions[index]!;
      outboxes.push({
        executionId: plan.executionId,
        entries: transition.commands.map((record, n) => ({ id: result.outboxIds[n]!, record })),
      });
      if (!transition.finished) running.push(plan.executionId);
      this.deps.metrics.stateRebuilds.inc({ trigger });
      this.deps.logger.warn(
        {
          executionId: plan.executionId,
          trigger,
          lostVersion: plan.current?.version ?? null,
          lostSeq: storedSeq(plan.current),
          seq: plan.rebuilt.state.seq,
          status: plan.rebuilt.state.status,
          reissued: plan.rebuilt.inFlight.length,
        },
        'execution state was lost in Redis; rebuilt it from the history',
      );
    });
    await this.deps.publisher.publish(outboxes);
    await this.occupySlots(running);
    return settled;
  }

  /**
   * Gives rebuilt running executions their admission slots back. One may have finished in between (an input
   * routed on the rebuilt state) and freed its slot before this takes it: those are found finished afterwards
   * and freed again, so no slot stays taken for good.
   */
  private async occupySlots(executionIds: readonly string[]): Promise<void> {
    if (executionIds.length === 0) return;
    await this.deps.admission.occupy(executionIds);
    const stored = await this.deps.store.loadMany(executionIds);
    const finished = executionIds.filter((id) => hasFinished(stored.get(id) ?? null));
    if (finished.length > 0) await this.deps.publisher.releaseSlots(finished);
  }
}

function hasFinished(stored: StoredExecution | null): boolean {
  if (!stored) return false;
  try {
    return TERMINAL_STATUSES.has((JSON.parse(stored.state) as ExecutionState).status);
  } catch {
    return false;
  }
}
