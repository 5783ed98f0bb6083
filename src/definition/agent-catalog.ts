// What the validator may know about agents: the engine's agent registry (live heartbeats), the built-in
// agents' fixed table, or both. Without one, agent types and actions are accepted as written.
import type { JsonSchema } from './data-shape.js';

/** The JSON Schemas an action declares for what it takes and returns; either may be absent. */
export interface ActionSchemas {
  readonly input?: JsonSchema;
  readonly output?: JsonSchema;
}

export interface AgentCatalog {
  /** The actions an agent type offers, or undefined when the type is not known (then nothing is checked). */
  actionsOf(agentType: string): readonly string[] | undefined;
  /**
   * Every agent type some agent has announced (by heartbeat), sorted; a step naming another type gets an
   * `unknown-agent-type` warning. Absent or undefined when the catalog cannot tell (no warning then).
   */
  announcedTypes?(): readonly string[] | undefined;
  /** What the action declares it takes and returns; undefined when it declares nothing (nothing is checked). */
  actionSchemas?(agentType: string, action: string): ActionSchemas | undefined;
}

/** A catalog from a fixed table, for tests and for the seed's four agents; it knows nothing announced. */
export function staticAgentCatalog(
  actions: Readonly<Record<string, readonly string[]>>,
  schemas: Readonly<Record<string, Readonly<Record<string, ActionSchemas>>>> = {},
): AgentCatalog {
  const table = new Map(Object.entries(actions));
  const declared = new Map(Object.entries(schemas));
  return {
    actionsOf: (agentType) => table.get(agentType),
    actionSchemas: (agentType, action) => {
      const byAction = declared.get(agentType);
      return byAction && Object.hasOwn(byAction, action) ? byAction[action] : undefined;
    },
  };
}

/**
 * Asks `first`, then `fallback`, for actions (the live registry knows what really runs; the built-in table
 * still knows the built-in agents when none runs). Announced types come from `first` alone.
 */
export function layeredAgentCatalog(first: AgentCatalog, fallback: AgentCatalog): AgentCatalog {
  return {
    actionsOf: (agentType) => first.actionsOf(agentType) ?? fallback.actionsOf(agentType),
    announcedTypes: () => first.announcedTypes?.(),
    actionSchemas: (agentType, action) =>
      first.actionSchemas?.(agentType, action) ?? fallback.actionSchemas?.(agentType, action),
  };
}
