// The inventory agent: stock levels, stock changes that never take stock below zero, and demand forecasts
// with a reorder point and an order quantity (formulas in forecast.ts and docs/agents.md).
import { AgentError } from '../../sdk/agent-error.js';
import { defineAgent, type AgentDefinition, type HandlerContext } from '../../sdk/define-agent.js';
import { withStore, type BuiltinAgentDeps } from '../deps.js';
import {
  inputObject,
  invalidInput,
  optionalNumber,
  optionalNumberList,
  optionalString,
  optionalStringList,
  requireId,
  requireNumber,
  type JsonObject,
} from '../input.js';
import { fitSeries, forecast, ForecastInputError, reorderPlan, round2 } from './forecast.js';
import { changeStock, dailySales, stockLevels, type StockLevel } from './stock-store.js';
import { INVENTORY_SCHEMAS } from './schemas.js';

export const INVENTORY_AGENT_TYPE = 'inventory';
const VERSION = '1.0.0';
const MAX_PRODUCTS = 500;

type StockStatus = 'in_stock' | 'low_stock' | 'out_of_stock' | 'unknown';

function statusOf(level: StockLevel | undefined): StockStatus {
  if (!level) return 'unknown';
  if (level.quantity === 0) return 'out_of_stock';
  if (level.reorder_point !== null && level.quantity <= level.reorder_point) return 'low_stock';
  return 'in_stock';
}

function productIdsOf(input: JsonObject): string[] {
  const many = optionalStringList(input, 'product_ids');
  const ids = many && many.length > 0 ? many : [requireId(input, 'product_id')];
  if (ids.length > MAX_PRODUCTS) throw invalidInput(`product_ids: at most ${MAX_PRODUCTS} per command`);
  return [...new Set(ids)];
}

