// The router's vocabulary: execution state, the inputs it reacts to, the events it records and the commands
// it asks the shell to carry out. Commands are imperative (DispatchStep), events past tense (StepSucceeded).
import type { Json } from './graph.js';

export type ExecutionStatus =
  'pending' | 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled' | 'timed_out';
export type StepStatus =
  'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'timed_out' | 'cancelled' | 'compensated';

/** What started an execution: `api`, `cron` (with the tick's scheduled time), `event`, `sub_workflow`. */
export interface ExecutionTrigger {
  type: string;
  id?: string;
  scheduledTime?: number;
}

export interface StepError {
  code: string;
  message: string;
  retriable: boolean;
  retryAfterMs?: number;
}

export interface StepState {
  status: StepStatus;
  attempt: number;
  /** The command id of the current attempt (agent steps), the child execution id (sub_workflow). */
  commandId?: string;
  startedAt?: number;
  finishedAt?: number;
  output?: Json;
  error?: StepError;
  /** Set while a retry timer is pending: the attempt it will start. */
  retryAt?: number;
  /** The current attempt's deadline (agent and sub_workflow steps with a timeout); a result at or after it is late. */
  deadline?: number;
  /** wait_for_event: the correlation key this step listens for. */
  correlationKey?: string;
  /** wait_for_event: running but only waiting for an outside event (the execution shows as `waiting`). */
  awaiting?: string;
}

export interface ExecutionState {
  executionId: string;
  workflowId: string;
  workflowName: string;
  workflowVersion: number;
  status: ExecutionStatus;
  input: Json;
  startedAt: number;
  finishedAt?: number;
  /** Bumped by every event; the lifecycle events carry it so consumers can order and dedupe. */
  seq: number;
  steps: Record<string, StepState>;
  /** Join bookkeeping: target step → predecessor → whether that edge was taken. */
  arrivals: Record<string, Record<string, boolean>>;
  /** Succeeded steps in completion order: the expression context's "most recent" rule and compensation order. */
  completed: string[];
  output?: Json;
  error?: StepError & { stepId?: string };
  /** While compensating: the steps still to undo, next first. */
  compensating?: string[];
  /** The outcome to record once compensation has finished. */
  pendingOutcome?: { status: 'failed'; error: StepError & { stepId?: string } };
  parent?: { executionId: string; stepId: string };
  trigger?: ExecutionTrigger;
  traceparent?: string;
}

// ---- Inputs -------------------------------------------------------------------------------------------------

export interface StartInput {
  kind: 'start';
  executionId: string;
  input: Json;
  trigger?: ExecutionTrigger;
  parent?: { executionId: string; stepId: string };
  /** Cancelled while it waited for admission: recorded as started and cancelled at once, nothing runs. */
  cancelReason?: string;
  /** The W3C trace the request belongs to; the execution's commands continue it. */
  traceparent?: string;
}

/** The answer to a DispatchStep from an agent, or to a StartChildExecution from the child when it ends. */
export interface StepResultInput {
  kind: 'stepResult';
  commandId: string;
  stepId: string;
  attempt: number;
  status: 'succeeded' | 'failed';
  output?: Json;
  error?: StepError;
}

export type TimerKind = 'retry' | 'stepTimeout' | 'delay' | 'workflowTimeout';

export interface TimerFiredInput {
  kind: 'timerFired';
  timerId: string;
  timer: TimerKind;
  stepId?: string;
  attempt?: number;
}

export interface SignalInput {
  kind: 'signal';
  eventType: string;
  eventId: string;
  correlationKey?: string;
  data: Json;
}

export interface CancelInput {
  kind: 'cancel';
  reason: string;
}

export type RouterInput = StartInput | StepResultInput | TimerFiredInput | SignalInput | CancelInput;

// ---- Events -------------------------------------------------------------------------------------------------

