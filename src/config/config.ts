// The one place that reads the environment. Everything else receives a PercolatorConfig.
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
}

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
} as const;

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
  };
  if (!/^[A-Za-z0-9._-]+$/.test(config.topicPrefix)) {
    read.problems.push(
      `TOPIC_PREFIX=${JSON.stringify(config.topicPrefix)}: expected letters, digits, '.', '_' or '-'`,
    );
  }
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}
