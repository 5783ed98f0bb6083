// JVM arguments for Apicurio Registry 3.x. Pure, so the property names that were verified against the
// running registry are pinned by unit tests.
import type { HostPort } from './endpoints.js';

export interface RegistryLayout {
  http: HostPort;
  management: HostPort;
  postgres: HostPort & { user: string; password: string | undefined };
  database: string;
  marker: string;
}

export function registryJvmArgs({ http, management, postgres, database, marker }: RegistryLayout): string[] {
  const properties: [string, string][] = [
    ['quarkus.http.host', http.host],
    ['quarkus.http.port', String(http.port)],
    // Health and metrics live on Quarkus's management interface (fixed on at build time); keep it on
    // loopback too instead of Quarkus's default 0.0.0.0:9000.
    ['quarkus.management.host', management.host],
    ['quarkus.management.port', String(management.port)],
    // Every probe and test request would otherwise add a line to the log.
    ['quarkus.http.access-log.enabled', 'false'],
    ['apicurio.storage.kind', 'sql'],
    ['apicurio.storage.sql.kind', 'postgresql'],
    ['apicurio.datasource.url', jdbcUrl(postgres, database)],
    ['apicurio.datasource.username', postgres.user],
    ['apicurio.datasource.password', postgres.password ?? ''],
    // The registry's defaults (20 to 100 connections) are sized for production, not for a Postgres
    // that the tests share.
    ['apicurio.datasource.jdbc.initial-size', '2'],
    ['apicurio.datasource.jdbc.min-size', '2'],
    ['apicurio.datasource.jdbc.max-size', '10'],
    // Without a rule Apicurio reports a subject's compatibility as NONE with 200, which
    // @kafkajs/confluent-schema-registry rejects; a global BACKWARD rule answers for every subject.
    ['apicurio.rules.global.compatibility', 'BACKWARD'],
  ];
  return [
    '-Xms128m',
    '-Xmx512m',
    // A single-user registry gains nothing from G1's background threads on two cores.
    '-XX:+UseSerialGC',
    '-Djava.awt.headless=true',
    marker,
    ...properties.map(([key, value]) => `-D${key}=${value}`),
    '-jar',
    'quarkus-run.jar',
  ];
}

export function jdbcUrl({ host, port }: HostPort, database: string): string {
  const bracketed = host.includes(':') ? `[${host}]` : host;
  return `jdbc:postgresql://${bracketed}:${port}/${database}`;
}
