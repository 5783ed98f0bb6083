// Agents behind HTTP: a bridge that runs as an SDK agent and forwards each command to a service.
// The contract the service follows is in docs/agent-protocol.md, "Agents behind HTTP".
export {
  BridgedActions,
  createHttpBridge,
  defineHttpBridge,
  DEFAULT_BRIDGE_CONCURRENCY,
} from './http-bridge.js';
export type { HttpBridgeOptions } from './http-bridge.js';
export {
  actionUrl,
  BRIDGE_ERROR_CODES,
  buildRequest,
  interpretResponse,
  parseRetryAfter,
} from './http-exchange.js';
export type { BridgeRequest, BridgeRequestBody, BridgeResponse, BridgeSuccess } from './http-exchange.js';
export { discoverActions, readActionList } from './discover-actions.js';
export type { DiscoveredAction, DiscoveredActions } from './discover-actions.js';