export type ExecutionEvent =
  | {
      type: 'ExecutionStarted';
      at: number;
      executionId: string;
      workflowId: string;
      workflowName: string;
      workflowVersion: number;
      input: Json;
      trigger?: ExecutionTrigger;
      parent?: { executionId: string; stepId: string };
      traceparent?: string;
    }
  | {
      type: 'StepScheduled';
      at: number;
      stepId: string;
      attempt: number;
      commandId?: string;
      /** Agent and sub_workflow steps with a timeout: when this attempt times out. */
      deadline?: number;
      awaiting?: string;
      correlationKey?: string;
    }
  | {
      type: 'StepSucceeded';
      at: number;
      stepId: string;
      attempt: number;
      output: Json;
      taken: string[];
      notTaken: string[];
    }
  | { type: 'StepSkipped'; at: number; stepId: string; notTaken: string[] }
  | { type: 'StepFailed'; at: number; stepId: string; attempt: number; error: StepError }
  /** `error` says whether the timeout may be retried (a wait for an event may not); absent in older events. */
  | { type: 'StepTimedOut'; at: number; stepId: string; attempt: number; error?: StepError }
  | { type: 'StepRetryScheduled'; at: number; stepId: string; attempt: number; retryAt: number }
  /** The execution ended (cancel, timeout, failure, an `end` step) while this step was in flight or due a retry. */
  | { type: 'StepCancelled'; at: number; stepId: string; attempt: number; reason: string }
  /** on_failure: continue — the failed step lets its successors go on as if it had succeeded with no output. */
  | { type: 'StepFailureIgnored'; at: number; stepId: string; taken: string[]; notTaken: string[] }
  | { type: 'StepCompensationScheduled'; at: number; stepId: string; commandId: string }
  | { type: 'StepCompensated'; at: number; stepId: string; succeeded: boolean }
  | { type: 'CompensationStarted'; at: number; steps: string[]; error: StepError & { stepId?: string } }
  | { type: 'ExecutionCompleted'; at: number; output: Json }
  | { type: 'ExecutionFailed'; at: number; error: StepError & { stepId?: string } }
  | { type: 'ExecutionCancelled'; at: number; reason: string }
  | { type: 'ExecutionTimedOut'; at: number };

export type ExecutionEventType = ExecutionEvent['type'];

// ---- Commands -----------------------------------------------------------------------------------------------

export type Command =
  | {
      type: 'DispatchStep';
      commandId: string;
      /** Equal across the attempts of one step execution; agents record side effects under it. */
      idempotencyKey: string;
      stepId: string;
      attempt: number;
      agentType: string;
      action: string;
      input: Json;
      deadline?: number;
      compensation?: boolean;
    }
  | { type: 'CancelStep'; commandId: string; stepId: string; agentType: string; reason: string }
  | {
      type: 'ScheduleTimer';
      timerId: string;
      dueAt: number;
      timer: TimerKind;
      stepId?: string;
      attempt?: number;
    }
  | { type: 'CancelTimer'; timerId: string }
  | {
      type: 'StartChildExecution';
      childExecutionId: string;
      stepId: string;
      workflow: string;
      version?: number;
      input: Json;
    }
  | { type: 'CancelChildExecution'; childExecutionId: string; reason: string }
  | {
      type: 'NotifyParent';
      parentExecutionId: string;
      stepId: string;
      childExecutionId: string;
      status: 'completed' | 'failed' | 'cancelled' | 'timed_out';
      output?: Json;
      error?: StepError;
    }
  | { type: 'AwaitEvent'; stepId: string; eventType: string; correlationKey?: string }
  | { type: 'StopAwaitingEvent'; stepId: string; eventType: string; correlationKey?: string }
  /** Frees this execution's admission slot (MAX_CONCURRENT_WORKFLOWS). */
  | { type: 'ReleaseSlot' };

export interface RouteContext {
  /** The input record's timestamp: the core never reads the clock. Inputs are judged, and events dated, by it. */
  now: number;
  /**
   * When the shell routes the input (its clock), if later than `now`: an agent or child step's deadline counts
   * from it, so a command issued by an orchestrator that lags behind its input gets the whole step timeout
   * instead of one that expired before it was sent. The deadline is recorded in StepScheduled, so a rebuild
   * reproduces it.
   */
  issuedAt?: number;
}

export type RouteOutcome =
  | { accepted: true; events: ExecutionEvent[]; commands: Command[]; state: ExecutionState }
  | { accepted: false; reason: string };

export const TERMINAL_STATUSES: ReadonlySet<ExecutionStatus> = new Set([
  'completed',
  'failed',
  'cancelled',
  'timed_out',
]);
