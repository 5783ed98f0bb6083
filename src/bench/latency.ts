// End-to-end latencies in an HDR histogram: microsecond resolution, three significant digits, up to an
// hour, so the 99.9th percentile of a short run is exact enough and memory stays constant.
import { build, type Histogram } from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
  mean_ms: number;
}

const HOUR_US = 3_600_000_000;

export class LatencyRecorder {
  private readonly histogram: Histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HOUR_US,
    numberOfSignificantValueDigits: 3,
  });

  /** Records one latency in milliseconds (fractions kept down to the microsecond). */
  record(ms: number): void {
    const micros = Math.min(HOUR_US, Math.max(1, Math.round(ms * 1000)));
    this.histogram.recordValue(micros);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  summary(): LatencySummary {
    if (this.histogram.totalCount === 0)
      return { count: 0, p50_ms: NaN, p99_ms: NaN, p999_ms: NaN, max_ms: NaN, mean_ms: NaN };
    const at = (percentile: number) => this.histogram.getValueAtPercentile(percentile) / 1000;
    return {
      count: this.histogram.totalCount,
      p50_ms: at(50),
      p99_ms: at(99),
      p999_ms: at(99.9),
      max_ms: this.histogram.maxValue / 1000,
      mean_ms: this.histogram.mean / 1000,
    };
  }
}
