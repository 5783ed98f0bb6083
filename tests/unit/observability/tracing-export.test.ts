// startTracing with an endpoint: spans reach a real local OTLP/HTTP receiver (a plain HTTP server here).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { activeTraceparent, parseTraceparent, startTracing } from '../../../src/observability/tracing.js';

interface Received {
  path: string;
  contentType: string;
  body: Buffer;
}

describe('startTracing with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  const received: Received[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        contentType: String(request.headers['content-type']),
        body: Buffer.concat(chunks),
      });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  let endpoint: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('exports spans to <endpoint>/v1/traces and exposes the active span as a traceparent', async () => {
    const tracing = await startTracing({
      otelExporterOtlpEndpoint: endpoint,
      serviceName: 'percolator-test',
    });
    expect(tracing).toMatchObject({ exporting: true, tracesUrl: `${endpoint}/v1/traces` });
    expect(activeTraceparent()).toBeUndefined();

    let seen: string | undefined;
    let traceId = '';
    trace.getTracer('percolator-test').startActiveSpan('execution.start', (span) => {
      seen = activeTraceparent();
      traceId = span.spanContext().traceId;
      span.end();
    });
    expect(parseTraceparent(seen)?.traceId).toBe(traceId);

    await tracing.shutdown(); // flushes the batch
    const exported = received.filter((request) => request.path === '/v1/traces');
    expect(exported.length).toBeGreaterThan(0);
    const body = Buffer.concat(exported.map((request) => request.body)).toString('latin1');
    // The protobuf carries the service name and span name as plain strings; JSON would too.
    expect(body).toContain('percolator-test');
    expect(body).toContain('execution.start');
  }, 60_000); // starts the OpenTelemetry SDK and an exporter: slow on a busy machine
});
