// The image as the Dockerfile builds it, without Docker (no engine runs here): the final stage's files are laid
// out in a temporary directory exactly as its COPY lines say, production dependencies installed with
// `npm ci --omit=dev`, and `percolator serve` started from there against the local stack. A file the image
// needs at run time but the Dockerfile does not copy (migrations/ once) makes the engine fail to start here.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/engine-process.js';
import { freePort } from '../support/free-port.js';
import { testServices, uniquePrefix } from '../support/services.js';
import { waitUntil } from '../support/wait.js';

const ROOT = join(import.meta.dirname, '../..');
const JWT_SECRET = 'docker-image-test-secret-0123456789abcdef';

interface Copy {
  /** The build stage it comes from (`--from=`), or none for the build context. */
  stage?: string;
  source: string;
  target: string;
}

/** The COPY lines of the Dockerfile's last stage, the one the image is. */
function finalStageCopies(): Copy[] {
  const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split('\n');
  const lastFrom = lines.findLastIndex((line) => /^FROM\s/i.test(line));
  const copies: Copy[] = [];
  for (const line of lines.slice(lastFrom + 1)) {
    const match = /^COPY\s+(?:--from=(\S+)\s+)?(.+)$/i.exec(line.trim());
    if (!match) continue;
    const paths = match[2]!.split(/\s+/);
    const target = paths.pop()!;
    for (const source of paths) copies.push({ stage: match[1], source, target });
  }
  return copies;
}

/** Where a build stage's output is found here: `make build` produced the same files in the work tree. */
function stageOutput(copy: Copy): string {
  const inStage = copy.source.replace(/^\/app\//, '');
  if (!existsSync(join(ROOT, inStage))) {
    throw new Error(`${inStage} (from the ${copy.stage} stage) is missing: run \`make build\` first`);
  }
  return join(ROOT, inStage);
}

function layOut(dir: string): string[] {
  const laidOut: string[] = [];
  for (const copy of finalStageCopies()) {
    const destination = join(dir, copy.target.replace(/^\.\//, ''));
    if (copy.stage && copy.source === '/app/node_modules') {
      // The build stage's node_modules after `npm prune --omit=dev`: the production dependencies only.
      cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
      cpSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
      execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
        cwd: dir,
        stdio: 'inherit',
      });
      rmSync(join(dir, 'package-lock.json'));
    } else {
      const source = copy.stage ? stageOutput(copy) : join(ROOT, copy.source);
      const target = copy.target.endsWith('/') ? join(destination, copy.source) : destination;
      mkdirSync(dirname(target), { recursive: true });
      cpSync(source, target, { recursive: true });
    }
    laidOut.push(copy.target);
  }
  return laidOut;
}

describe('the Dockerfile image layout', () => {
  const services = testServices();
  let dir: string;
  let engine: ChildProcess | undefined;
  const output: string[] = [];
  let port: number;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'percolator-image-'));
    layOut(dir);
    port = await freePort();
    env = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      TOPIC_PREFIX: uniquePrefix('image'),
      KAFKA_BROKERS: services.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
      REDIS_URL: services.redisUrl,
      DATABASE_URL: services.databaseUrl,
      JWT_SECRET,
    };
    engine = spawn(process.execPath, ['bin/percolator.js', 'serve'], { cwd: dir, env, stdio: 'pipe' });
    const collect = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    engine.stdout!.on('data', collect);
    engine.stderr!.on('data', collect);
    try {
      await waitUntil(async () => {
        if (engine!.exitCode !== null) throw new Error(`it exited with ${engine!.exitCode}`);
        const response = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined);
        return response?.status === 200;
      }, 120_000);
    } catch (error) {
      throw new Error(
        `serve from the image layout did not become ready (${(error as Error).message}):\n` +
          output.slice(-15).join('\n'),
      );
    }
  }, 420_000);

  afterAll(async () => {
    if (engine && engine.exitCode === null) {
      const exited = new Promise((resolve) => engine!.once('exit', resolve));
      engine.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('holds what the engine reads at run time', () => {
    for (const path of ['bin/percolator.js', 'dist/cli/main.js', 'migrations', 'schemas', 'topics']) {
      expect(existsSync(join(dir, path)), path).toBe(true);
    }
    expect(existsSync(join(dir, 'ui/dist/index.html')), 'the console').toBe(true);
    // Production dependencies only: no test runner in the image.
    expect(existsSync(join(dir, 'node_modules/vitest'))).toBe(false);
  });

  it('serves the API to a token minted with the image’s own CLI and the same JWT_SECRET', async () => {
    const token = execFileSync(process.execPath, ['bin/percolator.js', 'token', '--role', 'admin'], {
      cwd: dir,
      env,
      encoding: 'utf8',
    }).trim();
    const denied = await fetch(`http://127.0.0.1:${port}/api/v1/workflows`);
    expect(denied.status).toBe(401);
    const listed = await fetch(`http://127.0.0.1:${port}/api/v1/workflows`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(listed.status).toBe(200);
    const console = await fetch(`http://127.0.0.1:${port}/`);
    expect(console.status).toBe(200);
    expect(console.headers.get('content-type')).toMatch(/text\/html/);
  });
});
