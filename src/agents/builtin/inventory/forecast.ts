// Demand forecasting by exponential smoothing, and the reorder arithmetic on top of it.
//
// Holt's linear method (double exponential smoothing), for a series y₀…yₙ₋₁:
//   ℓ₀ = y₀, b₀ = y₁ − y₀
//   ℓₜ = α·yₜ + (1 − α)·(ℓₜ₋₁ + bₜ₋₁)
//   bₜ = β·(ℓₜ − ℓₜ₋₁) + (1 − β)·bₜ₋₁
//   forecast h periods ahead: ŷₙ₋₁₊ₕ = ℓₙ₋₁ + h·bₙ₋₁
//
// Holt-Winters, additive seasonality of length m (needs at least two seasons):
//   ℓ = mean of the first season, b = (mean of season 2 − mean of season 1) / m, sᵢ = yᵢ − ℓ for i < m
//   ℓₜ = α·(yₜ − sₜ₋ₘ) + (1 − α)·(ℓₜ₋₁ + bₜ₋₁)
//   bₜ = β·(ℓₜ − ℓₜ₋₁) + (1 − β)·bₜ₋₁
//   sₜ = γ·(yₜ − ℓₜ) + (1 − γ)·sₜ₋ₘ
//   forecast: ŷₙ₋₁₊ₕ = ℓₙ₋₁ + h·bₙ₋₁ + sₙ₋ₘ₊((h−1) mod m)
//
// Parameters not given are chosen on a grid (0.1 … 0.9 in steps of 0.1) to minimise the sum of squared
// one-step-ahead errors. σ is the root mean square of those errors; forecasts below zero are reported as 0,
// since demand is never negative.

export interface SmoothingParams {
  alpha: number;
  beta: number;
  gamma?: number;
}

export interface Fit {
  method: 'holt' | 'holt-winters';
  params: SmoothingParams;
  level: number;
  trend: number;
  /** The last m seasonal terms, oldest first (Holt-Winters only). */
  seasonals: number[];
  seasonLength: number | null;
  /** One-step-ahead errors yₜ − ŷₜ over the periods after the start-up. */
  residuals: number[];
  sse: number;
  /** √(sse / residuals), 0 without residuals. */
  sigma: number;
}

export class ForecastInputError extends Error {}

const GRID = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

function finish(fit: Omit<Fit, 'sse' | 'sigma'>): Fit {
  const sse = fit.residuals.reduce((sum, error) => sum + error * error, 0);
  return { ...fit, sse, sigma: fit.residuals.length > 0 ? Math.sqrt(sse / fit.residuals.length) : 0 };
}

/** Holt's linear method with fixed α and β. The error at t = 1 is always 0 by construction, so it is left out. */
export function holt(series: readonly number[], alpha: number, beta: number): Fit {
  if (series.length < 3) throw new ForecastInputError('Holt smoothing needs at least 3 periods of history');
  let level = series[0]!;
  let trend = series[1]! - series[0]!;
  const residuals: number[] = [];
  for (let t = 1; t < series.length; t++) {
    const y = series[t]!;
    if (t >= 2) residuals.push(y - (level + trend));
    const previous = level;
    level = alpha * y + (1 - alpha) * (level + trend);
    trend = beta * (level - previous) + (1 - beta) * trend;
  }
  return finish({
    method: 'holt',
    params: { alpha, beta },
    level,
    trend,
    seasonals: [],
    seasonLength: null,
    residuals,
  });
}

