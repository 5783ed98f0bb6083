// Turns the configured URLs into the host/port pairs the local services listen on, so `stack up` serves
// exactly the addresses the rest of Percolator will connect to.
import type { PercolatorConfig } from '../config/config.js';

export interface HostPort {
  host: string;
  port: number;
}

export interface StackEndpoints {
  kafka: HostPort;
  /** KRaft controller listener: the port after the broker's, as in Kafka's own quick-start. */
  kafkaController: HostPort;
  registry: HostPort;
  /**
   * Apicurio's Quarkus build fixes a separate management interface (health, metrics) at build time; it
   * cannot be folded into the main port, so it gets the registry port + 1000 (8081 -> 9081).
   */
  registryManagement: HostPort;
  /** The Confluent-compatible API base, e.g. http://127.0.0.1:8081/apis/ccompat/v7. */
  registryApiUrl: string;
  redis: HostPort;
  postgres: HostPort & { user: string; password: string | undefined; database: string };
}

export function stackEndpoints(config: PercolatorConfig): StackEndpoints {
  const kafka = parseHostPort(config.kafkaBrokers[0] ?? '127.0.0.1:9092', 9092);
  const registryUrl = new URL(config.schemaRegistryUrl);
  const registry = urlHostPort(registryUrl, registryUrl.protocol === 'https:' ? 443 : 80);
  const redis = urlHostPort(new URL(config.redisUrl), 6379);
  const pgUrl = new URL(config.databaseUrl);
  return {
    kafka,
    kafkaController: { host: kafka.host, port: kafka.port + 1 },
    registry,
    registryManagement: { host: registry.host, port: registry.port + 1000 },
    registryApiUrl: config.schemaRegistryUrl.replace(/\/+$/, ''),
    redis,
    postgres: {
      ...urlHostPort(pgUrl, 5432),
      user: decodeURIComponent(pgUrl.username) || 'postgres',
      password: pgUrl.password ? decodeURIComponent(pgUrl.password) : undefined,
      database: decodeURIComponent(pgUrl.pathname.replace(/^\//, '')) || 'postgres',
    },
  };
}

export function parseHostPort(value: string, defaultPort: number): HostPort {
  const match = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(value.trim());
  const host = match?.[1] || '127.0.0.1';
  return { host, port: match?.[2] ? Number(match[2]) : defaultPort };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function urlHostPort(url: URL, defaultPort: number): HostPort {
  // URL keeps IPv6 hosts bracketed; sockets want them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  return { host, port: url.port ? Number(url.port) : defaultPort };
}
