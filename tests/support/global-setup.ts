// Integration suite set-up: the services named by the environment (as `make test` names the local stack),
// else containers when a Docker engine is present, else a loud failure naming what is missing. Never a skip.
import type { TestProject } from 'vitest/node';
import { dockerAvailable, startContainers } from './containers.js';
import { unreachableServices, type TestServices } from './probes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    services: TestServices;
  }
}

const VARIABLES: Record<keyof TestServices, string> = {
  kafkaBrokers: 'KAFKA_BROKERS',
  schemaRegistryUrl: 'SCHEMA_REGISTRY_URL',
  redisUrl: 'REDIS_URL',
  databaseUrl: 'DATABASE_URL',
};

function fromEnvironment(): Partial<TestServices> {
  const env = process.env;
  return {
    ...(env.KAFKA_BROKERS
      ? { kafkaBrokers: env.KAFKA_BROKERS.split(',').map((broker) => broker.trim()) }
      : {}),
    ...(env.SCHEMA_REGISTRY_URL ? { schemaRegistryUrl: env.SCHEMA_REGISTRY_URL } : {}),
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const named = fromEnvironment();
  const missing = (Object.keys(VARIABLES) as (keyof TestServices)[]).filter(
    (key) => named[key] === undefined,
  );
  let stopContainers = async (): Promise<void> => undefined;
  if (missing.length > 0) {
    if (!(await dockerAvailable())) {
      throw new Error(
        `integration tests need ${missing.map((key) => VARIABLES[key]).join(', ')}: ` +
          'set them to running services (`make test` starts the local stack and sets them), or provide a Docker engine',
      );
    }
    const started = await startContainers(new Set(missing));
    Object.assign(named, started.services);
    stopContainers = started.stop;
  }
  const services = named as TestServices;
  const unreachable = await unreachableServices(services);
  if (unreachable.length > 0) {
    await stopContainers();
    throw new Error(
      `integration tests cannot reach:\n  - ${unreachable.join('\n  - ')}\nRun \`make stack\` first.`,
    );
  }
  console.log(
    `integration services: Kafka ${services.kafkaBrokers.join(',')}, registry ${services.schemaRegistryUrl}, ` +
      `Redis ${services.redisUrl}, Postgres ${services.databaseUrl}`,
  );
  project.provide('services', services);
  return stopContainers;
}
