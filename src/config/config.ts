// The one place that reads the environment. Everything else receives a PercolatorConfig.
import { DEFAULT_PAYLOAD_LIMITS, type PayloadLimits } from '../payload/limits.js';
import { ConfigError, EnvReader, type Env } from './parse.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface AgentEndpoints {
  'social-media-content'?: string;
  'feedback-analyst'?: string;
  inventory?: string;
  notifier?: string;
}

export interface PercolatorConfig {
  port: number;
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  logLevel: LogLevel;
  maxConcurrentWorkflows: number;
  /** Prefix of every topic name, so several environments can share one cluster. */
  topicPrefix: string;
  /** URLs of agents that live behind HTTP; a type listed here is bridged instead of run built-in. */
  agentUrls: AgentEndpoints;
  /** The admin API's authentication: `jwt` (bearer tokens and API keys) or `off` (local development only). */
  authMode: AuthMode;
  /** HS256 secret for verifying (and, in the CLI, minting) tokens; at least 32 characters. */
  jwtSecret?: string;
  /** A JWKS document's URL, for tokens signed by an identity provider with asymmetric keys. */
  jwksUrl?: string;
  jwtIssuer: string;
  jwtAudience: string;
  /** Largest request body the API reads, in bytes; a bigger one is answered 413. */
  bodyLimitBytes: number;
  /** Limits of every JSON payload (execution input, signal data): size, nesting depth, string length. */
  payloadLimits: PayloadLimits;
  /** Longest lifetime (exp - iat) of a bearer token the API accepts, in seconds; tokens without exp are refused. */
  jwtMaxLifetimeSeconds: number;
  /** How often the history role purges executions older than retention_settings. */
  retentionIntervalMs: number;
  /** Where the CLI's API commands send their requests, and the credential they send. */
  percolatorUrl: string;
  percolatorToken?: string;
  /**
   * An OpenAI-compatible chat-completions API (e.g. `https://host/v1`) the built-in agents write with;
   * without it they use their offline, deterministic generators.
   */
  llmBaseUrl?: string;
  /** Sent as a bearer token to LLM_BASE_URL; optional for local servers that need none. */
  llmApiKey?: string;
  /** Model name sent with each chat-completions request. */
  llmModel?: string;
  /** SMTP server of the notifier's email channel (`smtp://user:pass@host:587` or `smtps://...`). */
  smtpUrl?: string;
  /**
   * OTLP/HTTP endpoint (e.g. `http://collector:4318`) that traces are exported to; without it no exporter
   * runs, though trace context still travels with every command and result.
   */
  otelExporterOtlpEndpoint?: string;
}

export type AuthMode = 'jwt' | 'off';

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const HTTP = ['http:', 'https:'] as const;

export const DEFAULTS = {
  PORT: 8080,
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/percolator',
  REDIS_URL: 'redis://127.0.0.1:6379',
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7',
  LOG_LEVEL: 'info' as LogLevel,
  MAX_CONCURRENT_WORKFLOWS: 100,
  TOPIC_PREFIX: 'percolator',
  AUTH_MODE: 'jwt' as AuthMode,
  JWT_ISSUER: 'percolator',
  JWT_AUDIENCE: 'percolator-api',
  BODY_LIMIT: 1024 * 1024,
  RETENTION_INTERVAL_MS: 3_600_000,
  PERCOLATOR_URL: 'http://127.0.0.1:8080',
  PAYLOAD_MAX_BYTES: DEFAULT_PAYLOAD_LIMITS.maxBytes,
  PAYLOAD_MAX_DEPTH: DEFAULT_PAYLOAD_LIMITS.maxDepth,
  PAYLOAD_MAX_STRING_LENGTH: DEFAULT_PAYLOAD_LIMITS.maxStringLength,
  JWT_MAX_LIFETIME: 30 * 86_400,
} as const;

const MIN_SECRET_LENGTH = 32;