/** Additive Holt-Winters with fixed α, β, γ and season length m. */
export function holtWinters(
  series: readonly number[],
  m: number,
  alpha: number,
  beta: number,
  gamma: number,
): Fit {
  if (!Number.isInteger(m) || m < 2) throw new ForecastInputError('season_length: expected an integer ≥ 2');
  if (series.length < 2 * m) {
    throw new ForecastInputError(
      `Holt-Winters with season_length ${m} needs at least ${2 * m} periods of history`,
    );
  }
  const mean = (from: number) => series.slice(from, from + m).reduce((sum, y) => sum + y, 0) / m;
  let level = mean(0);
  let trend = (mean(m) - mean(0)) / m;
  const seasonals = series.slice(0, m).map((y) => y - level);
  const residuals: number[] = [];
  for (let t = m; t < series.length; t++) {
    const y = series[t]!;
    const season = seasonals[t - m]!;
    residuals.push(y - (level + trend + season));
    const previous = level;
    level = alpha * (y - season) + (1 - alpha) * (level + trend);
    trend = beta * (level - previous) + (1 - beta) * trend;
    seasonals.push(gamma * (y - level) + (1 - gamma) * season);
  }
  return finish({
    method: 'holt-winters',
    params: { alpha, beta, gamma },
    level,
    trend,
    seasonals: seasonals.slice(-m),
    seasonLength: m,
    residuals,
  });
}

/** Fits the method the inputs call for, searching the grid for parameters not given. */
export function fitSeries(
  series: readonly number[],
  options: { seasonLength?: number; alpha?: number; beta?: number; gamma?: number } = {},
): Fit {
  const alphas = options.alpha !== undefined ? [options.alpha] : GRID;
  const betas = options.beta !== undefined ? [options.beta] : GRID;
  const gammas = options.gamma !== undefined ? [options.gamma] : GRID;
  let best: Fit | undefined;
  for (const alpha of alphas) {
    for (const beta of betas) {
      for (const gamma of options.seasonLength ? gammas : [0]) {
        const fit = options.seasonLength
          ? holtWinters(series, options.seasonLength, alpha, beta, gamma)
          : holt(series, alpha, beta);
        if (!best || fit.sse < best.sse - 1e-12) best = fit;
      }
    }
  }
  return best!;
}

/** Forecasts for periods 1…horizon after the last observation, never below 0. */
export function forecast(fit: Fit, horizon: number): number[] {
  return Array.from({ length: horizon }, (_, index) => {
    const h = index + 1;
    const season = fit.seasonLength ? fit.seasonals[(h - 1) % fit.seasonLength]! : 0;
    return Math.max(0, fit.level + h * fit.trend + season);
  });
}

/** Φ⁻¹(p), the standard normal quantile, by Acklam's rational approximation (relative error < 1.2·10⁻⁹). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1))
    throw new ForecastInputError('service_level: expected a probability strictly between 0 and 1');
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

export interface ReorderPlan {
  /** Σ of the forecasts over the lead time L. */
  lead_time_demand: number;
  /** z · σ · √L */
  safety_stock: number;
  /** lead_time_demand + safety_stock: reorder when stock falls to this. */
  reorder_point: number;
  /** Σ of the forecasts over L + R plus z · σ · √(L + R): what an order should bring stock up to. */
  order_up_to_level: number;
  /** ⌈order_up_to_level − stock⌉ when stock ≤ reorder_point, else 0; null when the stock is unknown. */
  recommended_order_quantity: number | null;
  should_reorder: boolean | null;
  z: number;
}

export function reorderPlan(
  fit: Fit,
  options: { leadTime: number; reviewPeriod: number; serviceLevel: number; stockOnHand: number | null },
): ReorderPlan {
  const { leadTime, reviewPeriod, serviceLevel, stockOnHand } = options;
  const z = normalQuantile(serviceLevel);
  const ahead = forecast(fit, leadTime + reviewPeriod);
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const leadTimeDemand = sum(ahead.slice(0, leadTime));
  const safetyStock = z * fit.sigma * Math.sqrt(leadTime);
  const reorderPoint = leadTimeDemand + safetyStock;
  const orderUpTo = sum(ahead) + z * fit.sigma * Math.sqrt(leadTime + reviewPeriod);
  const shouldReorder = stockOnHand === null ? null : stockOnHand <= reorderPoint;
  return {
    lead_time_demand: round2(leadTimeDemand),
    safety_stock: round2(safetyStock),
    reorder_point: round2(reorderPoint),
    order_up_to_level: round2(orderUpTo),
    recommended_order_quantity:
      stockOnHand === null ? null : shouldReorder ? Math.max(0, Math.ceil(orderUpTo - stockOnHand)) : 0,
    should_reorder: shouldReorder,
    z: Math.round(z * 10_000) / 10_000,
  };
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
