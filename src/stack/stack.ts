// `stack up | down | status`: the order of things. Redis and Postgres come first because the registry keeps
// its schemas in Postgres; Kafka and the registry then start side by side.
import { mkdirSync } from 'node:fs';
import type { PercolatorConfig } from '../config/config.js';
import { ensureDatabases } from './databases.js';
import { stackEndpoints, type StackEndpoints } from './endpoints.js';
import { StackError } from './errors.js';
import { ensureJavaService, javaServiceState, stopJavaService, type JavaService } from './java-service.js';
import { kafkaService } from './kafka.js';
import { stackPaths, type StackPaths } from './paths.js';
import { chooseRegistryDatabase, recordRegistryDatabase } from './registry-database.js';
import { registryService } from './registry.js';
import { formatState, type ServiceState } from './report.js';
import { ensureSystemService, postgresService, redisService, systemServiceState } from './system-services.js';

export type Say = (line: string) => void;

interface Services {
  paths: StackPaths;
  endpoints: StackEndpoints;
  kafka: JavaService;
  registry: JavaService;
  redis: ReturnType<typeof redisService>;
  postgres: ReturnType<typeof postgresService>;
}

function services(config: PercolatorConfig, paths = stackPaths()): Services {
  const endpoints = stackEndpoints(config);
  return {
    paths,
    endpoints,
    kafka: kafkaService(paths, endpoints),
    registry: registryService(paths, endpoints),
    redis: redisService(paths, endpoints.redis),
    postgres: postgresService(paths, endpoints.postgres),
  };
}

/** The databases Percolator uses: the configured one, its `_test` twin, and the stack's registry database. */
export function requiredDatabases(configured: string, registryDatabase: string): string[] {
  const base = configured.replace(/_test$/, '');
  return [...new Set([base, `${base}_test`, registryDatabase])];
}

export async function stackUp(config: PercolatorConfig, say: Say): Promise<void> {
  const s = services(config);
  mkdirSync(s.paths.logsDir, { recursive: true });
  mkdirSync(s.paths.runDir, { recursive: true });

  // Decided before Kafka starts: a stack whose Kafka was formatted before keeps the shared database.
  const registryDatabase = chooseRegistryDatabase(s.paths);
  await settleAll([
    ensureSystemService(s.redis, s.paths).then(report(say)),
    ensureSystemService(s.postgres, s.paths).then(async (state) => {
      const { created, replaced } = await ensureDatabases(
        s.endpoints.postgres,
        requiredDatabases(s.endpoints.postgres.database, registryDatabase.name),
        registryDatabase.fresh ? [registryDatabase.name] : [],
      );
      recordRegistryDatabase(s.paths, registryDatabase.name);
      const changes = [
        ...(created.length ? [`created ${created.join(', ')}`] : []),
        ...(replaced.length ? [`emptied ${replaced.join(', ')} (left by an earlier checkout here)`] : []),
      ];
      return report(say)(changes.length ? { ...state, note: [state.note, ...changes].join('; ') } : state);
    }),
  ]);
  await settleAll([
    ensureJavaService(s.kafka).then(report(say)),
    ensureJavaService(s.registry).then(report(say)),
  ]);
}

export async function stackDown(config: PercolatorConfig, say: Say): Promise<void> {
  const s = services(config);
  const lines = await Promise.all([stopJavaService(s.kafka), stopJavaService(s.registry)]);
  lines.forEach((line) => say(line));
  say(`redis, postgres: left running (system services; data in .stack/ is kept)`);
}

/** Prints one line per service; resolves to whether all of them answer. */
export async function stackStatus(config: PercolatorConfig, say: Say): Promise<boolean> {
  const s = services(config);
  const states = await Promise.all([
    javaServiceState(s.kafka),
    javaServiceState(s.registry),
    systemServiceState(s.redis),
    systemServiceState(s.postgres),
  ]);
  states.forEach((state) => say(formatState(state)));
  return states.every((state) => state.up);
}

function report(say: Say) {
  return (state: ServiceState): ServiceState => {
    say(formatState(state));
    return state;
  };
}

/** Waits for every task, so one failure does not hide another, then throws them together. */
async function settleAll<T>(tasks: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const failures = results.flatMap((result) =>
    result.status === 'rejected' ? [result.reason as unknown] : [],
  );
  if (failures.length === 0) return results.map((result) => (result as PromiseFulfilledResult<T>).value);
  // Both Java services can fail for one cause (no java, no mvn); say it once.
  const messages = new Set(failures.map((error) => (error instanceof Error ? error.message : String(error))));
  throw new StackError([...messages].join('\n\n'));
}
