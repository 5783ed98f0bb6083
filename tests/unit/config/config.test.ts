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

  it('defaults the API security settings to JWT with no secret and a 1 MiB body limit', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      authMode: 'jwt',
      jwtIssuer: 'percolator',
      jwtAudience: 'percolator-api',
      bodyLimitBytes: 1024 * 1024,
      retentionIntervalMs: 3_600_000,
      percolatorUrl: 'http://127.0.0.1:8080',
    });
    expect(config.jwtSecret).toBeUndefined();
    expect(config.jwksUrl).toBeUndefined();
    expect(config.percolatorToken).toBeUndefined();
  });

  it('reads the API, auth and CLI variables', () => {
    const config = loadConfig({
      AUTH_MODE: 'OFF',
      JWT_SECRET: 'x'.repeat(40),
      JWKS_URL: 'https://idp.example/.well-known/jwks.json',
      JWT_ISSUER: 'https://idp.example/',
      JWT_AUDIENCE: 'ops',
      BODY_LIMIT: '256kb',
      RETENTION_INTERVAL_MS: '60000',
      PERCOLATOR_URL: 'http://api.internal:9000',
      PERCOLATOR_TOKEN: 'abc.def.ghi',
    });
    expect(config).toMatchObject({
      authMode: 'off',
      jwtSecret: 'x'.repeat(40),
      jwksUrl: 'https://idp.example/.well-known/jwks.json',
      jwtIssuer: 'https://idp.example/',
      jwtAudience: 'ops',
      bodyLimitBytes: 256 * 1024,
      retentionIntervalMs: 60_000,
      percolatorUrl: 'http://api.internal:9000',
      percolatorToken: 'abc.def.ghi',
    });
    expect(loadConfig({ BODY_LIMIT: '2mb' }).bodyLimitBytes).toBe(2 * 1024 * 1024);
    expect(loadConfig({ BODY_LIMIT: '4096' }).bodyLimitBytes).toBe(4096);
  });

  it('refuses a short secret without repeating it, an unknown auth mode and a bad body limit', () => {
    let error: unknown;
    try {
      loadConfig({ JWT_SECRET: 'hunter2', AUTH_MODE: 'basic', BODY_LIMIT: '10gb' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toContain('JWT_SECRET: expected at least 32 characters');
    expect(problems.join('\n')).not.toContain('hunter2');
    expect(problems).toContain('AUTH_MODE="basic": expected one of jwt, off');
    expect(problems.some((problem) => problem.startsWith('BODY_LIMIT="10gb"'))).toBe(true);
  });
  it("reads the built-in agents' LLM and SMTP settings, all optional", () => {
    const none = loadConfig({});
    expect([none.llmBaseUrl, none.llmApiKey, none.llmModel, none.smtpUrl]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    const config = loadConfig({
      LLM_BASE_URL: 'http://127.0.0.1:11434/v1',
      LLM_API_KEY: 'sk-local',
      LLM_MODEL: 'small-model',
      SMTP_URL: 'smtp://mailer:secret@127.0.0.1:2525',
    });
    expect(config).toMatchObject({
      llmBaseUrl: 'http://127.0.0.1:11434/v1',
      llmApiKey: 'sk-local',
      llmModel: 'small-model',
      smtpUrl: 'smtp://mailer:secret@127.0.0.1:2525',
    });
    expect(() => loadConfig({ LLM_BASE_URL: 'ftp://models', SMTP_URL: 'http://mail' })).toThrow(
      /LLM_BASE_URL="ftp:\/\/models".*\n.*SMTP_URL="http:\/\/mail"/,
    );
  });

  it('reads the payload limits and the maximum token lifetime, and refuses bad values', () => {
    expect(loadConfig({})).toMatchObject({
      payloadLimits: { maxBytes: 900 * 1024, maxDepth: 64, maxStringLength: 512 * 1024 },
      jwtMaxLifetimeSeconds: 30 * 86_400,
    });
    expect(
      loadConfig({
        PAYLOAD_MAX_BYTES: '256kb',
        PAYLOAD_MAX_DEPTH: '32',
        PAYLOAD_MAX_STRING_LENGTH: '4096',
        JWT_MAX_LIFETIME: '8h',
      }),
    ).toMatchObject({
      payloadLimits: { maxBytes: 256 * 1024, maxDepth: 32, maxStringLength: 4096 },
      jwtMaxLifetimeSeconds: 8 * 3600,
    });
    expect(loadConfig({ JWT_MAX_LIFETIME: '3600' }).jwtMaxLifetimeSeconds).toBe(3600);
    expect(() =>
      loadConfig({ PAYLOAD_MAX_DEPTH: '0', PAYLOAD_MAX_BYTES: 'huge', JWT_MAX_LIFETIME: '2y' }),
    ).toThrow(/PAYLOAD_MAX_BYTES="huge"[\s\S]*PAYLOAD_MAX_DEPTH="0"[\s\S]*JWT_MAX_LIFETIME="2y"/);
  });
});
