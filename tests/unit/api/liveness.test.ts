// /health fails once a consumer has been away past its grace period, so Kubernetes restarts the pod; a
// consumer that is merely rebalancing keeps the process alive (it only fails /ready).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app.js';
import {
  ConsumerBoard,
  type ConsumerHealth,
  type ConsumerRunner,
} from '../../../src/kafka/consumer-runner.js';
import { createLogger } from '../../../src/observability/logger.js';

function runner(health: Partial<ConsumerHealth>): ConsumerRunner {
  const full: ConsumerHealth = {
    component: 'orchestrator',
    group: 'p.orchestrator',
    state: 'joined',
    since: Date.now(),
    assigned: [],
    crashesInWindow: 0,
    ...health,
  };
  return { health: () => full, onCrash: () => undefined } as unknown as ConsumerRunner;
}

async function probe(board: ConsumerBoard, path: string): Promise<{ status: number; body: unknown }> {
  const app = createApp({
    logger: createLogger({ level: 'silent' }),
    readiness: [board.readinessCheck()],
    liveness: [board.livenessCheck()],
  });
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: response.status, body: await response.json() };
  } finally {
    server.close();
  }
}

describe('/health and the consumers', () => {
  it('stays alive while a consumer rebalances within its grace period, but is not ready', async () => {
    const board = new ConsumerBoard({ graceMs: 60_000 });
    board.watch(runner({ state: 'starting', since: Date.now() - 1000 }));
    expect((await probe(board, '/health')).status).toBe(200);
    expect((await probe(board, '/ready')).status).toBe(503);
  });

  it('fails once a consumer has been crashed past the grace period, naming the group', async () => {
    const board = new ConsumerBoard({ graceMs: 1000 });
    board.watch(runner({ state: 'crashed', since: Date.now() - 5000, crashesInWindow: 1 }));
    const health = await probe(board, '/health');
    expect(health.status).toBe(503);
    expect(JSON.stringify(health.body)).toContain('p.orchestrator has been crashed');
  });

  it('is alive and ready with every consumer joined', async () => {
    const board = new ConsumerBoard({ graceMs: 1000 });
    board.watch(runner({ state: 'joined', since: Date.now() - 60_000 }));
    expect((await probe(board, '/health')).status).toBe(200);
    expect((await probe(board, '/ready')).status).toBe(200);
  });
});
