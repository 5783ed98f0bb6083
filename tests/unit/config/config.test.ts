import { describe, expect, it } from 'vitest';
import { DEFAULTS, loadConfig } from '../../../src/config/config.js';
import { ConfigError } from '../../../src/config/parse.js';

describe('loadConfig', () => {
  it('uses the documented defaults when the environment is empty', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: DEFAULTS.DATABASE_URL,
      redisUrl: 'redis://127.0.0.1:6379',
      kafkaBrokers: ['127.0.0.1:9092'],
      schemaRegistryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
      logLevel: 'info',
      maxConcurrentWorkflows: 100,
      agentUrls: {},
    });
    expect(Object.values(config.agentUrls).every((url) => url === undefined)).toBe(true);
  });

  it('reads every variable of the seed table', () => {
    const config = loadConfig({
      PORT: '9000',
      DATABASE_URL: 'postgres://db.internal/orchestration',
      REDIS_URL: 'redis://cache:6380',
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      SCHEMA_REGISTRY_URL: 'http://registry:8081',
      LOG_LEVEL: 'DEBUG',
      MAX_CONCURRENT_WORKFLOWS: '250',
      SOCIAL_MEDIA_AGENT_URL: 'http://localhost:8181',
      FEEDBACK_ANALYST_AGENT_URL: 'http://localhost:8182',
      INVENTORY_AGENT_URL: 'http://localhost:8183',
      NOTIFIER_AGENT_URL: 'https://notify.example/agent',
    });
    expect(config.port).toBe(9000);
    expect(config.kafkaBrokers).toEqual(['k1:9092', 'k2:9092']);
    expect(config.logLevel).toBe('debug');
    expect(config.maxConcurrentWorkflows).toBe(250);
    expect(config.agentUrls).toEqual({
      'social-media-content': 'http://localhost:8181',
      'feedback-analyst': 'http://localhost:8182',
      inventory: 'http://localhost:8183',
      notifier: 'https://notify.example/agent',
    });
  });

  it('names each wrong variable and what was expected, all at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', REDIS_URL: 'not a url', KAFKA_BROKERS: 'localhost', LOG_LEVEL: 'loud' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PORT="abc": expected an integer from 0 to 65535',
      'REDIS_URL="not a url": expected a URL such as redis://host:port',
      'KAFKA_BROKERS="localhost": expected a comma-separated list of host:port',
      'LOG_LEVEL="loud": expected one of trace, debug, info, warn, error, fatal, silent',
    ]);
  });

  it('rejects a URL with the wrong scheme and an out-of-range limit', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://localhost/x' })).toThrow(
      /DATABASE_URL="mysql:\/\/localhost\/x": expected a URL with scheme postgres: or postgresql:/,
    );
    expect(() => loadConfig({ MAX_CONCURRENT_WORKFLOWS: '0' })).toThrow(/MAX_CONCURRENT_WORKFLOWS="0"/);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT="70000"/);
  });
});
