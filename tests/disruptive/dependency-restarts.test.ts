// Dependencies that go away under load: a real Postgres restart (`pg_ctl restart -m fast` of a private cluster),
// a Redis restart that keeps its data (a private redis-server with an fsync-always AOF), and the schema registry
// cut off behind a relay. Engine processes (api, orchestrator, history) and an agents process run as children
// against them while executions are POSTed every 50 ms. No process may exit, and every execution the API
// accepted must complete. The recovery figures are printed for docs/operations.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentsProcess, EngineProcess, ensureBuilt } from '../support/engine-process.js';
import { freePort } from '../support/free-port.js';
import { testServices, uniquePrefix } from '../support/services.js';
import { TcpRelay } from '../support/tcp-relay.js';
import { waitUntil } from '../support/wait.js';

const PG_BIN = '/usr/lib/postgresql/15/bin';

function run(command: string, args: string[], options: { asPostgres?: boolean } = {}): string {
  const [file, argv] =
    options.asPostgres && process.getuid?.() === 0
      ? ['runuser', ['-u', 'postgres', '--', command, ...args]]
      : [command, args];
  const result = spawnSync(file, argv, { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status}): ${result.stdout}${result.stderr}`,
    );
  return result.stdout;
}

/** As run(), without blocking the test's event loop (the load keeps going meanwhile). */
function runAsync(command: string, args: string[], options: { asPostgres?: boolean } = {}): Promise<void> {
  const [file, argv] =
    options.asPostgres && process.getuid?.() === 0
      ? ['runuser', ['-u', 'postgres', '--', command, ...args]]
      : [command, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${code}): ${output}`)),
    );
  });
}

