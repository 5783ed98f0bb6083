// The one pino logger factory: JSON lines, secrets redacted wherever they appear in a logged object.
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/config.js';

export type { Logger } from 'pino';

const REDACTED_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'secret',
  '*.secret',
];

export interface LoggerOptions {
  level: LogLevel;
  name?: string;
  /** Extra paths to redact, e.g. PII fields of workflow inputs. */
  redact?: string[];
}

export function createLogger(options: LoggerOptions, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: options.name ?? 'percolator',
      level: options.level,
      redact: { paths: [...REDACTED_PATHS, ...(options.redact ?? [])], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
