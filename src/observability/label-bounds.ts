// Keeps label values that come from users or from records anyone can write (workflow names, agent types) from
// growing Prometheus without bound: each value is cut to a maximum length, and past a number of distinct values
// per label, further ones are counted under `other`. The first values seen keep their own series.
import { Counter, Gauge, Histogram } from 'prom-client';
import type {
  CounterConfiguration,
  GaugeConfiguration,
  HistogramConfiguration,
  IncreaseDataWithExemplar,
  LabelValues,
  ObserveDataWithExemplar,
} from 'prom-client';

export const OTHER_LABEL = 'other';

export interface LabelBoundsOptions {
  /** Distinct values one label may take before the rest become `other`. */
  maxValues?: number;
  /** Longest label value; longer ones are cut, ending in `…`. */
  maxLength?: number;
}

export class LabelBounds {
  readonly maxValues: number;
  readonly maxLength: number;
  private readonly seen = new Map<string, Set<string>>();

  constructor(options: LabelBoundsOptions = {}) {
    this.maxValues = options.maxValues ?? 200;
    this.maxLength = options.maxLength ?? 100;
  }

  /** The value to record for `label`: itself, cut to length, or `other` once the label is full. */
  value(label: string, raw: string): string {
    const cut = raw.length > this.maxLength ? `${raw.slice(0, this.maxLength - 1)}…` : raw;
    let values = this.seen.get(label);
    if (!values) this.seen.set(label, (values = new Set()));
    if (values.has(cut)) return cut;
    if (values.size >= this.maxValues) return OTHER_LABEL;
    values.add(cut);
    return cut;
  }

  /** A copy of `labels` with the bounded ones replaced. */
  labels<T extends string>(labels: LabelValues<T>, bounded: readonly string[]): LabelValues<T> {
    const copy: Record<string, string | number | undefined> = { ...labels };
    for (const name of bounded) {
      const value = copy[name];
      if (value !== undefined) copy[name] = this.value(name, String(value));
    }
    return copy as LabelValues<T>;
  }
}

// prom-client assigns `inc` and `observe` per instance in its constructors (with or without exemplars), so the
// bounded variants wrap those instance functions after construction rather than override the prototype's.

/** A counter whose `bounded` labels pass through LabelBounds on every call. */
export class BoundedCounter<T extends string> extends Counter<T> {
  constructor(config: CounterConfiguration<T>, bounds: LabelBounds, bounded: readonly T[]) {
    super(config);
    const inc = this.inc.bind(this) as (first?: unknown, value?: number) => void;
    this.inc = ((first?: LabelValues<T> | number | IncreaseDataWithExemplar<T>, value?: number) =>
      inc(boundFirst(first, bounds, bounded), value)) as Counter<T>['inc'];
  }
}

export class BoundedHistogram<T extends string> extends Histogram<T> {
  constructor(config: HistogramConfiguration<T>, bounds: LabelBounds, bounded: readonly T[]) {
    super(config);
    // startTimer ends in this.observe, so timers are bounded too.
    const observe = this.observe.bind(this) as (first: unknown, value?: number) => void;
    this.observe = ((first: LabelValues<T> | number | ObserveDataWithExemplar<T>, value?: number) =>
      observe(boundFirst(first, bounds, bounded), value)) as Histogram<T>['observe'];
  }
}

export class BoundedGauge<T extends string> extends Gauge<T> {
  constructor(
    config: GaugeConfiguration<T>,
    private readonly bounds: LabelBounds,
    private readonly bounded: readonly T[],
  ) {
    super(config);
  }

  override set(labelsOrValue: LabelValues<T> | number, value?: number): void {
    if (typeof labelsOrValue === 'object') super.set(this.bounds.labels(labelsOrValue, this.bounded), value!);
    else super.set(labelsOrValue);
  }
}

/** The first argument of inc/observe with its labels bounded: a value, a label set, or exemplar data. */
function boundFirst<T extends string>(first: unknown, bounds: LabelBounds, bounded: readonly T[]): unknown {
  if (typeof first !== 'object' || first === null) return first;
  // The exemplar forms carry `exemplarLabels`; a plain label set never does here.
  if ('exemplarLabels' in first) {
    const data = first as { labels?: LabelValues<T> };
    return { ...data, labels: bounds.labels(data.labels ?? {}, bounded) };
  }
  return bounds.labels(first as LabelValues<T>, bounded);
}
