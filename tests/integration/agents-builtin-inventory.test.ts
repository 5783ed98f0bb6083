// The inventory agent's actions against real Postgres: stock that never goes negative, even under racing
// commands, redelivered commands applied once, and forecasts from the stored sales history.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryAgent } from '../../src/agents/builtin/inventory/agent.js';
import type { AgentDefinition } from '../../src/agents/sdk/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { migrate } from '../../src/store/migrate.js';
import { testServices } from '../support/services.js';
import { handlerContext, invoke } from '../unit/agents/builtin/support.js';

describe('inventory agent', () => {
  const services = testServices();
  let pool: pg.Pool;
  let agent: AgentDefinition;

  beforeAll(async () => {
    await migrate({ databaseUrl: services.databaseUrl });
    pool = new pg.Pool({ connectionString: services.databaseUrl, max: 12 });
    agent = createInventoryAgent({ pool, config: {}, logger: createLogger({ level: 'silent' }), llm: null });
  });

  afterAll(async () => {
    await pool?.end();
  });

  const product = () => `sku-${randomUUID()}`;

  it('adds stock, takes it, and reports levels with their status', async () => {
    const sku = product();
    const added = await invoke(agent, 'update_inventory', { product_id: sku, delta: 10, reorder_point: 4 });
    expect(added).toMatchObject({
      product_id: sku,
      delta: 10,
      quantity: 10,
      previous_quantity: 0,
      reorder_point: 4,
      reason: 'restock',
      replayed: false,
      status: 'in_stock',
    });
    const taken = await invoke(agent, 'update_inventory', { product_id: sku, delta: -7 });
    expect(taken).toMatchObject({ quantity: 3, previous_quantity: 10, reason: 'sale', status: 'low_stock' });

    expect(await invoke(agent, 'check_stock', { product_id: sku })).toMatchObject({
      product_id: sku,
      quantity: 3,
      reorder_point: 4,
      status: 'low_stock',
      available: true,
    });
    const many = await invoke(agent, 'check_stock', {
      product_ids: [sku, 'sku-never-seen'],
      required_quantity: 2,
    });
    expect(many).toMatchObject({
      all_available: false,
      items: [
        { product_id: sku, quantity: 3, available: true },
        { product_id: 'sku-never-seen', quantity: 0, status: 'unknown', available: false },
      ],
    });
    const movements = await pool.query(
      'SELECT delta, quantity_after, reason FROM inventory_movements WHERE product_id = $1 ORDER BY id',
      [sku],
    );
    expect(movements.rows).toEqual([
      { delta: 10, quantity_after: 10, reason: 'restock' },
      { delta: -7, quantity_after: 3, reason: 'sale' },
    ]);
    const sales = await pool.query('SELECT quantity FROM sales_history WHERE product_id = $1', [sku]);
    expect(sales.rows).toEqual([{ quantity: 7 }]);
  });

  it('refuses to go below zero with a non-retriable INSUFFICIENT_STOCK and leaves the stock as it was', async () => {
    const sku = product();
    await invoke(agent, 'update_inventory', { product_id: sku, delta: 2 });
    await expect(invoke(agent, 'update_inventory', { product_id: sku, delta: -3 })).rejects.toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      retriable: false,
      message: `product ${sku}: 3 requested, 2 in stock`,
    });
    expect(await invoke(agent, 'check_stock', { product_id: sku })).toMatchObject({ quantity: 2 });
    await expect(
      invoke(agent, 'update_inventory', { product_id: product(), delta: -1 }),
    ).rejects.toMatchObject({
      code: 'PRODUCT_NOT_FOUND',
      retriable: false,
    });
  });

  it('lets exactly as many racing takes succeed as there is stock', async () => {
    const sku = product();
    await invoke(agent, 'update_inventory', { product_id: sku, delta: 5 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, () => invoke(agent, 'update_inventory', { product_id: sku, delta: -1 })),
    );
    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const lost = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(won).toHaveLength(5);
    expect(lost).toHaveLength(7);
    for (const reason of lost) expect(reason).toMatchObject({ code: 'INSUFFICIENT_STOCK' });
    const row = await pool.query('SELECT quantity FROM inventory WHERE product_id = $1', [sku]);
    expect(row.rows[0].quantity).toBe(0);
  });

  it('applies a redelivered command once, even when both deliveries run at the same time', async () => {
    const sku = product();
    await invoke(agent, 'update_inventory', { product_id: sku, delta: 10 });
    const ctx = handlerContext();
    const [first, second] = await Promise.all([
      invoke(agent, 'update_inventory', { product_id: sku, delta: -4 }, ctx),
      invoke(agent, 'update_inventory', { product_id: sku, delta: -4 }, ctx),
    ]);
    expect([first!.quantity, second!.quantity]).toEqual([6, 6]);
    expect([first!.replayed, second!.replayed].sort()).toEqual([false, true]);
    const third = await invoke(agent, 'update_inventory', { product_id: sku, delta: -4 }, ctx);
    expect(third).toMatchObject({ quantity: 6, previous_quantity: 10, replayed: true });
    expect((await invoke(agent, 'check_stock', { product_id: sku })).quantity).toBe(6);
  });

  it('applies a retry of the same step once: attempts differ in command id, not in idempotency key', async () => {
    const sku = product();
    await invoke(agent, 'update_inventory', { product_id: sku, delta: 3 });
    const attempt1 = handlerContext();
    const attempt2 = handlerContext({
      commandId: `${attempt1.executionId}:step:2`,
      executionId: attempt1.executionId,
      idempotencyKey: attempt1.idempotencyKey,
      attempt: 2,
    });
    const first = await invoke(agent, 'update_inventory', { product_id: sku, delta: -1 }, attempt1);
    const retry = await invoke(agent, 'update_inventory', { product_id: sku, delta: -1 }, attempt2);
    expect(first).toMatchObject({ quantity: 2, replayed: false });
    expect(retry).toMatchObject({ quantity: 2, previous_quantity: 3, replayed: true });
    const takes = await pool.query(
      'SELECT idempotency_key FROM inventory_movements WHERE product_id = $1 AND delta < 0',
      [sku],
    );
    expect(takes.rows).toEqual([{ idempotency_key: attempt1.idempotencyKey }]);
  });

  it('forecasts from a supplied history with Holt and from a supplied seasonal one with Holt-Winters', async () => {
    const holt = await invoke(agent, 'forecast_demand', {
      sales_history: [10, 12, 13, 15, 18],
      horizon: 3,
      alpha: 0.5,
      beta: 0.5,
      lead_time: 2,
      review_period: 1,
      current_stock: 30,
    });
    expect(holt).toMatchObject({
      method: 'holt',
      parameters: { alpha: 0.5, beta: 0.5 },
      history_source: 'input',
      forecast: [19.39, 21.38, 23.36],
      lead_time_demand: 40.77,
      should_reorder: true,
      recommended_order_quantity: 37,
    });
    const seasonal = await invoke(agent, 'forecast_demand', {
      sales_history: [10, 20, 12, 22, 14, 24],
      season_length: 2,
      alpha: 0.5,
      beta: 0.5,
      gamma: 0.5,
      horizon: 2,
    });
    expect(seasonal).toMatchObject({
      method: 'holt-winters',
      parameters: { season_length: 2, gamma: 0.5 },
      forecast: [15.79, 26.14],
      stock_on_hand: null,
      recommended_order_quantity: null,
    });
    await expect(invoke(agent, 'forecast_demand', { sales_history: [4, 5] })).rejects.toMatchObject({
      code: 'INSUFFICIENT_HISTORY',
      retriable: false,
    });
  });

  it('forecasts from the stored daily sales, counting days without sales as 0, against the stored stock', async () => {
    const sku = product();
    await invoke(agent, 'update_inventory', { product_id: sku, delta: 20 });
    // Ten days: 10, 12, 14, …, 28, with day 5 missing (no sales recorded).
    for (let day = 0; day < 10; day++) {
      if (day === 5) continue;
      await pool.query(
        `INSERT INTO sales_history (product_id, period, quantity) VALUES ($1, current_date - $2::int, $3)`,
        [sku, 9 - day, 10 + 2 * day],
      );
    }
    const output = await invoke(agent, 'forecast_demand', { product_id: sku, horizon: 4, lead_time: 3 });
    expect(output).toMatchObject({
      product_id: sku,
      method: 'holt',
      history_source: 'sales_history',
      history_periods: 10,
      stock_on_hand: 20,
      should_reorder: true,
    });
    expect(output.forecast).toHaveLength(4);
    expect(output.recommended_order_quantity).toBeGreaterThan(0);
    expect(output.reorder_point).toBeGreaterThan(output.lead_time_demand as number);
  });
});
