// What the inventory agent's actions take and return (docs/agents.md describes the fields).
import {
  anyObject,
  boolean,
  input,
  integer,
  listOf,
  nullable,
  number,
  oneOfValues,
  output,
  string,
} from '../schema-builders.js';

const productId = { anyOf: [string, number] };
const status = oneOfValues(['in_stock', 'low_stock', 'out_of_stock', 'unknown']);

export const INVENTORY_SCHEMAS = {
  check_stock: {
    input: input({ product_id: productId, product_ids: listOf(string), required_quantity: integer }),
    output: output({
      product_id: string,
      quantity: integer,
      reorder_point: nullable(integer),
      status,
      available: boolean,
      updated_at: nullable(string),
      items: listOf(anyObject),
      all_available: boolean,
    }),
  },
  update_inventory: {
    // `quantity_change` is the older name of `delta`; the agent still reads it, a definition should say `delta`.
    input: {
      ...input(
        {
          product_id: productId,
          delta: integer,
          quantity_change: integer,
          reason: string,
          reorder_point: integer,
        },
        ['product_id'],
      ),
      anyOf: [{ required: ['delta'] }, { required: ['quantity_change'] }],
    },
    output: output(
      {
        product_id: string,
        delta: integer,
        quantity: integer,
        previous_quantity: integer,
        reorder_point: nullable(integer),
        reason: string,
        replayed: boolean,
        status,
      },
      ['product_id', 'delta', 'quantity', 'previous_quantity', 'status'],
    ),
  },
  forecast_demand: {
    input: input({
      product_id: productId,
      sales_history: listOf(number),
      history_days: integer,
      horizon: integer,
      season_length: integer,
      lead_time: integer,
      review_period: integer,
      service_level: number,
      current_stock: number,
      alpha: number,
      beta: number,
      gamma: number,
    }),
    output: output(
      {
        product_id: string,
        method: string,
        parameters: anyObject,
        history_source: oneOfValues(['input', 'sales_history']),
        history_periods: integer,
        horizon: integer,
        forecast: listOf(number),
        total_forecast: number,
        level: number,
        trend: number,
        sigma: number,
        lead_time: integer,
        review_period: integer,
        service_level: number,
        stock_on_hand: nullable(number),
        lead_time_demand: number,
        safety_stock: number,
        reorder_point: number,
        order_up_to_level: number,
        recommended_order_quantity: nullable(integer),
        should_reorder: nullable(boolean),
        z: number,
      },
      ['method', 'forecast', 'total_forecast', 'reorder_point', 'recommended_order_quantity'],
    ),
  },
} as const;
