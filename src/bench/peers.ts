// The comparison systems are not Percolator's dependencies: they are installed on demand into
// .bench/peers (git-ignored) with npm's own client and loaded from there.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { SystemUnavailable } from './system.js';

/** .bench/peers at the package root, from src/bench as from dist/bench. */
export const PEERS_DIR = fileURLToPath(new URL('../../.bench/peers/', import.meta.url));

const run = promisify(execFile);

/** Pinned versions, each checked to accept Node 20 (`npm view NAME engines`). */
export const PEER_VERSIONS = {
  bullmq: '6.7.0',
  '@restatedev/restate-sdk': '1.17.2',
  '@restatedev/restate-server': '1.7.12',
} as const;
export type PeerName = keyof typeof PEER_VERSIONS;

function installed(name: string): boolean {
  return existsSync(join(PEERS_DIR, 'node_modules', name, 'package.json'));
}

/** Installs whichever of the packages is missing; throws SystemUnavailable with npm's complaint. */
export async function ensurePeers(names: readonly PeerName[], log: (line: string) => void): Promise<void> {
  const missing = names.filter((name) => !installed(name));
  if (missing.length === 0) return;
  await mkdir(PEERS_DIR, { recursive: true });
  const specs = missing.map((name) => `${name}@${PEER_VERSIONS[name]}`);
  log(`installing ${specs.join(' ')} into ${PEERS_DIR}`);
  try {
    await run('npm', ['install', '--prefix', PEERS_DIR, '--no-audit', '--no-fund', ...specs], {
      timeout: 300_000,
    });
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' ') ?? '';
    throw new SystemUnavailable(
      `npm could not install ${specs.join(' ')}: ${detail || (error as Error).message}`,
    );
  }
  for (const name of missing)
    if (!installed(name)) throw new SystemUnavailable(`${name} is still missing after npm install`);
}

/** Imports an installed peer package. */
export async function importPeer<T>(name: PeerName): Promise<T> {
  const require = createRequire(join(PEERS_DIR, 'package.json'));
  return (await import(pathToFileURL(require.resolve(name)).href)) as T;
}

/** A file inside an installed peer package. */
export function peerFile(name: string, path: string): string {
  return join(PEERS_DIR, 'node_modules', name, path);
}
