// Runs the commands of one agent without knowing about Kafka: one execution per command id at a time,
// a bounded memory of recent results for redeliveries, the concurrency limit, the deadline, cancellation
// and shutdown. Every command submitted ends in exactly one outcome: a result to publish, or "given back"
// (the agent is stopping and the command should go to another instance, so nothing is published).
import type { AgentCommand, AgentResult, CancelCommand } from '../../kafka/envelopes.js';
import type { Logger } from '../../observability/logger.js';
import { CommandAborted, SDK_ERROR_CODES, toErrorRecord } from './agent-error.js';
import { ConcurrencyLimiter, type Release } from './concurrency-limiter.js';
import type { ActionDefinition, AgentDefinition, HandlerContext } from './define-agent.js';
import { LruCache } from './lru-cache.js';
import { withSpan } from '../../observability/tracing.js';
import { buildResult, outputToJson, TokenUsageTally, type CommandOutcome } from './result-builder.js';

export type RunOutcome = { kind: 'result'; result: AgentResult; replay: boolean } | { kind: 'given-back' };

/** What a CancelCommand did. */
export type CancelEffect =
  | 'aborted' // the handler was running; its signal is aborted
  | 'dequeued' // the command was waiting for a slot and will not run
  | 'remembered' // the command was not seen yet; it will not run if it arrives
  | 'already-finished'; // its result is known; nothing to do

export interface CommandRunnerOptions {
  agent: AgentDefinition;
  agentId: string;
  logger: Logger;
  /** Command ids whose results are remembered for redeliveries. Default 10 000. */
  resultCacheSize?: number;
  /** Cancelled command ids remembered for commands not seen yet. Default 10 000. */
  cancelledCacheSize?: number;
  /** How long an aborted handler may take to settle before its failure is reported anyway. Default 1 000 ms. */
  abortGraceMs?: number;
  /** Largest output_json, in UTF-8 bytes; a larger output fails as INVALID_OUTPUT. Default 900 000. */
  maxOutputBytes?: number;
  now?: () => number;
}

interface InFlight {
  controller: AbortController;
  started: boolean;
  done: Promise<RunOutcome>;
}

export const DEFAULT_RESULT_CACHE_SIZE = 10_000;
export const DEFAULT_ABORT_GRACE_MS = 1_000;
// Below the brokers' default message size limit of 1 MiB, leaving room for the rest of the result. A result
// the brokers refuse would be retried forever and hold back every result behind it.
export const DEFAULT_MAX_OUTPUT_BYTES = 900_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

function failure(code: string, message: string, retriable: boolean): CommandOutcome {
  return { status: 'FAILED', error: { code, message, retriable, retry_after_ms: null } };
}

/** The failure an aborted command reports: the abort's reason, whatever the handler did meanwhile. */
function abortFailure(reason: unknown): CommandOutcome {
  return { status: 'FAILED', error: toErrorRecord(reason) };
}

function isShutdown(reason: unknown): boolean {
  return reason instanceof CommandAborted && reason.kind === 'shutdown';
}

export class CommandRunner {
  readonly limiter: ConcurrencyLimiter;
  private readonly results: LruCache<string, AgentResult>;
  private readonly cancelled: LruCache<string, string>;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly agent: AgentDefinition;
  private readonly agentId: string;
  private readonly logger: Logger;
  private readonly abortGraceMs: number;
  private readonly maxOutputBytes: number;
  private readonly now: () => number;
  private stopping = false;

  constructor(options: CommandRunnerOptions) {
    this.agent = options.agent;
    this.agentId = options.agentId;
    this.logger = options.logger;
    this.limiter = new ConcurrencyLimiter(options.agent.concurrency);
    this.results = new LruCache(options.resultCacheSize ?? DEFAULT_RESULT_CACHE_SIZE);
    this.cancelled = new LruCache(options.cancelledCacheSize ?? DEFAULT_RESULT_CACHE_SIZE);
    this.abortGraceMs = options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS;
    this.maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.now = options.now ?? Date.now;
  }

  /** Handlers running right now. */
  get running(): number {
    return this.limiter.active;
  }

  /** Commands accepted and not finished: running or waiting for a slot. */
  get pending(): number {
    return this.inFlight.size;
  }

