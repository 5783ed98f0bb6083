// Fetches the Java services from Maven Central with the poms under stack/. Results are cached under
// .stack/ with a stamp of the pom they came from, so a second `stack up` skips Maven entirely and a version
// bump in a pom fetches afresh.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StackError } from './errors.js';
import { withLogTail } from './log-tail.js';
import { runToLog } from './processes.js';

// Maven 3.8.7 would otherwise pick maven-dependency-plugin 2.8, which lacks what these goals need.
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
const STAMP = '.percolator-pom.sha256';
const FETCH_TIMEOUT_MS = 15 * 60_000;

export interface Fetch {
  service: string;
  pom: string;
  /** copy-dependencies for a classpath of jars, unpack-dependencies for a distribution archive. */
  goal: 'copy-dependencies' | 'unpack-dependencies';
  target: string;
  /** Recognises a finished fetch, so a folder emptied by hand is fetched again despite its stamp. */
  complete: (dir: string) => boolean;
  log: string;
}

export function isFetched({ pom, target, complete }: Fetch): boolean {
  const stamp = join(target, STAMP);
  return existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === pomDigest(pom) && complete(target);
}

// Two Maven processes writing the same local repository can corrupt it; fetches run one at a time.
let queue: Promise<unknown> = Promise.resolve();

/** Returns true when it had to download, false when the cache was already complete. */
export function ensureFetched(fetch: Fetch): Promise<boolean> {
  const run = queue.then(() => (isFetched(fetch) ? false : runFetch(fetch).then(() => true)));
  queue = run.catch(() => undefined);
  return run;
}

async function runFetch(fetch: Fetch): Promise<void> {
  // Fetch into a scratch folder and rename at the end, so an interrupted download never looks complete.
  const scratch = `${fetch.target}.partial`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(dirname(fetch.log), { recursive: true });
  // unpack-dependencies skips archives its marker files say it already unpacked; by default those live in
  // target/ beside the pom (inside the source tree) and would outlive a deleted .stack/. Keep them with the
  // scratch folder and start without any.
  const markers = `${scratch}-markers`;
  rmSync(markers, { recursive: true, force: true });
  const args = [
    '-B',
    '-q',
    '-Dstyle.color=never',
    '-f',
    fetch.pom,
    `${DEPENDENCY_PLUGIN}:${fetch.goal}`,
    `-DoutputDirectory=${scratch}`,
    `-DmarkersDirectory=${markers}`,
  ];
  writeFileSync(fetch.log, `$ mvn ${args.join(' ')}\n`, { flag: 'a' });
  const outcome = await runToLog('mvn', args, fetch.log, FETCH_TIMEOUT_MS);
  rmSync(markers, { recursive: true, force: true });
  if (outcome.kind === 'missing') {
    throw new StackError(
      `mvn not found: install Apache Maven (apt-get install maven); ${fetch.service} is fetched with it`,
    );
  }
  if (outcome.kind !== 'exited' || outcome.code !== 0 || !existsSync(scratch) || !fetch.complete(scratch)) {
    rmSync(scratch, { recursive: true, force: true });
    const why = outcome.kind === 'timeout' ? `gave up after ${FETCH_TIMEOUT_MS / 60_000} min` : 'failed';
    throw new StackError(
      withLogTail(`${fetch.service}: Maven ${why} fetching what ${fetch.pom} lists`, fetch.log),
    );
  }
  writeFileSync(join(scratch, STAMP), `${pomDigest(fetch.pom)}\n`);
  rmSync(fetch.target, { recursive: true, force: true });
  renameSync(scratch, fetch.target);
}

function pomDigest(pom: string): string {
  return createHash('sha256').update(readFileSync(pom)).digest('hex');
}
