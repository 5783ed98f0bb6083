// Traces leave the process: an engine (`percolator serve`) and an agents process, both given
// OTEL_EXPORTER_OTLP_ENDPOINT, export to a real local OTLP/HTTP receiver, and one execution's spans (the API
// call that started it, each dispatched command, each agent's work) arrive under one trace id.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentsProcess, EngineProcess, ensureBuilt } from '../support/engine-process.js';
import { freePort } from '../support/free-port.js';
import { uniquePrefix } from '../support/services.js';
import { waitUntil } from '../support/wait.js';

interface ExportedSpan {
  name: string;
  traceId: string;
  service: string;
  attributes: Record<string, unknown>;
}

interface OtlpJson {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: Record<string, unknown> }[] };
    scopeSpans?: {
      spans?: {
        name: string;
        traceId: string;
        attributes?: { key: string; value: Record<string, unknown> }[];
      }[];
    }[];
  }[];
}

/** The fields of API answers this test reads. */
interface ApiBody {
  id: string;
  execution_id: string;
  status: string;
}

function attributeMap(list: { key: string; value: Record<string, unknown> }[] = []): Record<string, unknown> {
  return Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));
}

describe('spans reach a configured OTLP endpoint', () => {
  const spans: ExportedSpan[] = [];
  const problems: string[] = [];
  let receiver: Server;
  let endpoint: string;
  let engine: EngineProcess;
  let agents: AgentsProcess | undefined;
  let apiPort: number;
  const prefix = uniquePrefix('traces');

  beforeAll(async () => {
    ensureBuilt();
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        try {
          let body = Buffer.concat(chunks);
          if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
          if (request.url !== '/v1/traces') throw new Error(`unexpected path ${request.url}`);
          if (!String(request.headers['content-type']).includes('json'))
            throw new Error(`expected OTLP/HTTP JSON, got ${request.headers['content-type']}`);
          const decoded = JSON.parse(body.toString('utf8')) as OtlpJson;
          for (const resource of decoded.resourceSpans ?? []) {
            const service = String(attributeMap(resource.resource?.attributes)['service.name']);
            for (const scope of resource.scopeSpans ?? [])
              for (const span of scope.spans ?? [])
                spans.push({
                  name: span.name,
                  traceId: span.traceId,
                  service,
                  attributes: attributeMap(span.attributes),
                });
          }
        } catch (error) {
          problems.push((error as Error).message);
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    apiPort = await freePort();
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, AUTH_MODE: 'off' };
    engine = await EngineProcess.start(prefix, 'all', { ...env, PORT: String(apiPort) });
    agents = AgentsProcess.start(prefix, ['echo'], env);
  }, 240_000);

  afterAll(async () => {
    await agents?.stop();
    await engine?.stop();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  }, 60_000);

  async function api(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: ApiBody }> {
    const response = await fetch(`http://127.0.0.1:${apiPort}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as ApiBody };
  }

  it('the API call, each command and each agent’s work share the execution’s trace id', async () => {
    // A step for an agent type whose topic does not exist yet fails at once (AGENT_TYPE_UNKNOWN): start
    // once the agents process has announced itself.
    await waitUntil(
      async () => JSON.stringify((await api('GET', '/api/v1/agents')).body).includes('"echo"'),
      90_000,
    );
    const created = await api('POST', '/api/v1/workflows', {
      workflow: {
        name: `${prefix}.traced`,
        steps: [
          { id: 'first', type: 'agent', agent_type: 'echo', action: 'echo', input: '{"text": topic}' },
          { id: 'second', type: 'agent', agent_type: 'echo', action: 'echo', input: '{"text": text & "!"}' },
        ],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const started = await api('POST', `/api/v1/workflows/${created.body.id}/execute`, {
      input: { topic: 't' },
    });
    expect(started.status).toBe(202);
    const executionId = started.body.execution_id;
    await waitUntil(
      async () => (await api('GET', `/api/v1/executions/${executionId}`)).body.status === 'completed',
      60_000,
    );

    const ofExecution = (name: string) =>
      spans.filter(
        (span) => span.name === name && span.attributes['percolator.execution_id'] === executionId,
      );
    // The exporters batch: spans arrive within a few seconds of their end.
    await waitUntil(
      async () =>
        spans.some((span) => span.name === 'POST /api/v1/workflows/:id/execute') &&
        ofExecution('dispatch echo').length >= 2 &&
        ofExecution('agent echo.echo').length >= 2,
      30_000,
    );
    expect(problems).toEqual([]);
    const call = spans.find((span) => span.name === 'POST /api/v1/workflows/:id/execute')!;
    expect(call.service).toBe('percolator-all');
    expect(call.traceId).toMatch(/^[0-9a-f]{32}$/);
    const commands = ofExecution('dispatch echo');
    const work = ofExecution('agent echo.echo');
    expect(commands.map((span) => span.attributes['percolator.step_id']).sort()).toEqual(['first', 'second']);
    expect(work.map((span) => span.attributes['percolator.step_id']).sort()).toEqual(['first', 'second']);
    expect(work.every((span) => span.service === 'percolator-agents')).toBe(true);
    expect(new Set([call, ...commands, ...work].map((span) => span.traceId))).toEqual(
      new Set([call.traceId]),
    );
  }, 120_000);
});
