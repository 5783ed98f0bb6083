// A redis-server of a test's own, without persistence, that the test may crash, restart or flush without
// disturbing the shared stack's Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { waitUntil } from './wait.js';

/** A redis-server of this test's own, without persistence: a restart loses everything, as a crash does. */
export class PrivateRedis {
  private child?: ChildProcess;
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), mkdtempSync(join(tmpdir(), 'percolator-redis-')));
    await redis.run();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async run(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
      ],
      { stdio: 'ignore' },
    );
    child.once('error', (error) => {
      throw new Error(`cannot start redis-server (is it installed?): ${error.message}`);
    });
    this.child = child;
    await waitUntil(
      async () => {
        const probe = new Redis(this.url, {
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        }).on('error', () => undefined);
        try {
          await probe.connect();
          return (await probe.ping()) === 'PONG';
        } catch {
          return false;
        } finally {
          probe.disconnect();
        }
      },
      30_000,
      100,
    );
  }

  /** As a crash or a failover to an empty replica: nothing is saved. */
  async shutdownNoSave(): Promise<void> {
    const child = this.child;
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    const client = new Redis(this.url, { maxRetriesPerRequest: 0, retryStrategy: () => null }).on(
      'error',
      () => undefined,
    );
    await client.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    client.disconnect();
    await exited;
  }

  /** What a replica that lags behind would hold: the data as of now, loaded by the next start. */
  async snapshot(): Promise<void> {
    const client = new Redis(this.url);
    await client.save();
    client.disconnect();
  }

  forgetSnapshot(): void {
    rmSync(join(this.dir, 'dump.rdb'), { force: true });
  }

  async flushAll(): Promise<void> {
    const client = new Redis(this.url);
    await client.flushall();
    client.disconnect();
  }

  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null) await this.shutdownNoSave();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
