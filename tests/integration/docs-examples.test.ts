// The workflow examples of docs/workflow-language.md run end to end on the real stack with the built-in agents,
// and take the path the text says they take.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuiltinAgents } from '../../src/agents/builtin/index.js';
import type { ExecutionState } from '../../src/core/model.js';
import { createLogger } from '../../src/observability/logger.js';
import { TestEngine } from '../support/engine.js';
import { testServices } from '../support/services.js';

const EXAMPLES = 'tests/fixtures/workflows/examples/';
// Several agent round trips on a loaded 2-core machine.
const RUN_TIMEOUT_MS = 90_000;

describe('docs examples on the real stack', () => {
  let engine: TestEngine;
  let pool: pg.Pool;
  const names = new Map<string, string>();

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: testServices().databaseUrl, max: 8 });
    const agents = createBuiltinAgents({
      pool,
      config: {},
      logger: createLogger({ level: 'silent' }),
      llm: null,
    });
    engine = await TestEngine.start({ label: 'docs-examples', agents, orchestrators: 1, partitions: 1 });
    for (const example of ['sequential', 'parallel', 'conditional', 'event-driven', 'hybrid']) {
      const definition = parse(readFileSync(`${EXAMPLES}${example}.yaml`, 'utf8')) as {
        workflow: Record<string, unknown>;
      };
      names.set(example, await engine.register(definition));
    }
  }, 120_000);

  afterAll(async () => {
    await engine?.stop();
    await pool?.end();
  });

  const statuses = (state: ExecutionState) =>
    Object.fromEntries(Object.entries(state.steps).map(([id, step]) => [id, step.status]));

  async function runToEnd(example: string, input: unknown): Promise<ExecutionState> {
    const id = await engine.run(names.get(example)!, input);
    return engine.waitFor(id, undefined, RUN_TIMEOUT_MS);
  }

  it('sequential: drafts, polishes and sends, with the mapped output', async () => {
    const state = await runToEnd('sequential', { brand_id: 'acme', topic: 'spring sale' });
    expect(state.status).toBe('completed');
    expect(state.output).toEqual({ delivered: 1, subject: 'SPRING SALE' });
  }, 120_000);

  it('parallel: publishes on three platforms, then reports', async () => {
    const state = await runToEnd('parallel', { brand_id: 'acme', text: 'Doors open at nine #sale' });
    expect(statuses(state)).toEqual({
      prepare: 'succeeded',
      post_twitter: 'succeeded',
      post_linkedin: 'succeeded',
      post_instagram: 'succeeded',
      report: 'succeeded',
    });
    expect(state.status).toBe('completed');
  }, 120_000);

  it('conditional: a friendly review gets a reply, an angry one is escalated', async () => {
    const friendly = await runToEnd('conditional', {
      feedback: 'Lovely coffee and great service, thank you!',
    });
    expect(friendly.status).toBe('completed');
    expect(friendly.steps['auto_reply']?.status).toBe('succeeded');
    expect(friendly.steps['escalate']?.status ?? 'not run').not.toBe('succeeded');
    const angry = await runToEnd('conditional', {
      feedback: 'The barista was rude and my coffee arrived cold. Terrible service.',
    });
    expect(angry.status).toBe('completed');
    expect(angry.steps['escalate']?.status).toBe('succeeded');
    expect(angry.steps['auto_reply']?.status ?? 'not run').not.toBe('succeeded');
  }, 180_000);

  it('event-driven: the forecast from the event’s sales history succeeds and recommends a quantity', async () => {
    const id = await engine.run(names.get('event-driven')!, {
      product_id: 'sku-docs',
      quantity: 3,
      recent_sales: [5, 6, 7, 6, 8, 9, 7, 8, 10, 9],
    });
    const state = await engine.waitFor(
      id,
      (current) =>
        current.steps['forecast']?.status !== undefined &&
        !['pending', 'running'].includes(current.steps['forecast'].status),
      RUN_TIMEOUT_MS,
    );
    expect(state.steps['forecast']?.status).toBe('succeeded');
    expect(state.steps['forecast']?.output).toMatchObject({ recommended_order_quantity: expect.any(Number) });
  }, 120_000);

  it('hybrid: the seed generates content and passes or optimises it at the quality gate', async () => {
    const state = await runToEnd('hybrid', { brand_id: 'acme', content_topic: 'spring sale' });
    expect(state.status).toBe('completed');
    expect(state.steps['generate_content']?.status).toBe('succeeded');
  }, 120_000);
});