/** A Postgres cluster of this test's own, on a free port in a temp dir. */
class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'percolator-pg-'));
    // initdb refuses to run as root: the cluster belongs to the postgres user.
    if (process.getuid?.() === 0) chownSync(dir, uidOf('postgres'), gidOf('postgres'));
    const port = await freePort();
    run(`${PG_BIN}/initdb`, ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8'], {
      asPostgres: true,
    });
    const pg = new PrivatePostgres(dir, port);
    pg.ctl('start');
    return pg;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  ctl(action: 'start' | 'stop'): void {
    run(`${PG_BIN}/pg_ctl`, this.ctlArgs(action), { asPostgres: true });
  }

  restart(): Promise<void> {
    return runAsync(`${PG_BIN}/pg_ctl`, this.ctlArgs('restart'), { asPostgres: true });
  }

  private ctlArgs(action: string): string[] {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`;
    return [
      '-D',
      join(this.dir, 'data'),
      '-l',
      join(this.dir, 'log'),
      '-w',
      '-m',
      'fast',
      '-o',
      options,
      action,
    ];
  }

  stop(): void {
    try {
      this.ctl('stop');
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

function uidOf(user: string): number {
  return Number(run('id', ['-u', user]).trim());
}
function gidOf(user: string): number {
  return Number(run('id', ['-g', user]).trim());
}

/** A redis-server of this test's own whose data survives a restart (AOF, fsync on every write). */
class PrivateRedis {
  private child: ChildProcess | undefined;
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(mkdtempSync(join(tmpdir(), 'percolator-redis-')), await freePort());
    await redis.launch();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private async launch(): Promise<void> {
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--dir', this.dir, '--save', '', '--appendonly', 'yes'],
      { stdio: 'ignore' },
    );
    this.child.unref();
    await waitUntil(
      async () =>
        spawnSync('redis-cli', ['-p', String(this.port), 'ping'], { encoding: 'utf8' }).stdout.includes(
          'PONG',
        ),
      30_000,
      100,
    );
  }

  /** SHUTDOWN keeps the data (the AOF is flushed), then the same server starts again on the same port. */
  async restart(): Promise<void> {
    await this.shutdown();
    await this.launch();
  }

  private async shutdown(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    spawnSync('redis-cli', ['-p', String(this.port), 'shutdown'], { encoding: 'utf8' });
    await exited;
  }

  async stop(): Promise<void> {
    await this.shutdown();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

interface LoadResult {
  accepted: string[];
  refused: Map<number, number>;
  /** When a POST last failed, and when the first POST after that succeeded. */
  firstRefusedAt?: number;
  lastRefusedAt?: number;
}

describe('dependency restarts under load', () => {
  const services = testServices();
  const prefix = uniquePrefix('restarts');
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let registryRelay: TcpRelay;
  let engines: { role: string; process: EngineProcess; port: number }[] = [];
  let agents: AgentsProcess;
  let apiPort: number;
  let workflowId: string;

  beforeAll(async () => {
    ensureBuilt();
    postgres = await PrivatePostgres.start();
    redis = await PrivateRedis.start();
    const registry = new URL(services.schemaRegistryUrl);
    registryRelay = await TcpRelay.start({ host: registry.hostname, port: Number(registry.port || 80) });
    registry.port = String(registryRelay.port);
    const env = {
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      SCHEMA_REGISTRY_URL: registry.toString().replace(/\/$/, ''),
      AUTH_MODE: 'off',
      LOG_LEVEL: 'warn',
    };
    // The API first: it runs the migrations on the new database before the others start.
    for (const role of ['api', 'orchestrator', 'history']) {
      const port = await freePort();
      const process = await EngineProcess.start(prefix, role, {
        ...env,
        PORT: String(port),
        LOG_LEVEL: 'info',
      });
      engines.push({ role, process, port });
    }
    apiPort = engines[0]!.port;
    agents = AgentsProcess.start(prefix, ['echo'], env);
    const created = await api('POST', '/api/v1/workflows', {
      workflow: {
        name: `${prefix}.restarts`,
        steps: [
          { id: 'first', type: 'agent', agent_type: 'echo', action: 'echo', input: '{"text": topic}' },
          { id: 'second', type: 'agent', agent_type: 'echo', action: 'echo', input: '{"text": text & "!"}' },
        ],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    workflowId = (created.body as { id: string }).id;
    await allReady(60_000);
    // A step for an agent type whose topic does not exist yet fails at once (AGENT_TYPE_UNKNOWN): wait for
    // the agents process to announce itself before the first start.
    await waitUntil(async () => {
      const agents = await api('GET', '/api/v1/agents');
      return JSON.stringify(agents.body).includes('"echo"');
    }, 90_000);
    // One execution end to end before any disruption: the agents process has joined its group.
    const first = await startOne();
    expect(first).toBeDefined();
    await waitUntil(async () => (await statusOf(first!)) === 'completed', 90_000);
  }, 240_000);

  afterAll(async () => {
    await agents?.stop();
    for (const { process } of engines) await process.stop();
    engines = [];
    await registryRelay?.stop();
    await redis?.stop();
    postgres?.stop();
  }, 120_000);

  async function api(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`http://127.0.0.1:${apiPort}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed };
  }

  async function startOne(): Promise<string | undefined> {
    try {
      const { status, body } = await api('POST', `/api/v1/workflows/${workflowId}/execute`, {
        input: { topic: 'restart' },
      });
      return status === 202 ? (body as { execution_id: string }).execution_id : undefined;
    } catch {
      return undefined;
    }
  }

  async function statusOf(id: string): Promise<string | undefined> {
    try {
      const { status, body } = await api('GET', `/api/v1/executions/${id}`);
      return status === 200 ? (body as { status: string }).status : undefined;
    } catch {
      return undefined;
    }
  }

  async function readyStatuses(): Promise<number[]> {
    return Promise.all(
      engines.map(async ({ port }) => {
        try {
          return (await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(5000) }))
            .status;
        } catch {
          return 0;
        }
      }),
    );
  }

  async function allReady(timeoutMs: number): Promise<void> {
    await waitUntil(async () => (await readyStatuses()).every((status) => status === 200), timeoutMs, 100);
  }

  /** POSTs an execution every 50 ms while `during` runs, and for a while after it. */
  async function underLoad(during: () => Promise<void>): Promise<LoadResult> {
    const result: LoadResult = { accepted: [], refused: new Map() };
    let stopping = false;
    const loop = (async () => {
      while (!stopping) {
        const started = Date.now();
        let status = 0;
        try {
          const response = await api('POST', `/api/v1/workflows/${workflowId}/execute`, {
            input: { topic: 'load' },
          });
          status = response.status;
          if (status === 202) result.accepted.push((response.body as { execution_id: string }).execution_id);
        } catch {
          status = 0;
        }
        if (status !== 202) {
          result.refused.set(status, (result.refused.get(status) ?? 0) + 1);
          result.firstRefusedAt ??= started;
          result.lastRefusedAt = Date.now();
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await waitUntil(async () => result.accepted.length >= 20, 30_000, 50);
    await during();
    // Keep the load on until every process is ready again, and a little past that.
    await allReady(90_000);
    const afterReady = result.accepted.length;
    await waitUntil(async () => result.accepted.length >= afterReady + 20, 60_000, 50);
    stopping = true;
    await loop;
    return result;
  }

  async function expectAllCompleted(ids: readonly string[]): Promise<void> {
    const pending = new Set(ids);
    await waitUntil(
      async () => {
        for (const id of [...pending].slice(0, 200)) {
          const status = await statusOf(id);
          if (status === 'completed') pending.delete(id);
          else if (status === 'failed' || status === 'cancelled')
            throw new Error(`execution ${id} ended ${status}`);
        }
        return pending.size === 0;
      },
      180_000,
      500,
    );
  }

  function expectNoProcessExited(): void {
    for (const { role, process } of engines) {
      expect(process.child.exitCode, `${role} exited:\n${process.output.slice(-20).join('\n')}`).toBeNull();
    }
    expect(agents.child.exitCode, `agents exited:\n${agents.output.slice(-20).join('\n')}`).toBeNull();
  }

  /** Measures from the moment the dependency is back to every /ready answering 200. */
  async function secondsUntilReady(): Promise<number> {
    const from = Date.now();
    await allReady(90_000);
    return (Date.now() - from) / 1000;
  }

  function report(name: string, load: LoadResult, downSeconds: number, readySeconds: number): void {
    const refusedFor =
      load.firstRefusedAt !== undefined
        ? ((load.lastRefusedAt! - load.firstRefusedAt) / 1000).toFixed(1)
        : '0';
    console.log(
      `${name}: down ${downSeconds.toFixed(1)} s; all /ready 200 ${readySeconds.toFixed(1)} s after it was back; ` +
        `POSTs accepted ${load.accepted.length}, refused ${[...load.refused].map(([s, n]) => `${n}×${s}`).join(', ') || 'none'} ` +
        `over ${refusedFor} s; every accepted execution completed`,
    );
  }

  it('Postgres restarts (pg_ctl restart -m fast): no process exits, every accepted execution completes', async () => {
    let down = 0;
    let ready = 0;
    const load = await underLoad(async () => {
      const from = Date.now();
      await postgres.restart();
      down = (Date.now() - from) / 1000;
      ready = await secondsUntilReady();
    });
    expectNoProcessExited();
    await expectAllCompleted(load.accepted);
    expectNoProcessExited();
    report('postgres restart', load, down, ready);
  }, 400_000);

  it('Redis restarts with its data kept: no process exits, every accepted execution completes', async () => {
    let down = 0;
    let ready = 0;
    const load = await underLoad(async () => {
      const from = Date.now();
      await redis.restart();
      down = (Date.now() - from) / 1000;
      ready = await secondsUntilReady();
    });
    expectNoProcessExited();
    await expectAllCompleted(load.accepted);
    expectNoProcessExited();
    report('redis restart', load, down, ready);
  }, 400_000);

  it('the schema registry is cut off for 5 s: /ready says so, no process exits, everything completes', async () => {
    let ready = 0;
    let sawNotReady = false;
    const load = await underLoad(async () => {
      await registryRelay.cut();
      await waitUntil(async () => (await readyStatuses()).every((status) => status === 503), 30_000, 100);
      sawNotReady = true;
      // Held down for a while, however long noticing took.
      const until = Date.now() + 5000;
      await waitUntil(async () => Date.now() >= until, 10_000, 100);
      await registryRelay.restore();
      ready = await secondsUntilReady();
    });
    expect(sawNotReady).toBe(true);
    expectNoProcessExited();
    await expectAllCompleted(load.accepted);
    expectNoProcessExited();
    report('registry cut', load, 5, ready);
  }, 400_000);
});
