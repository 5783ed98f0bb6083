// Problem documents (RFC 9457) and the middleware that makes every failure one, without stack traces.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { HttpProblem, problemDocument, problemMiddleware } from '../../../src/api/problem.js';
import { createLogger } from '../../../src/observability/logger.js';

async function call(
  thrown: () => unknown,
): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
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
      body: (await response.json()) as Record<string, unknown>,
    };
  } finally {
    server.close();
  }
}

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
});
