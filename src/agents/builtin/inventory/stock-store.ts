// The inventory tables. Stock changes by one conditional statement, so two commands racing for the last
// units cannot both win and the quantity never goes below zero; each change is recorded under its command's
// id, so a command delivered twice changes the stock once.
import type pg from 'pg';
import { AgentError } from '../../sdk/agent-error.js';

export interface StockLevel {
  product_id: string;
  quantity: number;
  reorder_point: number | null;
  updated_at: string;
}

export interface StockChange {
  product_id: string;
  delta: number;
  quantity: number;
  previous_quantity: number;
  reorder_point: number | null;
  reason: string;
  /** True when this command's change had already been applied (a redelivery). */
  replayed: boolean;
}

interface LevelRow {
  product_id: string;
  quantity: number;
  reorder_point: number | null;
  updated_at: Date;
}

export async function stockLevels(
  pool: pg.Pool,
  productIds: readonly string[],
): Promise<Map<string, StockLevel>> {
  const result = await pool.query<LevelRow>(
    'SELECT product_id, quantity, reorder_point, updated_at FROM inventory WHERE product_id = ANY($1::text[])',
    [productIds],
  );
  return new Map(
    result.rows.map((row) => [row.product_id, { ...row, updated_at: row.updated_at.toISOString() }] as const),
  );
}

const UNIQUE_VIOLATION = '23505';

export interface ChangeRequest {
  productId: string;
  delta: number;
  reason: string;
  reorderPoint?: number;
  idempotencyKey: string;
}

export async function changeStock(pool: pg.Pool, request: ChangeRequest): Promise<StockChange> {
  try {
    return await changeOnce(pool, request);
  } catch (error) {
    // Two deliveries of one command ran at once and the other recorded its change first: answer with it.
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) return changeOnce(pool, request);
    throw error;
  }
}

async function changeOnce(pool: pg.Pool, request: ChangeRequest): Promise<StockChange> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const earlier = await client.query<{ delta: number; quantity_after: number; reason: string }>(
      'SELECT delta, quantity_after, reason FROM inventory_movements WHERE idempotency_key = $1',
      [request.idempotencyKey],
    );
    if (earlier.rows[0]) {
      await client.query('COMMIT');
      const row = earlier.rows[0];
      const levels = await stockLevels(pool, [request.productId]);
      return {
        product_id: request.productId,
        delta: row.delta,
        quantity: row.quantity_after,
        previous_quantity: row.quantity_after - row.delta,
        reorder_point: levels.get(request.productId)?.reorder_point ?? null,
        reason: row.reason,
        replayed: true,
      };
    }
    const reorderPoint = request.reorderPoint ?? null;
    const changed =
      request.delta >= 0
        ? await client.query<{ quantity: number; reorder_point: number | null }>(
            `INSERT INTO inventory (product_id, quantity, reorder_point) VALUES ($1, $2, $3)
             ON CONFLICT (product_id) DO UPDATE
               SET quantity = inventory.quantity + EXCLUDED.quantity,
                   reorder_point = COALESCE($3, inventory.reorder_point),
                   updated_at = now()
             RETURNING quantity, reorder_point`,
            [request.productId, request.delta, reorderPoint],
          )
        : await client.query<{ quantity: number; reorder_point: number | null }>(
            `UPDATE inventory
               SET quantity = quantity + $2, reorder_point = COALESCE($3, reorder_point), updated_at = now()
             WHERE product_id = $1 AND quantity + $2 >= 0
             RETURNING quantity, reorder_point`,
            [request.productId, request.delta, reorderPoint],
          );
    const row = changed.rows[0];
    if (!row) {
      const current = await client.query<{ quantity: number }>(
        'SELECT quantity FROM inventory WHERE product_id = $1',
        [request.productId],
      );
      await client.query('ROLLBACK');
      const available = current.rows[0]?.quantity;
      if (available === undefined) {
        throw new AgentError('PRODUCT_NOT_FOUND', `no stock record for product ${request.productId}`);
      }
      throw new AgentError(
        'INSUFFICIENT_STOCK',
        `product ${request.productId}: ${-request.delta} requested, ${available} in stock`,
      );
    }
    await client.query(
      `INSERT INTO inventory_movements (product_id, delta, quantity_after, reason, idempotency_key)
       VALUES ($1, $2, $3, $4, $5)`,
      [request.productId, request.delta, row.quantity, request.reason, request.idempotencyKey],
    );
    if (request.reason === 'sale' && request.delta < 0) {
      await client.query(
        `INSERT INTO sales_history (product_id, period, quantity) VALUES ($1, current_date, $2)
         ON CONFLICT (product_id, period) DO UPDATE SET quantity = sales_history.quantity + EXCLUDED.quantity`,
        [request.productId, -request.delta],
      );
    }
    await client.query('COMMIT');
    return {
      product_id: request.productId,
      delta: request.delta,
      quantity: row.quantity,
      previous_quantity: row.quantity - request.delta,
      reorder_point: row.reorder_point,
      reason: request.reason,
      replayed: false,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Units sold per day from sales_history, oldest first, over at most `days` days up to the latest recorded
 * day; days without a row count as 0 sold.
 */
export async function dailySales(pool: pg.Pool, productId: string, days: number): Promise<number[]> {
  const result = await pool.query<{ quantity: number }>(
    `WITH bounds AS (
       SELECT max(period) AS last FROM sales_history WHERE product_id = $1
     ), span AS (
       SELECT generate_series(
                GREATEST((SELECT min(period) FROM sales_history WHERE product_id = $1), last - ($2::int - 1)),
                last, interval '1 day')::date AS period
       FROM bounds WHERE last IS NOT NULL
     )
     SELECT COALESCE(h.quantity, 0) AS quantity
     FROM span LEFT JOIN sales_history h ON h.product_id = $1 AND h.period = span.period
     ORDER BY span.period`,
    [productId, days],
  );
  return result.rows.map((row) => row.quantity);
}
