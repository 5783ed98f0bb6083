// What the validator may know about agents. The agent registry implements it later; without one, agent types
// and actions are accepted as written.

export interface AgentCatalog {
  /** The actions an agent type offers, or undefined when the type is not known (then nothing is checked). */
  actionsOf(agentType: string): readonly string[] | undefined;
}

/** A catalog from a fixed table, for tests and for the seed's four agents. */
export function staticAgentCatalog(actions: Readonly<Record<string, readonly string[]>>): AgentCatalog {
  const table = new Map(Object.entries(actions));
  return { actionsOf: (agentType) => table.get(agentType) };
}