  /**
   * Runs a command, or answers a redelivery: a command whose result is remembered is not run again and
   * its result comes back with `replay: true`; one that is still running shares the first run's result.
   */
  submit(command: AgentCommand): Promise<RunOutcome> {
    const id = command.command_id;
    const known = this.results.get(id);
    if (known) return Promise.resolve({ kind: 'result', result: known, replay: true });
    const current = this.inFlight.get(id);
    if (current) {
      return current.done.then((outcome) =>
        outcome.kind === 'result' ? { ...outcome, replay: true } : outcome,
      );
    }
    if (this.stopping) return Promise.resolve({ kind: 'given-back' });
    const entry: InFlight = {
      controller: new AbortController(),
      started: false,
      done: Promise.resolve({ kind: 'given-back' }),
    };
    this.inFlight.set(id, entry);
    entry.done = this.execute(command, entry).finally(() => this.inFlight.delete(id));
    return entry.done;
  }

  cancel(cancel: CancelCommand): CancelEffect {
    const id = cancel.command_id;
    if (this.results.has(id)) return 'already-finished';
    this.cancelled.set(id, cancel.reason);
    const entry = this.inFlight.get(id);
    if (!entry) return 'remembered';
    entry.controller.abort(new CommandAborted('cancelled', `cancelled: ${cancel.reason}`));
    return entry.started ? 'aborted' : 'dequeued';
  }

