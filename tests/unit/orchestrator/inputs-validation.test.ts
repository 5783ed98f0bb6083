import { describe, expect, it } from 'vitest';
import type { DecodedEnvelope } from '../../../src/kafka/envelopes.js';
import { toOrchestratorInput } from '../../../src/orchestrator/inputs.js';

const source = { topic: 't', partition: 0, offset: '1' };

function start(overrides: Record<string, unknown>): DecodedEnvelope {
  return {
    name: 'StartExecution',
    value: {
      execution_id: 'e-1',
      workflow_id: '',
      workflow_name: 'w',
      input_json: '{}',
      trigger: { type: 'API' },
      requested_at: 0,
      ...overrides,
    },
  } as DecodedEnvelope;
}

function poisonOf(envelope: DecodedEnvelope): { code: string; message: string } | undefined {
  const result = toOrchestratorInput(envelope, 0, source);
  return 'poison' in result ? result.poison : undefined;
}

describe('orchestrator inputs: validated before they touch state', () => {
  it('accepts a well-formed start', () => {
    expect(poisonOf(start({}))).toBeUndefined();
    expect(poisonOf(start({ workflow_id: '8f14e45f-ceea-467a-9b36-1b2c3d4e5f60' }))).toBeUndefined();
  });

  it.each([
    ['an empty execution id', { execution_id: '' }, 'INVALID_RECORD', /execution_id is empty/],
    ['a brace', { execution_id: 'a{b}' }, 'INVALID_RECORD', /brace/],
    ['a newline', { execution_id: 'a\nb' }, 'INVALID_RECORD', /line break/],
    ['a NUL', { execution_id: 'a\u0000b' }, 'INVALID_RECORD', /NUL/],
    ['a 10,000-character id', { execution_id: 'x'.repeat(10_000) }, 'INVALID_RECORD', /limit is 512/],
    ['a non-UUID workflow id', { workflow_id: 'nope' }, 'INVALID_WORKFLOW_ID', /not a UUID/],
    ['no workflow at all', { workflow_name: '' }, 'INVALID_RECORD', /workflow_name is empty/],
    ['3,000 levels', { input_json: '['.repeat(3000) + ']'.repeat(3000) }, 'PAYLOAD_LIMIT', /64 levels/],
    ['a NUL in the input', { input_json: '{"a":"\\u0000"}' }, 'PAYLOAD_LIMIT', /NUL/],
    ['input that is not JSON', { input_json: '{' }, 'INVALID_JSON', /input_json is not JSON/],
  ])('dead-letters a start with %s', (_name, overrides, code, message) => {
    const poison = poisonOf(start(overrides));
    expect(poison?.code).toBe(code);
    expect(poison?.message).toMatch(message);
  });

  it('dead-letters an agent result with an empty execution id or an attempt of 0', () => {
    const result = (overrides: Record<string, unknown>) =>
      ({
        name: 'AgentResult',
        value: {
          command_id: 'c',
          execution_id: 'e',
          step_id: 's',
          attempt: 1,
          status: 'SUCCEEDED',
          output_json: '{}',
          agent_id: 'a',
          agent_type: 't',
          duration_ms: 1,
          completed_at: 0,
          ...overrides,
        },
      }) as DecodedEnvelope;
    expect(poisonOf(result({}))).toBeUndefined();
    expect(poisonOf(result({ execution_id: '' }))?.message).toMatch(/execution_id is empty/);
    expect(poisonOf(result({ attempt: 0 }))?.message).toMatch(/attempt must be a positive integer/);
  });
});
