// Historical trends on the overview, from the Postgres history (GET /api/v1/console/trends): executions per
// minute, failure rate and p50/p95 duration over the last hours, drawn with uPlot (small, canvas, fast).
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api } from '../api';

interface TrendAnswer {
  hours: number;
  bucket_minutes: number;
  buckets: {
    start: string;
    started: number;
    finished: number;
    failed: number;
    failure_rate: number | null;
    p50_ms: number | null;
    p95_ms: number | null;
  }[];
}

const RANGES: Record<string, { hours: number; bucket: number }> = {
  '1 h': { hours: 1, bucket: 1 },
  '6 h': { hours: 6, bucket: 5 },
  '24 h': { hours: 24, bucket: 15 },
  '7 d': { hours: 168, bucket: 120 },
};

export function Trends() {
  const [range, setRange] = useState('6 h');
  const { hours, bucket } = RANGES[range]!;
  const trends = useQuery({
    queryKey: ['trends', hours, bucket],
    queryFn: () => api<TrendAnswer>(`/api/v1/console/trends?hours=${hours}&bucket_minutes=${bucket}`),
    placeholderData: (previous) => previous,
  });
  const buckets = trends.data?.buckets ?? [];
  const xs = buckets.map((b) => Date.parse(b.start) / 1000);
  const perMinute = (n: number) => n / (trends.data?.bucket_minutes ?? bucket);
  return (
    <section className="trends" data-testid="trends">
      <header className="page-header">
        <h2>Trends</h2>
        <select value={range} onChange={(event) => setRange(event.target.value)} data-testid="trends-range">
          {Object.keys(RANGES).map((name) => (
            <option key={name}>{name}</option>
          ))}
        </select>
      </header>
      {trends.error && <p className="error">{(trends.error as Error).message}</p>}
      <div className="trend-grid">
        <Chart
          testId="trend-throughput"
          title="Executions per minute"
          xs={xs}
          series={[
            { label: 'started', color: '#4c7bd9', values: buckets.map((b) => perMinute(b.started)) },
            { label: 'finished', color: '#3aa675', values: buckets.map((b) => perMinute(b.finished)) },
          ]}
        />
        <Chart
          testId="trend-failure-rate"
          title="Failure rate (%)"
          xs={xs}
          series={[
            {
              label: 'failed',
              color: '#d9534f',
              values: buckets.map((b) => (b.failure_rate === null ? null : b.failure_rate * 100)),
            },
          ]}
        />
        <Chart
          testId="trend-duration"
          title="Duration (ms)"
          xs={xs}
          series={[
            { label: 'p50', color: '#4c7bd9', values: buckets.map((b) => b.p50_ms) },
            { label: 'p95', color: '#e8a33d', values: buckets.map((b) => b.p95_ms) },
          ]}
        />
      </div>
    </section>
  );
}

interface Series {
  label: string;
  color: string;
  values: (number | null)[];
}

function Chart({
  title,
  xs,
  series,
  testId,
}: {
  title: string;
  xs: number[];
  series: Series[];
  testId: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const shape = series.map((s) => `${s.label}:${s.color}`).join('|');

  useEffect(() => {
    if (!box.current) return;
    const created = new uPlot(
      {
        width: Math.max(240, box.current.clientWidth),
        height: 180,
        scales: {
          x: { time: true },
          y: { range: (_u: uPlot, _min: number, max: number) => [0, Math.max(1, max)] },
        },
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: false }))],
        axes: [{ stroke: 'currentColor' }, { stroke: 'currentColor', size: 50 }],
        legend: { show: true },
      },
      [[], ...series.map(() => [])],
      box.current,
    );
    plot.current = created;
    const resize = new ResizeObserver(() => {
      if (box.current) created.setSize({ width: Math.max(240, box.current.clientWidth), height: 180 });
    });
    resize.observe(box.current);
    return () => {
      resize.disconnect();
      created.destroy();
      plot.current = undefined;
    };
    // Rebuilt only when the series themselves change; new data goes through setData below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData([xs, ...series.map((s) => s.values)]);
  });

  const points = series.reduce((sum, s) => sum + s.values.filter((v) => v !== null && v > 0).length, 0);
  return (
    <figure className="trend" data-testid={testId} data-points={points}>
      <figcaption>{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