  /**
   * Stops taking commands: those waiting for a slot are given back at once; running handlers get
   * `timeoutMs` to finish, then their signals abort and what has not finished is given back.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.stopping = true;
    const giveBack = () => new CommandAborted('shutdown', 'the agent is stopping');
    for (const entry of this.inFlight.values()) {
      if (!entry.started) entry.controller.abort(giveBack());
    }
    const all = () => Promise.allSettled([...this.inFlight.values()].map((entry) => entry.done));
    if (await settlesWithin(all(), timeoutMs)) return;
    for (const entry of this.inFlight.values()) entry.controller.abort(giveBack());
    await settlesWithin(all(), this.abortGraceMs + 100);
  }

  private async execute(command: AgentCommand, entry: InFlight): Promise<RunOutcome> {
    const receivedAt = this.now();
    const finish = (outcome: CommandOutcome, startedAt = receivedAt, tally?: TokenUsageTally): RunOutcome => {
      const result = buildResult(command, outcome, {
        agentId: this.agentId,
        agentType: this.agent.type,
        startedAt,
        completedAt: this.now(),
        tokenUsage: tally?.value() ?? null,
      });
      this.results.set(command.command_id, result);
      return { kind: 'result', result, replay: false };
    };

    const cancelReason = this.cancelled.get(command.command_id);
    if (cancelReason !== undefined) {
      return finish(failure(SDK_ERROR_CODES.cancelled, `cancelled: ${cancelReason}`, false));
    }
    const action = this.agent.actions.get(command.action);
    if (!action) {
      const offered = [...this.agent.actions.keys()].join(', ');
      return finish(
        failure(
          SDK_ERROR_CODES.unknownAction,
          `agent ${this.agent.type} has no action ${JSON.stringify(command.action)} (it offers ${offered})`,
          false,
        ),
      );
    }
    let input: unknown;
    try {
      input = JSON.parse(command.input_json);
    } catch (error) {
      return finish(
        failure(SDK_ERROR_CODES.invalidInput, `input_json is not JSON: ${(error as Error).message}`, false),
      );
    }
    const invalidInput = schemaProblems(action.inputType, input);
    if (invalidInput) {
      return finish(
        failure(
          SDK_ERROR_CODES.invalidInput,
          `input does not match the action's schema at ${invalidInput}`,
          false,
        ),
      );
    }

    const { signal } = entry.controller;
    const remaining = command.deadline - this.now();
    if (remaining <= 0) {
      return finish(
        failure(
          SDK_ERROR_CODES.deadlineExceeded,
          `the deadline passed ${-remaining} ms before the command could start`,
          true,
        ),
      );
    }
    const timer = setTimeout(
      () =>
        entry.controller.abort(
          new CommandAborted(
            'deadline',
            `the deadline of ${new Date(command.deadline).toISOString()} passed`,
          ),
        ),
      // Node fires a longer timer at once (TimeoutOverflowWarning); a deadline weeks away is "not soon".
      Math.min(remaining, MAX_TIMER_MS),
    );
    timer.unref?.();
    try {
      let release: Release;
      try {
        release = await this.limiter.acquire(signal);
      } catch (reason) {
        return isShutdown(reason) ? { kind: 'given-back' } : finish(abortFailure(reason));
      }
      entry.started = true;
      const startedAt = this.now();
      const tally = new TokenUsageTally();
      try {
        const outcome = await this.invoke(action, command, input, signal, tally);
        if (outcome === 'given-back') return { kind: 'given-back' };
        return finish(outcome, startedAt, tally);
      } finally {
        release();
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private async invoke(
    action: ActionDefinition,
    command: AgentCommand,
    input: unknown,
    signal: AbortSignal,
    tally: TokenUsageTally,
  ): Promise<CommandOutcome | 'given-back'> {
    const logger = this.logger.child({
      commandId: command.command_id,
      executionId: command.execution_id,
      stepId: command.step_id,
      attempt: command.attempt,
      action: command.action,
    });
    const ctx: HandlerContext = {
      commandId: command.command_id,
      idempotencyKey: command.idempotency_key || command.command_id,
      executionId: command.execution_id,
      stepId: command.step_id,
      attempt: command.attempt,
      action: command.action,
      agentType: this.agent.type,
      agentId: this.agentId,
      workflowName: command.workflow_name,
      workflowVersion: command.workflow_version,
      deadline: command.deadline,
      signal,
      logger,
      traceContext: Object.freeze({ ...(command.trace_context ?? {}) }),
      reportTokenUsage: (usage) => tally.add(usage),
    };
    const settled = withSpan(
      `agent ${this.agent.type}.${command.action}`,
      {
        parent: ctx.traceContext.traceparent,
        kind: 'consumer',
        attributes: {
          'percolator.execution_id': command.execution_id,
          'percolator.step_id': command.step_id,
          'percolator.command_id': command.command_id,
          'percolator.attempt': command.attempt,
        },
      },
      async () => action.handler(input, ctx),
    ).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const grace = graceAfterAbort(signal, this.abortGraceMs);
    const first = await Promise.race([settled, grace.expired]);
    grace.cancel();
    if (first === 'expired') {
      logger.warn(
        { graceMs: this.abortGraceMs },
        'handler ignored its abort signal; reporting the abort without it',
      );
    }
    if (signal.aborted) {
      return isShutdown(signal.reason) ? 'given-back' : abortFailure(signal.reason);
    }
    if (first === 'expired') return failure(SDK_ERROR_CODES.exception, 'handler did not settle', true);
    if (!first.ok) {
      const error = toErrorRecord(first.error);
      if (error.code === SDK_ERROR_CODES.exception) logger.warn({ err: first.error }, 'handler threw');
      return { status: 'FAILED', error };
    }
    let outputJson: string;
    try {
      outputJson = outputToJson(first.value);
    } catch (error) {
      return failure(SDK_ERROR_CODES.invalidOutput, `output is not JSON: ${(error as Error).message}`, false);
    }
    const bytes = Buffer.byteLength(outputJson, 'utf8');
    if (bytes > this.maxOutputBytes) {
      return failure(
        SDK_ERROR_CODES.invalidOutput,
        `output is ${bytes} bytes of JSON, more than the limit of ${this.maxOutputBytes}`,
        false,
      );
    }
    // The schema sees the output as the orchestrator will (after JSON), so it reads the text back, but
    // only for actions that declare one: the common path serializes once and parses nothing.
    const invalidOutput = action.outputType
      ? schemaProblems(action.outputType, JSON.parse(outputJson))
      : null;
    if (invalidOutput) {
      return failure(
        SDK_ERROR_CODES.invalidOutput,
        `output does not match the action's schema at ${invalidOutput}`,
        false,
      );
    }
    return { status: 'SUCCEEDED', outputJson };
  }
}

/** Paths where `value` breaks the schema, or null when it matches (or there is no schema). */
function schemaProblems(type: ActionDefinition['inputType'], value: unknown): string | null {
  if (!type) return null;
  const paths: string[] = [];
  type.isValid(value, { errorHook: (path) => paths.push(path.join('.') || '(root)') });
  return paths.length > 0 ? paths.join(', ') : null;
}

/** A promise that resolves 'expired' `graceMs` after the signal aborts; never, if it does not. */
function graceAfterAbort(
  signal: AbortSignal,
  graceMs: number,
): { expired: Promise<'expired'>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    onAbort = () => {
      timer = setTimeout(() => resolve('expired'), graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return {
    expired,
    cancel: () => {
      if (timer) clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
    },
  };
}

async function settlesWithin(promise: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
