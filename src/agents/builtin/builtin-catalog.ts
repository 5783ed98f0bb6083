// What the validator knows of the built-in agents without running them: their actions and the JSON Schemas
// those declare. `percolator validate` and the API both fall back on it for agents no heartbeat announced.
import { staticAgentCatalog, type ActionSchemas, type AgentCatalog } from '../../definition/index.js';
import type { AgentDefinition } from '../sdk/define-agent.js';
import type { BuiltinAgentDeps } from './deps.js';
import { createBuiltinAgents } from './index.js';

/** The seed's four agents and their actions, read from their definitions; nothing is connected. */
export function builtinAgentCatalog(): AgentCatalog {
  // Building a definition does not touch its dependencies; only handling a command would.
  const unused = (): never => {
    throw new Error('the built-in agents are only described here, not run');
  };
  const deps = {
    get pool() {
      return unused();
    },
    get config() {
      return unused();
    },
    get logger() {
      return unused();
    },
    get llm() {
      return unused();
    },
  } as unknown as BuiltinAgentDeps;
  const agents = createBuiltinAgents(deps);
  return staticAgentCatalog(
    Object.fromEntries(agents.map((definition) => [definition.type, [...definition.actions.keys()]])),
    Object.fromEntries(agents.map((definition) => [definition.type, declaredSchemas(definition)])),
  );
}

/** The JSON Schemas each action of an agent declares, by action. */
export function declaredSchemas(definition: AgentDefinition): Record<string, ActionSchemas> {
  return Object.fromEntries(
    [...definition.actions.values()].map((action) => [
      action.name,
      {
        ...(action.inputJsonSchema ? { input: action.inputJsonSchema } : {}),
        ...(action.outputJsonSchema ? { output: action.outputJsonSchema } : {}),
      },
    ]),
  );
}
