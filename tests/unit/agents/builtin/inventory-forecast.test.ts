import { describe, expect, it } from 'vitest';
import {
  fitSeries,
  forecast,
  holt,
  holtWinters,
  normalQuantile,
  reorderPlan,
} from '../../../../src/agents/builtin/inventory/forecast.js';

describe("Holt's linear method", () => {
  // Worked by hand, α = β = 0.5 on 10, 12, 13, 15, 18 (ℓ₀ = 10, b₀ = 2):
  //   t=1 y=12: ℓ=12       b=2
  //   t=2 y=13: ŷ=14       e=−1       ℓ=13.5      b=1.75
  //   t=3 y=15: ŷ=15.25    e=−0.25    ℓ=15.125    b=1.6875
  //   t=4 y=18: ŷ=16.8125  e=1.1875   ℓ=17.40625  b=1.984375
  const series = [10, 12, 13, 15, 18];

  it('smooths level and trend as worked by hand', () => {
    const fit = holt(series, 0.5, 0.5);
    expect(fit.level).toBeCloseTo(17.40625, 10);
    expect(fit.trend).toBeCloseTo(1.984375, 10);
    expect(fit.residuals).toEqual([-1, -0.25, 1.1875]);
    expect(fit.sse).toBeCloseTo(2.47265625, 10);
    expect(fit.sigma).toBeCloseTo(Math.sqrt(2.47265625 / 3), 10);
    expect(forecast(fit, 3)).toEqual([19.390625, 21.375, 23.359375]);
  });

  it('follows a straight line exactly', () => {
    const fit = fitSeries([5, 7, 9, 11, 13, 15]);
    expect(fit.sigma).toBeCloseTo(0, 10);
    expect(forecast(fit, 2).map((value) => Math.round(value * 1e9) / 1e9)).toEqual([17, 19]);
  });

  it('never forecasts negative demand', () => {
    expect(forecast(holt([9, 6, 3], 0.5, 0.5), 3)).toEqual([0, 0, 0]);
  });

  it('picks the grid parameters with the smallest squared error', () => {
    const noisy = [20, 22, 19, 25, 24, 27, 26, 30, 29, 33];
    const best = fitSeries(noisy);
    for (const alpha of [0.1, 0.5, 0.9]) {
      for (const beta of [0.1, 0.5, 0.9]) expect(best.sse).toBeLessThanOrEqual(holt(noisy, alpha, beta).sse);
    }
    expect(fitSeries(noisy, { alpha: 0.3, beta: 0.2 }).params).toEqual({ alpha: 0.3, beta: 0.2 });
  });

  it('refuses fewer than three periods', () => {
    expect(() => holt([1, 2], 0.5, 0.5)).toThrow(/at least 3 periods/);
  });
});

describe('Holt-Winters, additive', () => {
  // Season length 2, α = β = γ = 0.5 on 10, 20, 12, 22, 14, 24: ℓ = 15, b = (17 − 15)/2 = 1, s = [−5, 5]
  //   t=2 y=12: ŷ=11          ℓ=16.5        b=1.25         s=−4.75
  //   t=3 y=22: ŷ=22.75       ℓ=17.375      b=1.0625       s=4.8125
  //   t=4 y=14: ŷ=13.6875     ℓ=18.59375    b=1.140625     s=−4.671875
  //   t=5 y=24: ŷ=24.546875   ℓ=19.4609375  b=1.00390625   s=4.67578125
  it('smooths level, trend and season as worked by hand', () => {
    const fit = holtWinters([10, 20, 12, 22, 14, 24], 2, 0.5, 0.5, 0.5);
    expect(fit.residuals).toEqual([1, -0.75, 0.3125, -0.546875]);
    expect(fit.level).toBeCloseTo(19.4609375, 10);
    expect(fit.trend).toBeCloseTo(1.00390625, 10);
    expect(fit.seasonals).toEqual([-4.671875, 4.67578125]);
    expect(forecast(fit, 3)).toEqual([15.79296875, 26.14453125, 17.80078125]);
  });

  it('needs two full seasons', () => {
    expect(() => holtWinters([1, 2, 3, 4, 5], 3, 0.5, 0.5, 0.5)).toThrow(/at least 6 periods/);
  });
});

describe('reorder arithmetic', () => {
  it('knows the normal quantiles', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 6);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232, 6);
  });

  it('adds lead-time demand and z·σ·√L, and orders up to the L+R level', () => {
    const fit = holt([10, 12, 13, 15, 18], 0.5, 0.5);
    const sigma = Math.sqrt(2.47265625 / 3);
    const z = 1.6448536;
    const plan = reorderPlan(fit, { leadTime: 2, reviewPeriod: 1, serviceLevel: 0.95, stockOnHand: 30 });
    const reorderPoint = 19.390625 + 21.375 + z * sigma * Math.SQRT2;
    const orderUpTo = 19.390625 + 21.375 + 23.359375 + z * sigma * Math.sqrt(3);
    expect(plan.lead_time_demand).toBe(40.77);
    expect(plan.safety_stock).toBeCloseTo(z * sigma * Math.SQRT2, 2);
    expect(plan.reorder_point).toBeCloseTo(reorderPoint, 2);
    expect(plan.order_up_to_level).toBeCloseTo(orderUpTo, 2);
    expect(plan.should_reorder).toBe(true);
    expect(plan.recommended_order_quantity).toBe(Math.ceil(orderUpTo - 30)); // 37
    expect(plan.recommended_order_quantity).toBe(37);
    const plenty = reorderPlan(fit, { leadTime: 2, reviewPeriod: 1, serviceLevel: 0.95, stockOnHand: 100 });
    expect(plenty).toMatchObject({ should_reorder: false, recommended_order_quantity: 0 });
    const unknown = reorderPlan(fit, { leadTime: 2, reviewPeriod: 1, serviceLevel: 0.95, stockOnHand: null });
    expect(unknown).toMatchObject({ should_reorder: null, recommended_order_quantity: null });
  });
});
