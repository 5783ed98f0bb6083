// The agents this package can run in-process, by type. `percolator agents run TYPE...` looks types up
// here: the test agents, and the seed's four built-in agents.
//
// The built-in agents need Postgres and configuration, which a lookup by type cannot pass. Their handlers
// read their dependencies when a command arrives, so the catalog registers them up front with dependencies
// that are made on first use: the ones given to configureBuiltinAgents(), or else a pool and a config
// built from the environment. Importing this module therefore connects to nothing.
import { createPgPool } from '../clients/pg-pool.js';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../observability/logger.js';
import { createBuiltinAgents, type BuiltinAgentDeps } from './builtin/index.js';
import type { AgentDefinition } from './sdk/define-agent.js';
import { TEST_AGENTS } from './testing/test-agents.js';

const catalog = new Map<string, AgentDefinition>();

/** Adds an agent to the catalog; a type may be registered once. */
export function registerAgent(definition: AgentDefinition): void {
  if (catalog.has(definition.type)) {
    throw new Error(`agent type ${definition.type} is already in the catalog`);
  }
  catalog.set(definition.type, definition);
}

let supplied: BuiltinAgentDeps | undefined;
let fromEnvironment: BuiltinAgentDeps | undefined;

/**
 * Gives the catalog's built-in agents their pool, configuration and logger (the composition root calls it
 * before running them; the caller owns and closes the pool). Without it they build their own from the
 * environment on the first command.
 */
export function configureBuiltinAgents(deps: BuiltinAgentDeps): void {
  supplied = deps;
}

function builtinDeps(): BuiltinAgentDeps {
  if (supplied) return supplied;
  if (!fromEnvironment) {
    const config = loadConfig();
    const logger = createLogger({ level: config.logLevel, name: 'percolator-agents' });
    fromEnvironment = {
      config,
      logger,
      // allowExitOnIdle: an idle pool does not keep a stopping `agents run` alive.
      pool: createPgPool(config.databaseUrl, logger, { max: 8, allowExitOnIdle: true }),
    };
  }
  return fromEnvironment;
}

const lazyDeps: BuiltinAgentDeps = {
  get pool() {
    return builtinDeps().pool;
  },
  get config() {
    return builtinDeps().config;
  },
  get logger() {
    return builtinDeps().logger;
  },
  get llm() {
    return builtinDeps().llm;
  },
};

for (const definition of TEST_AGENTS) registerAgent(definition);
for (const definition of createBuiltinAgents(lazyDeps)) registerAgent(definition);

export function findAgent(type: string): AgentDefinition | undefined {
  return catalog.get(type);
}

export function agentTypes(): string[] {
  return [...catalog.keys()].sort();
}

/** The test agents (echo, flaky, slow, failing): `agents run` starts them only when asked to. */
export function testAgentTypes(): string[] {
  return TEST_AGENTS.map((agent) => agent.type).sort();
}
