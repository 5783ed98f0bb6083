// Finds a Java runtime new enough for a service. Kafka 3.9 runs on the default Java 17, but the registry
// needs 21+, which on these machines is a second JDK under /usr/lib/jvm rather than the one on PATH.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors.js';

export interface JavaRuntime {
  command: string;
  major: number;
}

const JVM_DIR = '/usr/lib/jvm';

/** Reads the major version from `java -version` output: `version "17.0.15"` -> 17, `"1.8.0_392"` -> 8. */
export function parseJavaMajor(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(output);
  if (!match?.[1]) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}

let candidatesCache: Promise<JavaRuntime[]> | undefined;

/** `java` from PATH first, then every JDK under /usr/lib/jvm from the oldest major up. */
function candidates(): Promise<JavaRuntime[]> {
  candidatesCache ??= (async () => {
    const [onPath, ...installed] = await Promise.all(
      ['java', ...jvmDirJavas()].map(async (command) => ({ command, major: await majorOf(command) })),
    );
    const usable = (runtime: { command: string; major: number | undefined } | undefined) =>
      runtime?.major !== undefined;
    return [
      ...(usable(onPath) ? [onPath as JavaRuntime] : []),
      ...(installed.filter(usable) as JavaRuntime[]).sort((a, b) => a.major - b.major),
    ];
  })();
  return candidatesCache;
}

export async function findJava(minMajor: number, purpose: string): Promise<JavaRuntime> {
  const all = await candidates();
  const fit = all.find((runtime) => runtime.major >= minMajor);
  if (fit) return fit;
  if (all.length === 0) {
    throw new StackError(
      `java not found: install OpenJDK 17 (apt-get install openjdk-17-jre-headless)` +
        (minMajor > 17 ? ` and a JDK ${minMajor}+ under ${JVM_DIR} for ${purpose}` : ''),
    );
  }
  const seen = all.map((runtime) => `Java ${runtime.major} (${runtime.command})`).join(', ');
  throw new StackError(
    `${purpose} needs Java ${minMajor} or newer, found only ${seen}: install a JDK ${minMajor}+ under ${JVM_DIR}`,
  );
}

function jvmDirJavas(): string[] {
  if (!existsSync(JVM_DIR)) return [];
  const seen = new Set<string>();
  const result: string[] = [];
  for (const entry of readdirSync(JVM_DIR).sort()) {
    const command = join(JVM_DIR, entry, 'bin', 'java');
    if (!existsSync(command)) continue;
    // Debian links the same JDK under several names; probe each real binary once.
    const real = realpathSync(command);
    if (seen.has(real)) continue;
    seen.add(real);
    result.push(command);
  }
  return result;
}

function majorOf(command: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile(command, ['-version'], { timeout: 15_000 }, (error, stdout, stderr) => {
      resolve(error ? undefined : parseJavaMajor(`${stderr}\n${stdout}`));
    });
  });
}
