// What the built-in agents are built from. Handlers read these fields when a command arrives, never when
// the agent is defined, so the catalog can hand over an object whose pool is created on first use.
import type pg from 'pg';
import type { PercolatorConfig } from '../../config/config.js';
import type { Logger } from '../../observability/logger.js';
import { AgentError } from '../sdk/agent-error.js';
import type { LlmProvider } from '../llm/provider.js';

export type BuiltinAgentsConfig = Pick<PercolatorConfig, 'llmBaseUrl' | 'llmApiKey' | 'llmModel' | 'smtpUrl'>;

export interface BuiltinAgentDeps {
  /** Postgres with the migrations applied (scheduled_posts, published_posts, inventory, alerts, ...). */
  readonly pool: pg.Pool;
  readonly config: BuiltinAgentsConfig;
  readonly logger: Logger;
  /**
   * The model the writing agents use. Undefined: made from config (LLM_*); null: none, write offline even
   * when LLM_BASE_URL is set.
   */
  readonly llm?: LlmProvider | null;
}

const UNDEFINED_TABLE = '42P01';

/** pg-pool's own error when no client of the pool came free in time (it carries no code): busy, not broken. */
function isPoolWaitTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'timeout exceeded when trying to connect';
}
const CONNECTION_CLASS = /^(08|57P0|53)/;

/**
 * Runs a store operation and turns Postgres trouble into a failure the engine can act on: a missing table
 * means the migrations have not run (retriable, so the step succeeds once they have), a lost connection or
 * an overloaded server is retriable too. Other errors, and AgentErrors, pass through.
 */
export async function withStore<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof AgentError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === UNDEFINED_TABLE) {
      throw new AgentError('STORE_NOT_MIGRATED', `${(error as Error).message}; run \`percolator migrate\``, {
        retriable: true,
        cause: error,
      });
    }
    if (
      (typeof code === 'string' && CONNECTION_CLASS.test(code)) ||
      code === 'ECONNREFUSED' ||
      code === 'ECONNRESET' ||
      code === 'ETIMEDOUT' ||
      isPoolWaitTimeout(error)
    ) {
      throw new AgentError('STORE_UNAVAILABLE', `Postgres: ${(error as Error).message}`, {
        retriable: true,
        cause: error,
      });
    }
    throw error;
  }
}
