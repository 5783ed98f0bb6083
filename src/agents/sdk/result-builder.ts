// Builds the AgentResult of a command from what its handler did. Pure: the clock readings come in as
// arguments, so tests pin every field.
import type { AgentCommand, AgentError, AgentResult, TokenUsage } from '../../kafka/envelopes.js';
import type { TokenUsageReport } from './define-agent.js';

export type CommandOutcome =
  { status: 'SUCCEEDED'; outputJson: string } | { status: 'FAILED'; error: AgentError };

export interface ResultMeta {
  agentId: string;
  agentType: string;
  startedAt: number;
  completedAt: number;
  tokenUsage: TokenUsage | null;
}

export function buildResult(command: AgentCommand, outcome: CommandOutcome, meta: ResultMeta): AgentResult {
  return {
    command_id: command.command_id,
    execution_id: command.execution_id,
    step_id: command.step_id,
    attempt: command.attempt,
    status: outcome.status,
    output_json: outcome.status === 'SUCCEEDED' ? outcome.outputJson : null,
    output_avro: null,
    error: outcome.status === 'FAILED' ? outcome.error : null,
    agent_id: meta.agentId,
    agent_type: meta.agentType,
    duration_ms: Math.max(0, Math.round(meta.completedAt - meta.startedAt)),
    token_usage: meta.tokenUsage,
    completed_at: meta.completedAt,
    trace_context: { ...(command.trace_context ?? {}) },
  };
}

/**
 * The JSON text of a handler's return value; `undefined` becomes `null`. Throws a TypeError for values
 * JSON cannot carry (BigInt, cycles, functions at the top).
 */
export function outputToJson(output: unknown): string {
  const text = JSON.stringify(output === undefined ? null : output);
  if (typeof text !== 'string') throw new TypeError(`output of type ${typeof output} is not JSON`);
  return text;
}

const INT32_MAX = 2 ** 31 - 1;

function count(value: number | undefined, name: string): number {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value < 0 || value > INT32_MAX) {
    throw new TypeError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

/** Adds up the token counts a handler reports over its model calls; models used are listed comma-separated. */
export class TokenUsageTally {
  private prompt = 0;
  private completion = 0;
  private total = 0;
  private readonly models: string[] = [];
  private reported = false;

  add(usage: TokenUsageReport): void {
    const prompt = count(usage.promptTokens, 'promptTokens');
    const completion = count(usage.completionTokens, 'completionTokens');
    const total =
      usage.totalTokens === undefined ? prompt + completion : count(usage.totalTokens, 'totalTokens');
    this.prompt = Math.min(INT32_MAX, this.prompt + prompt);
    this.completion = Math.min(INT32_MAX, this.completion + completion);
    this.total = Math.min(INT32_MAX, this.total + total);
    const model = String(usage.model ?? '').trim();
    if (model && !this.models.includes(model)) this.models.push(model);
    this.reported = true;
  }

  /** null when nothing was reported, so agents that call no model send no token_usage. */
  value(): TokenUsage | null {
    if (!this.reported) return null;
    return {
      prompt_tokens: this.prompt,
      completion_tokens: this.completion,
      total_tokens: this.total,
      model: this.models.join(','),
    };
  }
}
