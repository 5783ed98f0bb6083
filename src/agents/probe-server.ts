// /health, /ready and /metrics for an agents process (`percolator agents run --probe-port`), so that a container
// platform can probe and scrape it the way it does the engine's roles (helm/percolator, docs/kubernetes.md).
import { createServer } from 'node:http';
import type { Kafka } from 'kafkajs';
import { createApp } from '../api/app.js';
import { Readiness } from '../api/readiness.js';
import { kafkaCheck, registryCheck } from '../clients/dependency-checks.js';
import type { Logger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';

export interface ProbeServer {
  close(): Promise<void>;
}

/** Ready while Kafka and the schema registry answer: an agent needs nothing else to work on commands. */
export async function startProbeServer(options: {
  port: number;
  kafka: Kafka;
  kafkaBrokers: readonly string[];
  schemaRegistryUrl: string;
  logger: Logger;
}): Promise<ProbeServer> {
  const readiness = new Readiness();
  const kafka = kafkaCheck(options.kafka, options.kafkaBrokers);
  readiness.add(kafka);
  readiness.add(registryCheck(options.schemaRegistryUrl));
  const app = createApp({
    logger: options.logger,
    readiness: readiness.checks,
    metrics: new Metrics().registry,
  });
  const server = createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => resolve());
  });
  options.logger.info({ port: options.port }, 'probes and /metrics listening');
  return {
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await kafka.close();
    },
  };
}
