// Fallback for machines with a Docker engine and no services named in the environment:
// the same four services from public images, started by testcontainers.
import { GenericContainer, Wait, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { createServer } from 'node:net';
import type { TestServices } from './probes.js';

export async function dockerAvailable(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface StartedServices {
  services: Partial<TestServices>;
  stop(): Promise<void>;
}

/** Starts only the services that are missing from `wanted`. */
export async function startContainers(wanted: ReadonlySet<keyof TestServices>): Promise<StartedServices> {
  const started: StartedTestContainer[] = [];
  const services: Partial<TestServices> = {};
  if (wanted.has('kafkaBrokers')) {
    // Kafka advertises its own address, so the host port must be known before the container starts.
    const port = await freePort();
    const kafka = await new GenericContainer('apache/kafka:3.9.1')
      .withExposedPorts({ container: 9092, host: port })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start();
    started.push(kafka);
    services.kafkaBrokers = [`127.0.0.1:${port}`];
  }
  if (wanted.has('schemaRegistryUrl')) {
    const registry = await new GenericContainer('apicurio/apicurio-registry:3.3.3')
      .withExposedPorts(8080)
      .withEnvironment({ APICURIO_RULES_GLOBAL_COMPATIBILITY: 'BACKWARD' })
      .withWaitStrategy(Wait.forHttp('/health/ready', 8080))
      .start();
    started.push(registry);
    services.schemaRegistryUrl = `http://127.0.0.1:${registry.getMappedPort(8080)}/apis/ccompat/v7`;
  }
  if (wanted.has('redisUrl')) {
    const redis = await new GenericContainer('redis:7').withExposedPorts(6379).start();
    started.push(redis);
    services.redisUrl = `redis://127.0.0.1:${redis.getMappedPort(6379)}`;
  }
  if (wanted.has('databaseUrl')) {
    const postgres = await new GenericContainer('postgres:15')
      .withExposedPorts(5432)
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'percolator_test' })
      .withWaitStrategy(Wait.forLogMessage(/ready to accept connections/, 2))
      .start();
    started.push(postgres);
    services.databaseUrl = `postgres://postgres@127.0.0.1:${postgres.getMappedPort(5432)}/percolator_test`;
  }
  return {
    services,
    stop: async () => {
      await Promise.all(started.map((container) => container.stop()));
    },
  };
}
