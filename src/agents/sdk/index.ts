// The agent SDK: define an agent's actions and run it against Kafka. See docs/agent-protocol.md for the
// protocol this implements, which agents in other languages follow too.
export { AgentError, CommandAborted, SDK_ERROR_CODES, toErrorRecord } from './agent-error.js';
export type { AbortKind, AgentErrorOptions } from './agent-error.js';
export { defineAgent, AgentDefinitionError, DEFAULT_CONCURRENCY } from './define-agent.js';
export type {
  ActionDefinition,
  ActionHandler,
  ActionSpec,
  AgentDefinition,
  AgentSpec,
  AvroSchema,
  HandlerContext,
  TokenUsageReport,
} from './define-agent.js';
export {
  runAgent,
  agentGroupId,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
} from './run-agent.js';
export type { AgentHandle, RunAgentOptions } from './run-agent.js';
export { heartbeatKey } from './records.js';
