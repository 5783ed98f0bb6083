// Problem documents (RFC 9457) and the middleware that makes every failure one, without stack traces.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { HttpProblem, problemDocument, problemMiddleware } from '../../../src/api/problem.js';
import { PercolatorError } from '../../../src/errors.js';
import { createLogger } from '../../../src/observability/logger.js';

async function call(thrown: () => unknown): Promise<{
  status: number;
  type: string | null;
  retryAfter: string | null;
  body: Record<string, unknown>;
}> {
  const app = new Koa();
  app.use(problemMiddleware(createLogger({ level: 'silent' })));
  app.use((ctx) => {
    if (ctx.path === '/nothing') return;
    throw thrown();
  });
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/${thrown.name === 'none' ? 'nothing' : 'x'}`);
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as Record<string, unknown>,
    };
  } finally {
    server.close();
  }
}

const { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded } = kafkajs;

describe('problem documents', () => {
  it('builds type, title, status, detail and extensions', () => {
    expect(
      problemDocument(422, 'invalid-definition', 'two errors', '/api/v1/workflows', { errors: [] }),
    ).toEqual({
      type: 'urn:percolator:problem:invalid-definition',
      title: 'Unprocessable Content',
      status: 422,
      detail: 'two errors',
      instance: '/api/v1/workflows',
      errors: [],
    });
    expect(problemDocument(404, 'about:blank').type).toBe('about:blank');
  });

  it('answers an HttpProblem with its status and extensions as application/problem+json', async () => {
    const answer = await call(() => new HttpProblem(409, 'conflict', 'already done', { execution_id: 'e1' }));
    expect(answer.status).toBe(409);
    expect(answer.type).toContain('application/problem+json');
    expect(answer.body).toMatchObject({
      status: 409,
      detail: 'already done',
      execution_id: 'e1',
      instance: '/x',
    });
  });

  it('answers an unexpected error with a bare 500 that carries no message or stack', async () => {
    const answer = await call(() => new Error('password=hunter2 at Object.<anonymous> (/src/secret.ts:1:1)'));
    expect(answer.status).toBe(500);
    expect(JSON.stringify(answer.body)).not.toMatch(/hunter2|secret\.ts|stack/);
  });

  it('answers an unmatched route with a 404 problem', async () => {
    const answer = await call(function none() {
      return undefined;
    });
    expect(answer).toMatchObject({ status: 404, body: { status: 404, title: 'Not Found' } });
  });

  it('answers a dependency outage with a 503, Retry-After and the dependency, and a bug with a 500', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const outages: [string, () => unknown, string][] = [
      [
        'redis via the state layer',
        () => new PercolatorError('STATE_UNAVAILABLE', 'loading executions: Connection is closed.', true),
        'redis',
      ],
      [
        'ioredis offline',
        () => new Error("Stream isn't writeable and enableOfflineQueue options is false"),
        'redis',
      ],
      ['ioredis commandTimeout', () => new Error('Command timed out'), 'redis'],
      [
        'kafka retries exhausted',
        () =>
          new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection error: ECONNREFUSED'), {
            retryCount: 2,
            retryTime: 400,
          }),
        'kafka',
      ],
      [
        'postgres shutting down',
        () => Object.assign(new Error('terminating connection'), { code: '57P01' }),
        'postgres',
      ],
      ['pg connect timeout', () => new Error('timeout exceeded when trying to connect'), 'postgres'],
      ['pg socket gone', () => new Error('Connection terminated unexpectedly'), 'postgres'],
      ['a refused socket', () => refused, 'unknown'],
    ];
    for (const [label, thrown, dependency] of outages) {
      const answer = await call(thrown);
      expect(answer.status, `${label} ${JSON.stringify(answer.body)}`).toBe(503);
      expect(answer.retryAfter, label).toBe('5');
      expect(answer.type, label).toContain('application/problem+json');
      expect(answer.body, label).toMatchObject({
        type: 'urn:percolator:problem:dependency-unavailable',
        dependency,
      });
      expect(JSON.stringify(answer.body), label).not.toContain('127.0.0.1');
    }
    // A query the server refused for its content is a bug to fix, not an outage to wait out.
    const syntax = await call(() =>
      Object.assign(new Error('syntax error at or near "x"'), { code: '42601' }),
    );
    expect(syntax.status).toBe(500);
    expect(syntax.retryAfter).toBeNull();
    const invalidArgument = await call(() => new PercolatorError('STATE_INVALID_ARGUMENT', 'bad id', false));
    expect(invalidArgument.status).toBe(500);
  });
});
