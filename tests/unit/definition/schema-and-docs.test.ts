// The editor schema and the reference document must agree with the validator: every example workflow is a
// fixture, appears verbatim in docs/workflow-language.md, passes `compileWorkflow` and the JSON Schema.
import { readFileSync, readdirSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { builtinAgentCatalog } from '../../../src/agents/builtin/builtin-catalog.js';
import { compileWorkflow } from '../../../src/definition/index.js';
import { SEED_WORKFLOW_YAML } from '../../../src/demo/seed-workflow.js';

const EXAMPLES = 'tests/fixtures/workflows/examples/';
const DOC = readFileSync('docs/workflow-language.md', 'utf8');
const schema = JSON.parse(readFileSync('schemas/workflow.schema.json', 'utf8')) as object;
const validateSchema = new Ajv2020({ strict: false, allErrors: true }).compile(schema);

// `<!-- example: NAME.yaml -->` followed by a fenced yaml block.
function docExamples(): Map<string, string> {
  const examples = new Map<string, string>();
  for (const match of DOC.matchAll(/<!-- example: ([\w-]+\.yaml) -->\s*```yaml\n([\s\S]*?)```/g)) {
    examples.set(match[1] as string, match[2] as string);
  }
  return examples;
}

describe('docs/workflow-language.md examples', () => {
  const fixtures = readdirSync(EXAMPLES).filter((name) => name.endsWith('.yaml'));
  const inDoc = docExamples();

  it('has one example per workflow type, each also a fixture', () => {
    expect(fixtures.sort()).toEqual([
      'conditional.yaml',
      'event-driven.yaml',
      'hybrid.yaml',
      'parallel.yaml',
      'sequential.yaml',
    ]);
    expect([...inDoc.keys()].sort()).toEqual(fixtures);
  });

  it.each(fixtures)('%s is the same text in the doc and the fixture, and compiles to its type', (name) => {
    const text = readFileSync(EXAMPLES + name, 'utf8');
    expect(inDoc.get(name)).toBe(text);
    const result = compileWorkflow(text);
    expect(result.problems).toEqual([]);
    expect(result.workflow?.computedType).toBe(name.replace('.yaml', ''));
  });

  // The built-in agents' declared types: every field an example reads, and every input it maps, exists.
  it.each(fixtures)('%s validates against the built-in agents, without a warning', (name) => {
    const result = compileWorkflow(readFileSync(EXAMPLES + name, 'utf8'), {
      agentCatalog: builtinAgentCatalog(),
    });
    expect(result.problems).toEqual([]);
  });

  it('the seed workflow validates against the built-in agents', () => {
    expect(compileWorkflow(SEED_WORKFLOW_YAML, { agentCatalog: builtinAgentCatalog() }).problems).toEqual([]);
  });

  it("uses the seed's example verbatim as the hybrid example", () => {
    expect(readFileSync(EXAMPLES + 'hybrid.yaml', 'utf8')).toBe(
      readFileSync('tests/fixtures/workflows/seed-content-creation.yaml', 'utf8'),
    );
  });
});

describe('schemas/workflow.schema.json', () => {
  const valid = [
    'tests/fixtures/workflows/seed-content-creation.yaml',
    'tests/fixtures/workflows/warning-type-mismatch.yaml',
    ...readdirSync(EXAMPLES).map((name) => EXAMPLES + name),
  ];

  it.each(valid)('accepts %s', (file) => {
    const accepted = validateSchema(parse(readFileSync(file, 'utf8')));
    expect(validateSchema.errors ?? []).toEqual([]);
    expect(accepted).toBe(true);
  });

  it.each([
    'tests/fixtures/workflows/invalid/unknown-step-type.yaml',
    'tests/fixtures/workflows/invalid/unknown-keys.yaml',
    'tests/fixtures/workflows/invalid/values.yaml',
    'tests/fixtures/workflows/invalid/agent-fields.yaml',
    'tests/fixtures/workflows/invalid/no-wrapper.yaml',
  ])('rejects %s', (file) => {
    expect(validateSchema(parse(readFileSync(file, 'utf8')))).toBe(false);
  });
});
