// Engine processes for tests that need real crashes: `percolator serve` as a child process, killable with SIGKILL.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testServices } from './services.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** `make test` builds first; a test run on its own builds when dist/ is older than src/. */
export function ensureBuilt(): void {
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newestMtime(join(ROOT, 'src'))) return;
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
}

/** This process's environment with the test services and a topic prefix named, as a child process needs them. */
function servicesEnv(topicPrefix: string): NodeJS.ProcessEnv {
  const services = testServices();
  return {
    ...process.env,
    TOPIC_PREFIX: topicPrefix,
    KAFKA_BROKERS: services.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
    REDIS_URL: services.redisUrl,
    DATABASE_URL: services.databaseUrl,
  };
}

export class EngineProcess {
  readonly output: string[] = [];
  private constructor(readonly child: ChildProcess) {}

  static async start(
    topicPrefix: string,
    role: string,
    extraEnv: Record<string, string> = {},
  ): Promise<EngineProcess> {
    const child = spawn(process.execPath, [join(ROOT, 'bin/percolator.js'), 'serve', '--role', role], {
      cwd: ROOT,
      env: {
        ...servicesEnv(topicPrefix),
        LOG_LEVEL: 'info',
        // Each process serves probes and /metrics; a free port each, so several can run side by side.
        PORT: '0',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const engine = new EngineProcess(child);
    const collect = (chunk: Buffer) =>
      engine.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    // Migrations, topics and a dozen consumer-group joins: on a busy 2-core machine that takes a minute or more.
    await engine.waitForLog(/percolator serving/, 150_000);
    return engine;
  }

  async waitForLog(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.output.some((line) => pattern.test(line))) return;
      if (this.child.exitCode !== null) {
        throw new Error(
          `engine process exited with ${this.child.exitCode}:\n${this.output.slice(-20).join('\n')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `engine process did not log ${pattern} within ${timeoutMs} ms:\n${this.output.slice(-20).join('\n')}`,
    );
  }

  /** A crash, not a shutdown: no offsets committed, no outbox flushed, no group leave. */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/** `percolator agents run` as a child process (the test agents included), with its output kept for failures. */
export class AgentsProcess {
  readonly output: string[] = [];
  private constructor(readonly child: ChildProcess) {
    const collect = (chunk: Buffer) =>
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
  }

  /** Starts the agents of `types` on the topics of `topicPrefix`; `extraEnv` overrides the test services. */
  static start(topicPrefix: string, types: string[], extraEnv: Record<string, string> = {}): AgentsProcess {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin/percolator.js'),
        'agents',
        'run',
        ...types,
        '--with-test-agents',
        '--prefix',
        topicPrefix,
      ],
      {
        cwd: ROOT,
        env: {
          ...servicesEnv(topicPrefix),
          ...extraEnv,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return new AgentsProcess(child);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
