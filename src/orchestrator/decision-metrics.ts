// What one applied decision adds to the metrics: executions started and ended, step durations, retries,
// commands dispatched. Labels stay bounded: workflow name, step type, agent type, status.
import type { GraphStep, WorkflowGraph } from '../core/graph.js';
import type { Command, ExecutionEvent, ExecutionState } from '../core/model.js';
import type { Metrics } from '../observability/metrics.js';

const ENDINGS = {
  ExecutionCompleted: 'completed',
  ExecutionFailed: 'failed',
  ExecutionCancelled: 'cancelled',
  ExecutionTimedOut: 'timed_out',
} as const;

const STEP_OUTCOMES = {
  StepSucceeded: 'succeeded',
  StepFailed: 'failed',
  StepTimedOut: 'timed_out',
} as const;

export interface AppliedDecision {
  graph: WorkflowGraph;
  state: ExecutionState;
  events: readonly ExecutionEvent[];
  commands: readonly Command[];
}

export function recordDecision(metrics: Metrics, { graph, state, events, commands }: AppliedDecision): void {
  const workflow = graph.name;
  for (const event of events) {
    if (event.type === 'ExecutionStarted') {
      metrics.executionsStarted.inc({ workflow });
    } else if (event.type in ENDINGS) {
      const status = ENDINGS[event.type as keyof typeof ENDINGS];
      metrics.executionsFinished.inc({ workflow, status });
      metrics.executionDuration.observe({ workflow, status }, Math.max(0, event.at - state.startedAt) / 1000);
    } else if (event.type in STEP_OUTCOMES && 'stepId' in event) {
      const step: GraphStep | undefined = graph.steps.get(event.stepId);
      const startedAt = state.steps[event.stepId]?.startedAt;
      if (step && startedAt !== undefined) {
        metrics.stepDuration.observe(
          {
            workflow,
            step_type: step.type,
            outcome: STEP_OUTCOMES[event.type as keyof typeof STEP_OUTCOMES],
          },
          Math.max(0, event.at - startedAt) / 1000,
        );
      }
    } else if (event.type === 'StepRetryScheduled') {
      metrics.retries.inc({ workflow });
    }
  }
  for (const command of commands) {
    if (command.type === 'DispatchStep') metrics.commandsDispatched.inc({ agent_type: command.agentType });
  }
}
