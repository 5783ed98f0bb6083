// What the API's routes need from the rest of the engine, injected by the composition root (or a test).
import type { ExecutionClient } from '../orchestrator/execution-client.js';
import type { ExecutionStore } from '../state/index.js';
import type { ApiKeyRepository, AuditRepository } from '../store/access-repository.js';
import type { ExecutionRepository } from '../store/execution-repository.js';
import type { WorkflowRepository } from '../store/workflow-repository.js';
import type { AgentCatalog } from '../definition/index.js';
import type { AlertCentre } from './console/alert-centre.js';
import type { ConsoleStats } from './console/console-stats.js';

/** Agent listings and health come from the agent registry (src/agents/registry). */
export type { AgentDirectory } from '../agents/registry/index.js';
import type { AgentDirectory } from '../agents/registry/index.js';

export interface ConsumerLag {
  group: string;
  total: number;
  topics: Record<string, number>;
}

export interface ApiServices {
  workflows: WorkflowRepository;
  executions: ExecutionRepository;
  apiKeys: ApiKeyRepository;
  audit: AuditRepository;
  client: ExecutionClient;
  store: ExecutionStore;
  admission?: { counts(): Promise<{ inflight: number; queued: number }> };
  consumerLag?: () => Promise<ConsumerLag>;
  agents?: AgentDirectory;
  /** When given, definitions are checked against the known agents' actions. */
  agentCatalog?: AgentCatalog;
  /** The console overview's execution figures (GET /api/v1/console/summary). */
  consoleStats?: Pick<ConsoleStats, 'lastHour' | 'trends'>;
  /** The alert centre: alerts, dead letters, failed executions (GET /api/v1/alerts). */
  alerts?: Pick<AlertCentre, 'list' | 'mark'>;
}
