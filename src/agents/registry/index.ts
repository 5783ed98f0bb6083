// The agent registry and health: which agent types and instances run, what they offer, and how they are
// doing. `AgentDirectory` is what the API serves; the registry is also the definitions validator's
// `AgentCatalog`. Feed it from Kafka with startAgentRegistry, or call observeHeartbeat/observeResult.
export { AgentRegistry } from './agent-registry.js';
export type {
  AgentActionInfo,
  AgentDirectory,
  AgentHealth,
  AgentInstanceHealth,
  AgentRegistryOptions,
  AgentStatus,
  AgentSummary,
} from './agent-registry.js';
export { OutcomeWindow, percentile } from './outcome-window.js';
export type { Outcome, OutcomeWindowOptions, ResponseTimes } from './outcome-window.js';
export { startAgentRegistry } from './registry-reader.js';
export type { AgentRegistryReaderOptions, RunningAgentRegistry } from './registry-reader.js';
