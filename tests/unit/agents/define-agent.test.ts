import { describe, expect, it } from 'vitest';
import { AgentDefinitionError, defineAgent } from '../../../src/agents/sdk/define-agent.js';
import {
  buildDeadLetter,
  buildHeartbeat,
  commandTraceContext,
  heartbeatKey,
} from '../../../src/agents/sdk/records.js';
import type { AgentCommand } from '../../../src/kafka/envelopes.js';

const handler = () => null;

describe('defineAgent', () => {
  it('resolves a definition with defaults', () => {
    const agent = defineAgent({ type: 'my-agent', version: '2.1.0', actions: { go: { handler } } });
    expect(agent.concurrency).toBe(4);
    expect(agent.actions.get('go')).toMatchObject({ name: 'go', inputType: null, outputType: null });
    expect(Object.isFrozen(agent)).toBe(true);
  });

  it('lists every problem at once', () => {
    let caught: unknown;
    try {
      defineAgent({
        type: 'Bad Type',
        version: '',
        concurrency: 0,
        actions: { 'a b': { handler }, c: { input: { type: 'nonsense' }, handler } },
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AgentDefinitionError);
    const problems = (caught as AgentDefinitionError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/type "Bad Type"/);
    expect(problems.join('\n')).toMatch(/action c input: not a valid Avro schema/);
  });

  it('needs at least one action', () => {
    expect(() => defineAgent({ type: 'x', version: '1', actions: {} })).toThrow(/at least one action/);
  });
});

describe('agent records', () => {
  const agent = defineAgent({
    type: 'typed',
    version: '3',
    concurrency: 7,
    actions: {
      go: { description: 'goes', input: { type: 'record', name: 'In', fields: [] }, handler },
      free: { handler },
    },
  });

  it('a heartbeat advertises the actions with their schemas as JSON', () => {
    expect(heartbeatKey('typed', 'i-1')).toBe('typed/i-1');
    expect(buildHeartbeat(agent, 'i-1', { inFlight: 2, capacity: 7 }, 123)).toEqual({
      agent_type: 'typed',
      instance_id: 'i-1',
      version: '3',
      actions: [
        {
          name: 'go',
          description: 'goes',
          input_schema_json: '{"type":"record","name":"In","fields":[]}',
          output_schema_json: null,
        },
        { name: 'free', description: null, input_schema_json: null, output_schema_json: null },
      ],
      in_flight: 2,
      capacity: 7,
      sent_at: 123,
    });
  });

  it('a dead letter keeps the source coordinates, bytes and headers', () => {
    const letter = buildDeadLetter(
      {
        topic: 't',
        partition: 4,
        offset: '99',
        key: Buffer.from('k'),
        value: Buffer.from('garbage'),
        headers: { a: 'x', b: [Buffer.from('1'), Buffer.from('2')], c: undefined },
      },
      { code: 'NOT_AVRO', message: 'nope' },
      'g',
      5,
    );
    expect(letter).toEqual({
      reason_code: 'NOT_AVRO',
      message: 'nope',
      source_topic: 't',
      source_partition: 4,
      source_offset: 99,
      consumer_group: 'g',
      key: Buffer.from('k'),
      value: Buffer.from('garbage'),
      headers: { a: Buffer.from('x'), b: Buffer.from('2') },
      failed_at: 5,
    });
  });

  it('the trace context comes from the command, with headers filling gaps', () => {
    const command = { trace_context: { traceparent: 'from-field' } } as unknown as AgentCommand;
    expect(
      commandTraceContext(command, { traceparent: 'from-header', tracestate: Buffer.from('s=1') }),
    ).toEqual({
      traceparent: 'from-field',
      tracestate: 's=1',
    });
  });
});
