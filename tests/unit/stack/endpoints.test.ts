import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { formatHostPort, isLoopback, parseHostPort, stackEndpoints } from '../../../src/stack/endpoints.js';
import { requiredDatabases } from '../../../src/stack/stack.js';

describe('stackEndpoints', () => {
  it('derives every listener from the default configuration', () => {
    const endpoints = stackEndpoints(loadConfig({}));
    expect(endpoints.kafka).toEqual({ host: '127.0.0.1', port: 9092 });
    expect(endpoints.kafkaController).toEqual({ host: '127.0.0.1', port: 9093 });
    expect(endpoints.registry).toEqual({ host: '127.0.0.1', port: 8081 });
    expect(endpoints.registryManagement).toEqual({ host: '127.0.0.1', port: 9081 });
    expect(endpoints.registryApiUrl).toBe('http://127.0.0.1:8081/apis/ccompat/v7');
    expect(endpoints.redis).toEqual({ host: '127.0.0.1', port: 6379 });
    expect(endpoints.postgres).toEqual({
      host: '127.0.0.1',
      port: 5432,
      user: 'postgres',
      password: undefined,
      database: 'percolator',
    });
  });

  it('follows configured addresses and credentials', () => {
    const endpoints = stackEndpoints(
      loadConfig({
        KAFKA_BROKERS: '127.0.0.1:19092,127.0.0.1:29092',
        SCHEMA_REGISTRY_URL: 'http://localhost:18081/apis/ccompat/v7/',
        DATABASE_URL: 'postgres://me:s%40cret@127.0.0.1:15432/other',
      }),
    );
    expect(endpoints.kafka).toEqual({ host: '127.0.0.1', port: 19092 });
    expect(endpoints.kafkaController.port).toBe(19093);
    expect(endpoints.registry).toEqual({ host: 'localhost', port: 18081 });
    expect(endpoints.registryApiUrl).toBe('http://localhost:18081/apis/ccompat/v7');
    expect(endpoints.postgres).toMatchObject({
      port: 15432,
      user: 'me',
      password: 's@cret',
      database: 'other',
    });
  });
});

describe('host:port helpers', () => {
  it('parses and formats IPv4, names and bracketed IPv6', () => {
    expect(parseHostPort('127.0.0.1:9092', 1)).toEqual({ host: '127.0.0.1', port: 9092 });
    expect(parseHostPort('kafka', 9092)).toEqual({ host: 'kafka', port: 9092 });
    expect(parseHostPort('[::1]:9092', 1)).toEqual({ host: '::1', port: 9092 });
    expect(formatHostPort({ host: '::1', port: 9092 })).toBe('[::1]:9092');
  });

  it('knows loopback hosts', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('10.0.0.1')).toBe(false);
  });
});

describe('requiredDatabases', () => {
  it("is the configured database, its _test twin and the stack's registry database", () => {
    expect(requiredDatabases('percolator', 'apicurio_x')).toEqual([
      'percolator',
      'percolator_test',
      'apicurio_x',
    ]);
    expect(requiredDatabases('percolator_test', 'apicurio_x')).toEqual([
      'percolator',
      'percolator_test',
      'apicurio_x',
    ]);
  });
});
