import { describe, expect, it } from 'vitest';
import { jdbcUrl, registryJvmArgs } from '../../../src/stack/registry-config.js';

const args = registryJvmArgs({
  http: { host: '127.0.0.1', port: 8081 },
  management: { host: '127.0.0.1', port: 9081 },
  postgres: { host: '127.0.0.1', port: 5432, user: 'postgres', password: undefined },
  database: 'apicurio',
  marker: '-Dpercolator.stack=registry@/s',
});

function property(name: string): string | undefined {
  return args.find((arg) => arg.startsWith(`-D${name}=`))?.slice(name.length + 3);
}

describe('registryJvmArgs', () => {
  it('serves on loopback with health on the management port', () => {
    expect(property('quarkus.http.host')).toBe('127.0.0.1');
    expect(property('quarkus.http.port')).toBe('8081');
    expect(property('quarkus.management.host')).toBe('127.0.0.1');
    expect(property('quarkus.management.port')).toBe('9081');
  });

  it('keeps schemas in the apicurio database of Postgres', () => {
    expect(property('apicurio.storage.kind')).toBe('sql');
    expect(property('apicurio.storage.sql.kind')).toBe('postgresql');
    expect(property('apicurio.datasource.url')).toBe('jdbc:postgresql://127.0.0.1:5432/apicurio');
    expect(property('apicurio.datasource.username')).toBe('postgres');
    expect(property('apicurio.datasource.password')).toBe('');
  });

  it('applies a global BACKWARD compatibility rule', () => {
    expect(property('apicurio.rules.global.compatibility')).toBe('BACKWARD');
  });

  it('bounds the heap, carries the marker and runs the Quarkus launcher', () => {
    expect(args).toEqual(expect.arrayContaining(['-Xmx512m', '-Dpercolator.stack=registry@/s']));
    expect(args.slice(-2)).toEqual(['-jar', 'quarkus-run.jar']);
  });
});

describe('jdbcUrl', () => {
  it('brackets IPv6 hosts', () => {
    expect(jdbcUrl({ host: '::1', port: 5432 }, 'apicurio')).toBe('jdbc:postgresql://[::1]:5432/apicurio');
  });
});
