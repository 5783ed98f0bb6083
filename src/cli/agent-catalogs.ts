// What `percolator validate` knows about agents: the built-in agents' actions, always (offline), and what the
// engine's agent registry knows (the types and actions agents announced by heartbeat) when Kafka answers.
import { builtinAgentCatalog } from '../agents/builtin/builtin-catalog.js';
import { startAgentRegistry } from '../agents/registry/index.js';
import type { PercolatorConfig } from '../config/config.js';
import { layeredAgentCatalog, type AgentCatalog } from '../definition/index.js';
import { AvroCodec } from '../kafka/avro-codec.js';
import { createKafka } from '../kafka/client.js';
import { EnvelopeCodec } from '../kafka/schemas.js';

export type LiveCatalog = { catalog: AgentCatalog } | { unavailable: string };

/**
 * Reads the heartbeats topic as the API's registry does, within `timeoutMs`; any failure (no Kafka, no
 * schema registry, no topic) answers `unavailable` with the reason, and validation goes on offline.
 */
export async function liveAgentCatalog(config: PercolatorConfig, timeoutMs: number): Promise<LiveCatalog> {
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: 'percolator-validate',
    connectionTimeoutMs: Math.min(3_000, timeoutMs),
    retries: 1,
  });
  let stop: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const reading = (async (): Promise<LiveCatalog> => {
    const codec = await EnvelopeCodec.create(AvroCodec.forUrl(config.schemaRegistryUrl));
    const running = await startAgentRegistry({
      kafka,
      codec,
      topicPrefix: config.topicPrefix,
      readResults: false,
      catchUpTimeoutMs: timeoutMs,
    });
    stop = running.stop;
    return { catalog: running.registry };
  })();
  try {
    return await Promise.race([
      reading,
      new Promise<LiveCatalog>((resolve) => {
        timer = setTimeout(
          () => resolve({ unavailable: `no answer within ${timeoutMs / 1000} s` }),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    return { unavailable: (error as Error).message };
  } finally {
    clearTimeout(timer);
    // A late start still has to be stopped, or its consumer keeps the process alive.
    void reading.then(
      () => stop?.(),
      () => undefined,
    );
  }
}

/** The live registry first (what really runs), the built-in table for the built-in agents it does not know. */
export function validationCatalog(live: LiveCatalog | undefined): AgentCatalog {
  const builtin = builtinAgentCatalog();
  return live && 'catalog' in live ? layeredAgentCatalog(live.catalog, builtin) : builtin;
}
