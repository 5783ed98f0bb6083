// /ready of a real `percolator serve` process is decided by the engine's own clients at the addresses it was
// given, not by the local stack's probes: a schema registry reached through a relay on an unrelated port (as in
// docker-compose, Kubernetes or a managed registry) counts as up, a cut one as down, and the process recovers
// by itself when the registry is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineProcess, ensureBuilt } from '../support/engine-process.js';
import { freePort } from '../support/free-port.js';
import { testServices, uniquePrefix } from '../support/services.js';
import { TcpRelay } from '../support/tcp-relay.js';
import { waitUntil } from '../support/wait.js';

interface ReadyBody {
  status: string;
  checks: Record<string, { status: string; error?: string }>;
}

describe('/ready through the engine’s own clients', () => {
  let relay: TcpRelay;
  let engine: EngineProcess;
  let port: number;

  beforeAll(async () => {
    ensureBuilt();
    const registry = new URL(testServices().schemaRegistryUrl);
    relay = await TcpRelay.start({ host: registry.hostname, port: Number(registry.port || 80) });
    registry.port = String(relay.port);
    port = await freePort();
    engine = await EngineProcess.start(uniquePrefix('ready'), 'history', {
      SCHEMA_REGISTRY_URL: registry.toString().replace(/\/$/, ''),
      PORT: String(port),
    });
  }, 120_000);

  afterAll(async () => {
    await engine?.stop();
    await relay?.stop();
  });

  async function ready(): Promise<{ status: number; body: ReadyBody }> {
    const response = await fetch(`http://127.0.0.1:${port}/ready`);
    return { status: response.status, body: (await response.json()) as ReadyBody };
  }

  it('is ready with the registry behind a relay, not ready while it is cut off, and ready again after', async () => {
    await waitUntil(async () => (await ready()).status === 200, 30_000);
    const up = await ready();
    expect(Object.keys(up.body.checks).sort()).toEqual([
      'consumers',
      'kafka',
      'postgres',
      'redis',
      'schema-registry',
    ]);

    await relay.cut();
    let down: { status: number; body: ReadyBody } | undefined;
    await waitUntil(async () => {
      down = await ready();
      return down.status === 503;
    }, 30_000);
    expect(down!.body.checks['schema-registry']!.status).toBe('down');
    expect(down!.body.checks['schema-registry']!.error).toContain(String(relay.port));
    expect(down!.body.checks.redis!.status).toBe('up');

    await relay.restore();
    await waitUntil(async () => (await ready()).status === 200, 30_000);
    expect(engine.child.exitCode).toBeNull();
  }, 120_000);
});
