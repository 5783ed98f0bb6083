import { describe, expect, it } from 'vitest';
import { buildResult, outputToJson, TokenUsageTally } from '../../../src/agents/sdk/result-builder.js';
import type { AgentCommand } from '../../../src/kafka/envelopes.js';

const command: AgentCommand = {
  command_id: 'cmd-1',
  execution_id: 'exec-1',
  step_id: 'step-a',
  attempt: 2,
  workflow_name: 'wf',
  workflow_version: 3,
  agent_type: 'echo',
  action: 'echo',
  input_json: '{}',
  deadline: 10_000,
  trace_context: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  issued_at: 1_000,
};
const meta = {
  agentId: 'echo-1',
  agentType: 'echo',
  startedAt: 1_000,
  completedAt: 1_250.6,
  tokenUsage: null,
};

describe('buildResult', () => {
  it('copies the ids from the command and fills a success', () => {
    expect(buildResult(command, { status: 'SUCCEEDED', outputJson: '{"a":1}' }, meta)).toEqual({
      command_id: 'cmd-1',
      execution_id: 'exec-1',
      step_id: 'step-a',
      attempt: 2,
      status: 'SUCCEEDED',
      output_json: '{"a":1}',
      output_avro: null,
      error: null,
      agent_id: 'echo-1',
      agent_type: 'echo',
      duration_ms: 251,
      token_usage: null,
      completed_at: 1_250.6,
      trace_context: command.trace_context,
    });
  });

  it('carries the error and no output for a failure, and never a negative duration', () => {
    const error = { code: 'X', message: 'x', retriable: true, retry_after_ms: 100 };
    const result = buildResult(command, { status: 'FAILED', error }, { ...meta, completedAt: 900 });
    expect(result).toMatchObject({ status: 'FAILED', error, output_json: null, duration_ms: 0 });
  });
});

describe('outputToJson', () => {
  it('serialises values, undefined as null', () => {
    expect(outputToJson({ a: [1, 'b'] })).toBe('{"a":[1,"b"]}');
    expect(outputToJson(undefined)).toBe('null');
    expect(outputToJson('text')).toBe('"text"');
  });

  it('throws for what JSON cannot carry', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => outputToJson(cyclic)).toThrow();
    expect(() => outputToJson(10n)).toThrow();
    expect(() => outputToJson(() => 1)).toThrow(TypeError);
  });
});

describe('TokenUsageTally', () => {
  it('is null until something is reported', () => {
    expect(new TokenUsageTally().value()).toBeNull();
  });

  it('adds up counts over calls and lists each model once', () => {
    const tally = new TokenUsageTally();
    tally.add({ promptTokens: 10, completionTokens: 5, model: 'small' });
    tally.add({ promptTokens: 1, completionTokens: 2, totalTokens: 4, model: 'large' });
    tally.add({ promptTokens: 0, completionTokens: 0, model: 'small' });
    expect(tally.value()).toEqual({
      prompt_tokens: 11,
      completion_tokens: 7,
      total_tokens: 19,
      model: 'small,large',
    });
  });

  it('refuses counts that are not non-negative integers', () => {
    const tally = new TokenUsageTally();
    expect(() => tally.add({ promptTokens: -1, completionTokens: 0, model: 'm' })).toThrow(TypeError);
    expect(() => tally.add({ promptTokens: 1.5, completionTokens: 0, model: 'm' })).toThrow(TypeError);
  });
});