/** Parses the environment into a validated configuration; throws ConfigError listing every bad variable. */
export function loadConfig(env: Env = process.env): PercolatorConfig {
  const read = new EnvReader(env);
  const config: PercolatorConfig = {
    port: read.integer('PORT', DEFAULTS.PORT, 0, 65535),
    databaseUrl: read.url('DATABASE_URL', DEFAULTS.DATABASE_URL, ['postgres:', 'postgresql:']),
    redisUrl: read.url('REDIS_URL', DEFAULTS.REDIS_URL, ['redis:', 'rediss:']),
    kafkaBrokers: read.hostPorts('KAFKA_BROKERS', DEFAULTS.KAFKA_BROKERS),
    schemaRegistryUrl: read.url('SCHEMA_REGISTRY_URL', DEFAULTS.SCHEMA_REGISTRY_URL, HTTP),
    logLevel: read.oneOf('LOG_LEVEL', DEFAULTS.LOG_LEVEL, LOG_LEVELS),
    maxConcurrentWorkflows: read.integer(
      'MAX_CONCURRENT_WORKFLOWS',
      DEFAULTS.MAX_CONCURRENT_WORKFLOWS,
      1,
      1_000_000,
    ),
    topicPrefix: read.string('TOPIC_PREFIX', DEFAULTS.TOPIC_PREFIX),
    agentUrls: {
      'social-media-content': read.optionalUrl('SOCIAL_MEDIA_AGENT_URL', HTTP),
      'feedback-analyst': read.optionalUrl('FEEDBACK_ANALYST_AGENT_URL', HTTP),
      inventory: read.optionalUrl('INVENTORY_AGENT_URL', HTTP),
      notifier: read.optionalUrl('NOTIFIER_AGENT_URL', HTTP),
    },
    authMode: read.oneOf('AUTH_MODE', DEFAULTS.AUTH_MODE, ['jwt', 'off']),
    jwtSecret: read.optionalString('JWT_SECRET'),
    jwksUrl: read.optionalUrl('JWKS_URL', HTTP),
    jwtIssuer: read.string('JWT_ISSUER', DEFAULTS.JWT_ISSUER),
    jwtAudience: read.string('JWT_AUDIENCE', DEFAULTS.JWT_AUDIENCE),
    bodyLimitBytes: readByteSize(read, 'BODY_LIMIT', DEFAULTS.BODY_LIMIT),
    payloadLimits: {
      maxBytes: readByteSize(read, 'PAYLOAD_MAX_BYTES', DEFAULTS.PAYLOAD_MAX_BYTES),
      maxDepth: read.integer('PAYLOAD_MAX_DEPTH', DEFAULTS.PAYLOAD_MAX_DEPTH, 2, 1000),
      maxStringLength: read.integer(
        'PAYLOAD_MAX_STRING_LENGTH',
        DEFAULTS.PAYLOAD_MAX_STRING_LENGTH,
        16,
        64 * 1024 * 1024,
      ),
    },
    jwtMaxLifetimeSeconds: readDuration(read, 'JWT_MAX_LIFETIME', DEFAULTS.JWT_MAX_LIFETIME),
    retentionIntervalMs: read.integer(
      'RETENTION_INTERVAL_MS',
      DEFAULTS.RETENTION_INTERVAL_MS,
      1000,
      7 * 24 * 3_600_000,
    ),
    percolatorUrl: read.url('PERCOLATOR_URL', DEFAULTS.PERCOLATOR_URL, HTTP),
    percolatorToken: read.optionalString('PERCOLATOR_TOKEN'),
    llmBaseUrl: read.optionalUrl('LLM_BASE_URL', HTTP),
    llmApiKey: read.optionalString('LLM_API_KEY'),
    llmModel: read.optionalString('LLM_MODEL'),
    smtpUrl: read.optionalUrl('SMTP_URL', ['smtp:', 'smtps:']),
    otelExporterOtlpEndpoint: read.optionalUrl('OTEL_EXPORTER_OTLP_ENDPOINT', HTTP),
  };
  if (config.jwtSecret !== undefined && config.jwtSecret.length < MIN_SECRET_LENGTH) {
    // Never echo the secret itself, not even in a start-up error.
    read.problems.push(`JWT_SECRET: expected at least ${MIN_SECRET_LENGTH} characters`);
  }
  if (!/^[A-Za-z0-9._-]+$/.test(config.topicPrefix)) {
    read.problems.push(
      `TOPIC_PREFIX=${JSON.stringify(config.topicPrefix)}: expected letters, digits, '.', '_' or '-'`,
    );
  }
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}

const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration such as `3600`, `90m`, `24h` or `7d`, in seconds, from 1 s to 366 days. */
function readDuration(read: EnvReader, name: string, fallback: number): number {
  const raw = read.optionalString(name);
  if (raw === undefined) return fallback;
  const match = /^(\d+)\s*(s|m|h|d)?$/i.exec(raw);
  const seconds = match ? Number(match[1]) * DURATION_UNITS[(match[2] ?? '').toLowerCase()]! : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > 366 * 86_400) {
    read.problems.push(
      `${name}=${JSON.stringify(raw)}: expected a duration from 1s to 366d, e.g. 3600, 8h or 7d`,
    );
    return fallback;
  }
  return seconds;
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 * 1024 };

/** A size such as `524288`, `512kb` or `2mb`, between 1 KiB and 64 MiB. */
function readByteSize(read: EnvReader, name: string, fallback: number): number {
  const raw = read.optionalString(name);
  if (raw === undefined) return fallback;
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw);
  const bytes = match ? Number(match[1]) * BYTE_UNITS[(match[2] ?? '').toLowerCase()]! : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1024 || bytes > 64 * 1024 * 1024) {
    read.problems.push(
      `${name}=${JSON.stringify(raw)}: expected a size from 1kb to 64mb, e.g. 1048576 or 1mb`,
    );
    return fallback;
  }
  return bytes;
}

/**
 * Every environment variable loadConfig reads, found by loading from an empty environment that records each
 * name asked for; deployment files (the Helm chart, docker-compose) are checked against it.
 */
export function configVariables(): string[] {
  const names = new Set<string>();
  const recorder = new Proxy({} as Env, {
    get(_target, name) {
      if (typeof name === 'string') names.add(name);
      return undefined;
    },
  });
  loadConfig(recorder);
  return [...names].sort();
}
