// docker-compose.yml and docker-compose.scale.yml, read as Compose reads them (YAML merge keys, the overlay merged
// over the base), checked against what the engine really accepts: no Docker engine runs here to try them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configVariables, loadConfig } from '../../src/config/config.js';
import { ROLES } from '../../src/engine.js';

const ROOT = join(import.meta.dirname, '../..');

interface Service {
  build?: string;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
}

type ComposeFile = { services: Record<string, Service> };

const read = (file: string): ComposeFile =>
  parse(readFileSync(join(ROOT, file), 'utf8'), { merge: true }) as ComposeFile;

/** Compose's own merge of an overlay: maps merge key by key, anything else is replaced. */
function overlay(base: ComposeFile, over: ComposeFile): ComposeFile {
  const services: Record<string, Service> = structuredClone(base.services);
  for (const [name, service] of Object.entries(over.services)) {
    const merged = (services[name] ??= {});
    for (const [key, value] of Object.entries(service) as [keyof Service, unknown][]) {
      const current = merged[key];
      (merged as Record<string, unknown>)[key] =
        current && typeof current === 'object' && !Array.isArray(current)
          ? { ...current, ...(value as object) }
          : value;
    }
  }
  return { services };
}

/** `${NAME:-default}` as Compose substitutes it with NAME unset. */
const substitute = (value: string): string =>
  value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, (_match, fallback: string) => fallback);

const engineServices = (file: ComposeFile) =>
  Object.entries(file.services).filter(([, service]) => service.build === '.');

function checkEngineServices(file: ComposeFile): void {
  const known = configVariables();
  for (const [name, service] of engineServices(file)) {
    const env = Object.fromEntries(
      Object.entries(service.environment ?? {}).map(([key, value]) => [key, substitute(String(value))]),
    );
    for (const key of Object.keys(env)) {
      expect(known, `${name}: ${key} is not a variable of src/config/config.ts`).toContain(key);
    }
    // The engine's own parser, so a value it would refuse at start-up fails here.
    expect(() => loadConfig(env), name).not.toThrow();
  }
}

describe('docker-compose.yml', () => {
  const compose = read('docker-compose.yml');

  it('runs every role of `percolator serve` in a service of its own, plus the agents', () => {
    const commands = Object.fromEntries(
      engineServices(compose).map(([name, service]) => [name, service.command]),
    );
    for (const role of ROLES.filter((r) => r !== 'all')) {
      expect(commands[role]).toEqual(['serve', '--role', role]);
    }
    expect(commands.agents).toEqual(['agents', 'run', '--probe-port', '8080']);
    expect(commands.migrate).toEqual(['migrate']);
  });

  it('gives every engine service valid settings, with a JWT_SECRET so that calls can be made', () => {
    checkEngineServices(compose);
    for (const [name, service] of engineServices(compose)) {
      const secret = substitute(service.environment?.JWT_SECRET ?? '');
      expect(secret.length, `${name}: JWT_SECRET`).toBeGreaterThanOrEqual(32);
      expect(loadConfig(service.environment as Record<string, string>).kafkaBrokers).toEqual(['kafka:29092']);
    }
  });

  it('starts the roles only after the migrations ran', () => {
    for (const [name, service] of engineServices(compose)) {
      if (name === 'migrate') continue;
      expect(service.depends_on?.migrate, name).toEqual({
        condition: 'service_completed_successfully',
      });
    }
  });
});

describe('docker-compose.scale.yml over docker-compose.yml', () => {
  const scaled = overlay(read('docker-compose.yml'), read('docker-compose.scale.yml'));
  const brokers = Object.entries(scaled.services).filter(([, service]) =>
    service.image?.startsWith('apache/kafka'),
  );

  it('runs three brokers in one KRaft quorum with replicated internal topics', () => {
    expect(brokers.map(([name]) => name).sort()).toEqual(['kafka', 'kafka-2', 'kafka-3']);
    const ids = brokers.map(([, service]) => service.environment!.KAFKA_NODE_ID).sort();
    expect(ids).toEqual(['1', '2', '3']);
    for (const [name, service] of brokers) {
      const env = service.environment!;
      expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS, name).toBe('1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093');
      expect(env.KAFKA_ADVERTISED_LISTENERS, name).toContain(`PLAINTEXT://${name}:29092`);
      expect(env.KAFKA_MIN_INSYNC_REPLICAS, name).toBe('2');
      expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, name).toBe('3');
    }
  });

  it('points every engine service at all three brokers', () => {
    checkEngineServices(scaled);
    for (const [name, service] of engineServices(scaled)) {
      expect(loadConfig(service.environment as Record<string, string>).kafkaBrokers, name).toEqual([
        'kafka:29092',
        'kafka-2:29092',
        'kafka-3:29092',
      ]);
    }
    expect(scaled.services.orchestrator!.deploy?.replicas).toBe(3);
  });
});
