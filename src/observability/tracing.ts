// Distributed tracing: W3C trace context (`traceparent`) that follows an execution from the API through
// its commands to the agents and back in their results, and an OpenTelemetry exporter that is started only
// when OTEL_EXPORTER_OTLP_ENDPOINT is configured. The traceparent helpers work without the SDK, so ids flow
// (and show up in logs) whether or not anything exports spans.
import { randomBytes } from 'node:crypto';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
} from '@opentelemetry/api';

/** The parts of a `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header). */
export interface TraceContext {
  /** Two lowercase hex digits; we always write `00`. */
  version: string;
  /** 32 lowercase hex digits (16 bytes), not all zero. */
  traceId: string;
  /** 16 lowercase hex digits (8 bytes), not all zero: the id of the span that sent this header. */
  spanId: string;
  /** Bit 0 is "sampled". */
  flags: number;
}

const SAMPLED = 0x01;
// A later version may append fields after the four we know; a reader must still take those four, while
// version 00 has exactly four.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/** Reads a `traceparent` value; undefined when it is not a valid one (the caller then starts a new trace). */
export function parseTraceparent(value: string | null | undefined): TraceContext | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = TRACEPARENT.exec(value.trim());
  if (!parts) return undefined;
  const [, version, traceId, spanId, flags, rest] = parts as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  return { version, traceId, spanId, flags: Number.parseInt(flags, 16) };
}

/** Writes a trace context as a version-00 `traceparent`. */
export function formatTraceparent(context: Pick<TraceContext, 'traceId' | 'spanId' | 'flags'>): string {
  const flags = (context.flags & 0xff).toString(16).padStart(2, '0');
  return `00-${context.traceId}-${context.spanId}-${flags}`;
}

/** A `traceparent` that starts a new trace: random trace and span ids, sampled unless told otherwise. */
export function newTraceparent(options: { sampled?: boolean } = {}): string {
  return formatTraceparent({
    traceId: randomId(16),
    spanId: randomId(8),
    flags: (options.sampled ?? true) ? SAMPLED : 0,
  });
}

/**
 * The `traceparent` for work caused by `parent`: same trace id and flags, a new span id. An absent or
 * invalid parent starts a new trace, as the spec asks of a receiver that cannot parse the header.
 */
export function childTraceparent(parent: string | null | undefined): string {
  const context = parseTraceparent(parent);
  if (!context) return newTraceparent();
  // Only the sampled bit is defined for version 00; other bits of a later version are not ours to pass on.
  return formatTraceparent({ traceId: context.traceId, spanId: randomId(8), flags: context.flags & SAMPLED });
}

/** The trace id in a `traceparent`, for log lines; undefined when the header is not valid. */
export function traceIdOf(traceparent: string | null | undefined): string | undefined {
  return parseTraceparent(traceparent)?.traceId;
}

/**
 * The `traceparent` of the span active in the current async context, when the SDK is running and a span
 * is active; undefined otherwise (then use newTraceparent or childTraceparent).
 */
export function activeTraceparent(): string | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const context = span.spanContext();
  if (!trace.isSpanContextValid(context)) return undefined;
  return formatTraceparent({
    traceId: context.traceId,
    spanId: context.spanId,
    flags: context.traceFlags & TraceFlags.SAMPLED,
  });
}

const TRACER_NAME = 'percolator';

/** A context whose parent is the span a `traceparent` names (a new trace when it is absent or invalid). */
function parentContext(traceparent: string | null | undefined): Context {
  const parent = parseTraceparent(traceparent);
  if (!parent) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: parent.flags & SAMPLED,
    isRemote: true,
  });
}

export interface SpanOptions {
  /** The `traceparent` this work was caused by: an HTTP header, a record's trace context. */
  parent?: string | null;
  attributes?: Attributes;
  kind?: 'server' | 'consumer' | 'producer' | 'internal';
}

const KINDS = {
  server: SpanKind.SERVER,
  consumer: SpanKind.CONSUMER,
  producer: SpanKind.PRODUCER,
  internal: SpanKind.INTERNAL,
} as const;

/**
 * Runs `work` inside a span that is active for its whole async extent (activeTraceparent() names it), ended
 * when the work settles and marked as an error when it throws. Without the SDK this costs next to nothing.
 */
export async function withSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: { setAttributes(attributes: Attributes): void; updateName(name: string): void }) => Promise<T>,
): Promise<T> {
  const tracer = trace.getTracer(TRACER_NAME);
  return tracer.startActiveSpan(
    name,
    {
      kind: KINDS[options.kind ?? 'internal'],
      ...(options.attributes ? { attributes: options.attributes } : {}),
    },
    parentContext(options.parent),
    async (span) => {
      try {
        return await work({
          setAttributes: (attributes) => void span.setAttributes(attributes),
          updateName: (updated) => void span.updateName(updated),
        });
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Records a span for something that already happened (or happens at once), e.g. a command being dispatched. */
export function recordSpan(name: string, options: SpanOptions & { startTimeMs?: number }): void {
  const span = trace.getTracer(TRACER_NAME).startSpan(
    name,
    {
      kind: KINDS[options.kind ?? 'internal'],
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(options.startTimeMs !== undefined ? { startTime: options.startTimeMs } : {}),
    },
    parentContext(options.parent),
  );
  span.end();
}

function randomId(bytes: number): string {
  for (;;) {
    const id = randomBytes(bytes).toString('hex');
    // All zeros is the spec's "invalid"; with 64 or 128 random bits this loop runs once.
    if (/[^0]/.test(id)) return id;
  }
}

export interface TracingConfig {
  /** OTLP/HTTP base URL, e.g. `http://collector:4318`; traces go to `<endpoint>/v1/traces`. */
  otelExporterOtlpEndpoint?: string;
  /** `service.name` of the exported spans. */
  serviceName?: string;
}

export interface Tracing {
  /** True when spans are exported (the endpoint was set). */
  readonly exporting: boolean;
  /** Where spans go, when exporting. */
  readonly tracesUrl?: string;
  /** Flushes pending spans and stops the SDK; a no-op without an exporter. */
  shutdown(): Promise<void>;
}

const NOT_EXPORTING: Tracing = { exporting: false, shutdown: async () => undefined };

/**
 * Starts the OpenTelemetry Node SDK with the OTLP/HTTP trace exporter when an endpoint is configured.
 * Without one nothing is loaded or started: no exporter, no background work. Call once per process, before
 * the clients whose work should be traced are created.
 */
export async function startTracing(config: TracingConfig): Promise<Tracing> {
  const endpoint = config.otelExporterOtlpEndpoint;
  if (endpoint === undefined) return NOT_EXPORTING;
  const tracesUrl = otlpTracesUrl(endpoint);
  // Loaded on demand: processes that do not export never pay for the SDK's start-up.
  const [{ NodeSDK }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  const sdk = new NodeSDK({
    serviceName: config.serviceName ?? 'percolator',
    traceExporter: new OTLPTraceExporter({ url: tracesUrl }),
    // Spans are made by our own code around the work that matters; no automatic instrumentation.
    instrumentations: [],
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  return {
    exporting: true,
    tracesUrl,
    shutdown: () => (stopped ??= sdk.shutdown()),
  };
}

/** The signal-specific URL for traces under an OTLP base endpoint, as the OpenTelemetry spec defines it. */
export function otlpTracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}
