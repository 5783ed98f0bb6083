// The built-in actions' declared JSON Schemas against what they really do: each action runs on real Postgres
// with an input its input schema accepts, and its real output (as JSON, as it travels) must match its output
// schema, which is closed, so a field the declaration forgot fails here.
import { randomUUID } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuiltinAgents } from '../../src/agents/builtin/index.js';
import type { AgentDefinition } from '../../src/agents/sdk/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { migrate } from '../../src/store/migrate.js';
import { testServices } from '../support/services.js';
import { invoke } from '../unit/agents/builtin/support.js';

const ajv = new Ajv2020({ strict: false, allErrors: true });

describe('built-in actions match their declared schemas', () => {
  const services = testServices();
  let pool: pg.Pool;
  let agents: Map<string, AgentDefinition>;
  const covered = new Set<string>();

  beforeAll(async () => {
    await migrate({ databaseUrl: services.databaseUrl });
    pool = new pg.Pool({ connectionString: services.databaseUrl, max: 4 });
    agents = new Map(
      createBuiltinAgents({ pool, config: {}, logger: createLogger({ level: 'silent' }), llm: null }).map(
        (agent) => [agent.type, agent],
      ),
    );
  });

  afterAll(async () => {
    await pool?.end();
  });

  /** Runs `type.action` with `input` after checking the input schema accepts it; checks the output. */
  async function run(
    type: string,
    action: string,
    input: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const definition = agents.get(type)?.actions.get(action);
    expect(definition?.inputJsonSchema, `${type}.${action} declares an input schema`).toBeTruthy();
    expect(definition?.outputJsonSchema, `${type}.${action} declares an output schema`).toBeTruthy();
    const acceptsInput = ajv.compile(definition!.inputJsonSchema!);
    expect(acceptsInput(input) ? [] : acceptsInput.errors).toEqual([]);
    const output = JSON.parse(JSON.stringify(await invoke(agents.get(type)!, action, input))) as Record<
      string,
      unknown
    >;
    const matches = ajv.compile(definition!.outputJsonSchema!);
    expect(matches(output) ? [] : matches.errors).toEqual([]);
    covered.add(`${type}.${action}`);
    return output;
  }

  it('feedback-analyst', async () => {
    const feedback = 'The barista was rude and my coffee arrived cold. Terrible service.';
    const analysis = await run('feedback-analyst', 'analyze_feedback', { feedback });
    expect(analysis).toMatchObject({ sentiment: 'negative', label: 'negative' });
    await run('feedback-analyst', 'analyze_feedback', {
      feedback_items: ['Great!', { id: 7, text: 'Too slow' }],
    });
    await run('feedback-analyst', 'categorize_feedback', { feedback });
    await run('feedback-analyst', 'categorize_feedback', { feedback_items: ['Too pricey', 'Late delivery'] });
    await run('feedback-analyst', 'generate_response', { feedback, customer_name: 'Ana' });
  });

  it('inventory', async () => {
    const sku = `sku-${randomUUID()}`;
    await run('inventory', 'update_inventory', { product_id: sku, delta: 12, reorder_point: 3 });
    await run('inventory', 'check_stock', { product_id: sku, required_quantity: 2 });
    await run('inventory', 'check_stock', { product_ids: [sku, `${sku}-none`] });
    const forecast = await run('inventory', 'forecast_demand', {
      product_id: sku,
      sales_history: [5, 6, 7, 6, 8, 9, 7, 8, 10, 9],
      current_stock: 4,
    });
    expect(forecast['recommended_order_quantity']).toEqual(expect.any(Number));
  });

  it('notifier', async () => {
    await run('notifier', 'send_notification', { message: 'hello', channel: 'log', subject: 'Hi' });
    await run('notifier', 'create_alert', { title: 'Stock out', severity: 'critical', labels: { sku: 'a' } });
    const subject = `order-${randomUUID()}`;
    await run('notifier', 'update_status', { subject, status: 'shipped' });
    await run('notifier', 'update_status', { subject, status: 'delivered', message: 'left at the door' });
  });

  it('social-media-content', async () => {
    const created = await run('social-media-content', 'create_content', {
      brand_id: 'acme',
      content_topic: 'spring sale',
      platforms: ['twitter', 'linkedin'],
    });
    await run('social-media-content', 'enhance_content', {
      content: created['content'],
      platform: 'twitter',
      content_topic: 'spring sale',
    });
    await run('social-media-content', 'analyze_content', { content: String(created['content']) });
    const scheduled = await run('social-media-content', 'schedule_content', {
      brand_id: 'acme',
      content: 'Spring sale starts Monday #sale',
      platform: 'twitter',
      publish_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await run('social-media-content', 'publish_content', { post_id: scheduled['post_id'] });
    await run('social-media-content', 'publish_content', {
      brand_id: 'acme',
      content: 'Doors open at nine #sale',
      platform: 'linkedin',
    });
  });

  it('every action of every built-in agent was run above', () => {
    const all = [...agents.values()].flatMap((agent) =>
      [...agent.actions.keys()].map((a) => `${agent.type}.${a}`),
    );
    expect(all).toHaveLength(14);
    expect([...covered].sort()).toEqual(all.sort());
  });
});
