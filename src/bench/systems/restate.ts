// Restate: its server binary from the npm package, started fresh per run as a child process, and the
// steps as durable service calls through @restatedev/restate-sdk: a `bench` service whose handler calls
// the `echo` service three times in a row (W1) or once, ten times in parallel and once more (W2). The
// SDK endpoint runs in this process; a workflow is one ingress call, finished when its response arrives.
// The server's WAL fsyncs are switched off so an acknowledged step sits in the page cache, as in Kafka.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensurePeers, importPeer, peerFile, PEERS_DIR } from '../peers.js';
import { HandlerClock, SystemUnavailable, type BenchSystem, type SystemRun } from '../system.js';
import { W2_BRANCHES } from '../workloads.js';

type Handler = (ctx: RestateContext, input: unknown) => Promise<unknown>;
interface RestateContext {
  serviceClient(service: unknown): { echo(input: unknown): Promise<unknown> };
}
interface RestateSdk {
  service(definition: { name: string; handlers: Record<string, Handler> }): unknown;
  endpoint(): {
    bind(service: unknown): ReturnType<RestateSdk['endpoint']>;
    setLogger(
      logger: (meta: { level: string }, message?: unknown, ...rest: unknown[]) => void,
    ): ReturnType<RestateSdk['endpoint']>;
    listen(port: number): Promise<number>;
  };
  RestatePromise: { all(promises: unknown[]): Promise<unknown[]> };
}

/**
 * The SDK calls Promise.withResolvers (ES2024, Node 22) although it declares no engines; Node 20 lacks it.
 * Installed only when missing, only in the bench process, only for this peer.
 */
function provideWithResolvers(): void {
  const promise = Promise as unknown as { withResolvers?: () => unknown };
  if (typeof promise.withResolvers === 'function') return;
  promise.withResolvers = () => {
    let resolve!: (value: unknown) => void;
    let reject!: (reason: unknown) => void;
    const created = new Promise((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    return { promise: created, resolve, reject };
  };
}

/** The server's settings: its own ports and data, few partitions for two cores, no fsync, no telemetry. */
export function restateConfig(options: {
  baseDir: string;
  ingressPort: number;
  adminPort: number;
  nodePort: number;
}): string {
  return [
    'node-name = "bench"',
    `base-dir = ${JSON.stringify(options.baseDir)}`,
    `bind-address = "127.0.0.1:${options.nodePort}"`,
    'listen-mode = "tcp"',
    'default-num-partitions = 4',
    'rocksdb-total-memory-size = "512 MiB"',
    'disable-telemetry = true',
    'log-filter = "error"',
    '[admin]',
    `bind-address = "127.0.0.1:${options.adminPort}"`,
    '[ingress]',
    `bind-address = "127.0.0.1:${options.ingressPort}"`,
    '[bifrost.local]',
    'rocksdb-disable-wal-fsync = true',
    '[log-server]',
    'rocksdb-disable-wal-fsync = true',
    '',
  ].join('\n');
}

/** A free TCP port on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exitCode !== null)
      throw new SystemUnavailable(`restate-server exited with code ${server.exitCode}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new SystemUnavailable(`restate-server did not answer ${url} within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

export const restateSystem: BenchSystem = {
  name: 'restate',
  usesRedis: false,
  durability:
    'a step is acknowledged once the server has journaled it in its local log (RocksDB WAL fsync switched off: page cache)',
  async open(workload, sink, { prefix, payload, log }): Promise<SystemRun> {
    await ensurePeers(['@restatedev/restate-sdk', '@restatedev/restate-server'], log);
    const binary = peerFile(
      `@restatedev/restate-server-${process.platform}-${process.arch}`,
      'bin/restate-server',
    );
    if (!existsSync(binary))
      throw new SystemUnavailable(`no restate-server binary for ${process.platform}-${process.arch}`);
    provideWithResolvers();
    let sdk: RestateSdk;
    try {
      sdk = await importPeer<RestateSdk>('@restatedev/restate-sdk');
    } catch (error) {
      throw new SystemUnavailable(`@restatedev/restate-sdk does not load: ${(error as Error).message}`);
    }
    const clock = new HandlerClock();
    const echo = sdk.service({
      name: 'echo',
      handlers: { echo: async (_ctx, input) => clock.time(() => input) },
    });
    const bench = sdk.service({
      name: 'bench',
      handlers: {
        W1: async (ctx, input) => {
          let value = input;
          for (let step = 0; step < 3; step++) value = await ctx.serviceClient(echo).echo(value);
          return value;
        },
        W2: async (ctx, input) => {
          const first = await ctx.serviceClient(echo).echo(input);
          await sdk.RestatePromise.all(
            Array.from({ length: W2_BRANCHES }, () => ctx.serviceClient(echo).echo(first)),
          );
          return ctx.serviceClient(echo).echo(first);
        },
      },
    });
    const [ingressPort, adminPort, nodePort, endpointPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    // The SDK logs every invocation at INFO; a benchmark of 100,000 invocations wants only its warnings.
    const quiet = (meta: { level: string }, message?: unknown, ...rest: unknown[]) => {
      if (meta.level === 'warn' || meta.level === 'error')
        console.error(`[restate] ${meta.level}:`, message, ...rest);
    };
    await sdk.endpoint().setLogger(quiet).bind(echo).bind(bench).listen(endpointPort);

    const baseDir = join(PEERS_DIR, '..', 'restate', prefix);
    await mkdir(baseDir, { recursive: true });
    const configFile = join(baseDir, 'restate.toml');
    await writeFile(configFile, restateConfig({ baseDir, ingressPort, adminPort, nodePort }));
    const server = spawn(binary, ['--no-logo', '--config-file', configFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    server.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
    const close = async () => {
      if (server.exitCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGTERM');
        await Promise.race([exited, sleep(10_000).then(() => server.kill('SIGKILL'))]);
      }
      await rm(baseDir, { recursive: true, force: true });
    };
    try {
      await waitForHttp(`http://127.0.0.1:${adminPort}/health`, 60_000, server);
      await waitForHttp(`http://127.0.0.1:${ingressPort}/restate/health`, 60_000, server);
      const registered = await fetch(`http://127.0.0.1:${adminPort}/deployments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uri: `http://127.0.0.1:${endpointPort}`, force: true }),
      });
      if (!registered.ok)
        throw new SystemUnavailable(
          `restate did not register the endpoint: ${registered.status} ${await registered.text()}`,
        );
    } catch (error) {
      await close();
      if (error instanceof SystemUnavailable)
        throw new SystemUnavailable(`${error.message} ${stderr.trim().slice(-300)}`);
      throw error;
    }
    const url = `http://127.0.0.1:${ingressPort}/bench/${workload}`;
    const body = JSON.stringify({ payload });
    const call = async (id: string) => {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': id },
          body,
        });
        await response.arrayBuffer();
        if (response.ok) sink.completed(id);
        else sink.failed(id);
      } catch {
        sink.failed(id);
      }
    };
    return {
      start: async (ids) => {
        for (const id of ids) void call(id);
      },
      agentMs: () => clock.meanMs(),
      extraPids: () => (server.pid !== undefined && server.exitCode === null ? [server.pid] : []),
      close,
    } satisfies SystemRun;
  },
};
