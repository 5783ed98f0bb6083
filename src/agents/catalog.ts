// The agents this package can run in-process, by type. `percolator agents run TYPE...` looks types up
// here; the seed's agents join the table when they exist.
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

for (const definition of TEST_AGENTS) registerAgent(definition);

export function findAgent(type: string): AgentDefinition | undefined {
  return catalog.get(type);
}

export function agentTypes(): string[] {
  return [...catalog.keys()].sort();
}