export function createInventoryAgent(deps: BuiltinAgentDeps): AgentDefinition {
  async function checkStock(raw: unknown) {
    const input = inputObject(raw);
    const ids = productIdsOf(input);
    const required = optionalNumber(input, 'required_quantity', { min: 0, integer: true });
    const levels = await withStore(() => stockLevels(deps.pool, ids));
    const items = ids.map((productId) => {
      const level = levels.get(productId);
      return {
        product_id: productId,
        quantity: level?.quantity ?? 0,
        reorder_point: level?.reorder_point ?? null,
        status: statusOf(level),
        available: level !== undefined && level.quantity >= (required ?? 1),
        updated_at: level?.updated_at ?? null,
      };
    });
    if (items.length === 1 && input.product_ids === undefined) return items[0]!;
    return { items, all_available: items.every((item) => item.available) };
  }

  async function updateInventory(raw: unknown, ctx: HandlerContext) {
    const input = inputObject(raw);
    const productId = requireId(input, 'product_id');
    const delta =
      optionalNumber(input, 'delta', { integer: true }) ??
      requireNumber(input, 'quantity_change', { integer: true });
    if (Math.abs(delta) > 2_000_000_000) throw invalidInput('delta: too large');
    const reason = optionalString(input, 'reason') ?? (delta < 0 ? 'sale' : 'restock');
    const reorderPoint = optionalNumber(input, 'reorder_point', { min: 0, integer: true });
    const change = await withStore(() =>
      changeStock(deps.pool, {
        productId,
        delta,
        reason,
        idempotencyKey: ctx.idempotencyKey,
        ...(reorderPoint !== undefined ? { reorderPoint } : {}),
      }),
    );
    return {
      ...change,
      status: statusOf({ ...change, updated_at: '' }),
    };
  }

  async function forecastDemand(raw: unknown) {
    const input = inputObject(raw);
    const horizon = optionalNumber(input, 'horizon', { min: 1, max: 365, integer: true }) ?? 7;
    const seasonLength = optionalNumber(input, 'season_length', { min: 2, max: 366, integer: true });
    const leadTime = optionalNumber(input, 'lead_time', { min: 1, max: 365, integer: true }) ?? 1;
    const reviewPeriod =
      optionalNumber(input, 'review_period', { min: 0, max: 365, integer: true }) ?? horizon;
    const serviceLevel = optionalNumber(input, 'service_level', { min: 0.5, max: 0.9999 }) ?? 0.95;
    const smoothing = {
      alpha: optionalNumber(input, 'alpha', { min: 0.01, max: 0.99 }),
      beta: optionalNumber(input, 'beta', { min: 0.01, max: 0.99 }),
      gamma: optionalNumber(input, 'gamma', { min: 0.01, max: 0.99 }),
    };
    const productId =
      input.product_id === undefined || input.product_id === null
        ? undefined
        : requireId(input, 'product_id');
    const supplied = optionalNumberList(input, 'sales_history');
    if (supplied?.some((value) => value < 0))
      throw invalidInput('sales_history: quantities cannot be negative');
    let history = supplied;
    let source: 'input' | 'sales_history' = 'input';
    if (!history) {
      if (!productId) throw invalidInput('sales_history or product_id: one is required');
      const days = optionalNumber(input, 'history_days', { min: 3, max: 3650, integer: true }) ?? 180;
      history = await withStore(() => dailySales(deps.pool, productId, days));
      source = 'sales_history';
    }
    let stockOnHand = optionalNumber(input, 'current_stock', { min: 0 }) ?? null;
    if (stockOnHand === null && productId) {
      const level = (await withStore(() => stockLevels(deps.pool, [productId]))).get(productId);
      stockOnHand = level?.quantity ?? null;
    }
    let fit;
    try {
      fit = fitSeries(history, {
        ...(seasonLength !== undefined ? { seasonLength } : {}),
        ...(smoothing.alpha !== undefined ? { alpha: smoothing.alpha } : {}),
        ...(smoothing.beta !== undefined ? { beta: smoothing.beta } : {}),
        ...(smoothing.gamma !== undefined ? { gamma: smoothing.gamma } : {}),
      });
    } catch (error) {
      if (error instanceof ForecastInputError) {
        throw new AgentError('INSUFFICIENT_HISTORY', `${error.message}; ${history.length} given (${source})`);
      }
      throw error;
    }
    const values = forecast(fit, horizon).map(round2);
    return {
      ...(productId ? { product_id: productId } : {}),
      method: fit.method,
      parameters: {
        alpha: fit.params.alpha,
        beta: fit.params.beta,
        ...(fit.method === 'holt-winters'
          ? { gamma: fit.params.gamma, season_length: fit.seasonLength }
          : {}),
      },
      history_source: source,
      history_periods: history.length,
      horizon,
      forecast: values,
      total_forecast: round2(values.reduce((sum, value) => sum + value, 0)),
      level: round2(fit.level),
      trend: round2(fit.trend),
      sigma: round2(fit.sigma),
      lead_time: leadTime,
      review_period: reviewPeriod,
      service_level: serviceLevel,
      stock_on_hand: stockOnHand,
      ...reorderPlan(fit, { leadTime, reviewPeriod, serviceLevel, stockOnHand }),
    };
  }

  return defineAgent({
    type: INVENTORY_AGENT_TYPE,
    version: VERSION,
    description: 'Stock levels, stock changes that never go negative, demand forecasts and reorder points.',
    concurrency: 16,
    actions: {
      check_stock: {
        inputJsonSchema: INVENTORY_SCHEMAS.check_stock.input,
        outputJsonSchema: INVENTORY_SCHEMAS.check_stock.output,
        description:
          'Stock of product_id (or product_ids), with status and availability for required_quantity.',
        handler: checkStock,
      },
      update_inventory: {
        inputJsonSchema: INVENTORY_SCHEMAS.update_inventory.input,
        outputJsonSchema: INVENTORY_SCHEMAS.update_inventory.output,
        description:
          'Adds delta (negative to take) to a product; fails INSUFFICIENT_STOCK rather than go below 0.',
        handler: updateInventory,
      },
      forecast_demand: {
        inputJsonSchema: INVENTORY_SCHEMAS.forecast_demand.input,
        outputJsonSchema: INVENTORY_SCHEMAS.forecast_demand.output,
        description:
          "Holt's linear (or Holt-Winters with season_length) forecast over sales_history or the stored history, " +
          'with reorder point and order quantity.',
        handler: forecastDemand,
      },
    },
  });
}
