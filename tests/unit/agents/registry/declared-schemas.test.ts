// Schemas announced in heartbeats reach the validator: JSON Schema as sent, Avro translated, and a foreign agent's
// declared output then catches a wrong field in a definition.
import { describe, expect, it } from 'vitest';
import { AgentRegistry } from '../../../../src/agents/registry/index.js';
import { buildHeartbeat } from '../../../../src/agents/sdk/records.js';
import { defineAgent } from '../../../../src/agents/sdk/define-agent.js';
import { parseDefinition } from '../../../../src/definition/index.js';

const agent = defineAgent({
  type: 'scorer',
  version: '1.0.0',
  actions: {
    score: {
      input: {
        type: 'record',
        name: 'ScoreInput',
        fields: [
          { name: 'text', type: 'string' },
          { name: 'lang', type: ['null', 'string'], default: null },
        ],
      },
      outputJsonSchema: {
        type: 'object',
        properties: { rating: { type: 'integer' } },
        additionalProperties: false,
      },
      handler: () => ({ rating: 3 }),
    },
  },
});

describe('schemas in heartbeats', () => {
  const registry = new AgentRegistry({ now: () => 1_700_000_000_000 });
  registry.observeHeartbeat(
    buildHeartbeat(agent, 'scorer-1', { inFlight: 0, capacity: 4 }, 1_700_000_000_000),
  );

  it('announces Avro when declared and JSON Schema otherwise; the registry reads both as JSON Schema', () => {
    expect(registry.actionSchemas('scorer', 'score')).toEqual({
      input: {
        type: 'object',
        properties: { text: { type: 'string' }, lang: { anyOf: [{ type: 'null' }, { type: 'string' }] } },
        required: ['text'],
        additionalProperties: false,
      },
      output: { type: 'object', properties: { rating: { type: 'integer' } }, additionalProperties: false },
    });
    expect(registry.actionSchemas('scorer', 'other')).toBeUndefined();
  });

  it('lets the validator check a live agent’s fields and required inputs', () => {
    const { problems } = parseDefinition(
      `workflow:
  name: scoring
  steps:
    - {id: s, type: agent, agent_type: scorer, action: score, input: "{ 'lang': 'en' }"}
    - {id: t, type: transform, output: "{ 'r': s.ratng }"}
`,
      { agentCatalog: registry },
    );
    expect(problems.map((problem) => problem.message)).toEqual([
      'step `s` (scorer.score): score needs `text`',
      'step `s` (scorer.score) has no output field `ratng`; did you mean `rating`?',
    ]);
  });

  it('refuses an invalid JSON Schema when the agent is defined', () => {
    expect(() =>
      defineAgent({
        type: 'broken',
        version: '1',
        actions: { a: { inputJsonSchema: { type: 'nope' }, handler: () => null } },
      }),
    ).toThrow(/action a inputJsonSchema: not a valid JSON Schema/);
  });
});
