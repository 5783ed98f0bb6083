// Probes, Prometheus metrics, system status, agents and API keys.
import type { Registry } from 'prom-client';
import { Metrics } from '../../observability/metrics.js';
import { HttpProblem, notFound } from '../problem.js';
import type { ReadinessCheck } from '../readiness.js';
import { runChecks } from '../readiness.js';
import type { RouteSpec } from '../route-spec.js';
import { ANY_OBJECT, CREATE_API_KEY_BODY, PROBLEM_SCHEMA, UUID_PARAM } from '../schemas.js';
import type { ApiServices } from '../services.js';

export interface SystemRouteOptions {
  readiness: readonly ReadinessCheck[];
  readinessTimeoutMs: number;
  /** What makes /health fail: a consumer away past its grace period, or crash-looping (restart the pod). */
  liveness?: readonly ReadinessCheck[];
  /** The process's metrics; an app built without them (tests) serves a registry of its own. */
  metrics?: Registry;
}

export function probeRoutes(options: SystemRouteOptions): RouteSpec[] {
  const registry = options.metrics ?? new Metrics().registry;
  return [
    {
      method: 'GET',
      path: '/health',
      operationId: 'health',
      summary: 'Liveness: the process answers and none of its consumers is stuck or crash-looping',
      tag: 'system',
      responses: {
        200: { description: 'Alive', schema: ANY_OBJECT },
        503: { description: 'A consumer has been away past its grace period', schema: ANY_OBJECT },
      },
      handler: async (ctx) => {
        const checks = await runChecks(options.liveness ?? [], options.readinessTimeoutMs);
        const alive = Object.values(checks).every((check) => check.status === 'up');
        ctx.status = alive ? 200 : 503;
        ctx.body = alive ? { status: 'ok' } : { status: 'unhealthy', checks };
      },
    },
    {
      method: 'GET',
      path: '/ready',
      operationId: 'ready',
      summary: 'Readiness: Kafka, the registry, Redis and Postgres answer',
      tag: 'system',
      responses: {
        200: { description: 'Ready', schema: ANY_OBJECT },
        503: { description: 'A dependency is down', schema: ANY_OBJECT },
      },
      handler: async (ctx) => {
        const checks = await runChecks(options.readiness, options.readinessTimeoutMs);
        const ready = Object.values(checks).every((check) => check.status === 'up');
        ctx.status = ready ? 200 : 503;
        ctx.body = { status: ready ? 'ready' : 'not ready', checks };
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      tag: 'system',
      responses: { 200: { description: 'Text exposition format', contentType: 'text/plain' } },
      handler: async (ctx) => {
        ctx.type = registry.contentType;
        ctx.body = await registry.metrics();
      },
    },
  ];
}

export function serviceRoutes(services: ApiServices, options: SystemRouteOptions): RouteSpec[] {
  const problem = (description: string) => ({ description, schema: PROBLEM_SCHEMA });
  return [
    {
      method: 'GET',
      path: '/api/v1/status',
      operationId: 'getStatus',
      summary: 'Dependencies, in-flight executions and orchestrator consumer lag',
      tag: 'system',
      responses: { 200: { description: 'Status', schema: ANY_OBJECT } },
      handler: async (ctx) => {
        const [checks, admission, lag] = await Promise.all([
          runChecks(options.readiness, options.readinessTimeoutMs),
          settle(services.admission?.counts()),
          settle(services.consumerLag?.()),
        ]);
        const healthy = Object.values(checks).every((check) => check.status === 'up');
        ctx.body = {
          status: healthy ? 'healthy' : 'degraded',
          dependencies: checks,
          executions: admission.value ?? null,
          consumer_lag: lag.value ?? null,
          ...(admission.error || lag.error
            ? { warnings: [admission.error, lag.error].filter((entry) => entry !== undefined) }
            : {}),
          time: new Date().toISOString(),
        };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/agents',
      operationId: 'listAgents',
      summary: 'Agent types seen in heartbeats: status, actions, instances, load, error rate, p95',
      tag: 'agents',
      responses: { 200: { description: 'Agents', schema: ANY_OBJECT } },
      handler: async (ctx) => {
        ctx.body = { items: services.agents?.list() ?? [] };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/agents/{type}/health',
      operationId: 'getAgentHealth',
      summary:
        'Health of one agent type: status, instances, response-time percentiles, error rate, availability',
      tag: 'agents',
      responses: {
        200: { description: 'Health', schema: ANY_OBJECT },
        404: problem('No heartbeat of that type'),
      },
      handler: async (ctx) => {
        const agent = services.agents?.health(ctx.params.type!);
        if (!agent) throw notFound(`agent type ${ctx.params.type}`);
        ctx.body = agent;
      },
    },
    {
      method: 'GET',
      path: '/api/v1/api-keys',
      operationId: 'listApiKeys',
      summary: 'API keys (never the keys themselves)',
      tag: 'security',
      responses: { 200: { description: 'Keys', schema: ANY_OBJECT } },
      handler: async (ctx) => {
        const keys = await services.apiKeys.list();
        ctx.body = {
          items: keys.map((key) => ({
            id: key.id,
            name: key.name,
            roles: key.roles,
            created_by: key.createdBy,
            created_at: key.createdAt.toISOString(),
            last_used_at: key.lastUsedAt?.toISOString() ?? null,
            revoked_at: key.revokedAt?.toISOString() ?? null,
          })),
        };
      },
    },
    {
      method: 'POST',
      path: '/api/v1/api-keys',
      operationId: 'createApiKey',
      summary: 'Create an API key; the key is shown in this answer only',
      tag: 'security',
      body: CREATE_API_KEY_BODY,
      audited: true,
      responses: { 201: { description: 'Created', schema: ANY_OBJECT }, 422: problem('Invalid body') },
      handler: async (ctx) => {
        const body =
          ctx.state.body.kind === 'json' ? (ctx.state.body.value as { name: string; roles: string[] }) : null;
        if (!body) throw new HttpProblem(400, 'missing-body', 'name and roles are required');
        const { key, record } = await services.apiKeys.create({
          name: body.name,
          roles: body.roles,
          ...(ctx.state.principal ? { createdBy: ctx.state.principal.subject } : {}),
        });
        ctx.status = 201;
        ctx.body = { id: record.id, name: record.name, roles: record.roles, key };
      },
    },
    {
      method: 'DELETE',
      path: '/api/v1/api-keys/{id}',
      params: { id: UUID_PARAM },
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key',
      tag: 'security',
      audited: true,
      responses: {
        200: { description: 'Revoked', schema: ANY_OBJECT },
        404: problem('Unknown or already revoked'),
      },
      handler: async (ctx) => {
        if (!(await services.apiKeys.revoke(ctx.params.id!))) throw notFound(`live API key ${ctx.params.id}`);
        ctx.body = { id: ctx.params.id, revoked: true };
      },
    },
    {
      method: 'GET',
      path: '/ws',
      operationId: 'liveUpdates',
      summary:
        'WebSocket of live lifecycle events; filter with ?execution_id= or ?workflow=; resume with ?cursor=; a browser may pass ?access_token= or offer the subprotocols percolator and percolator.api-key.<key>',
      tag: 'executions',
      query: [
        { name: 'execution_id', description: 'Only this execution', schema: { type: 'string' } },
        { name: 'workflow', description: 'Only this workflow (name)', schema: { type: 'string' } },
        {
          name: 'cursor',
          description:
            'The `cursor` of the last event received: the events after it are replayed first when this instance still holds them (`resumed: true` in the `subscribed` message)',
          schema: { type: 'string' },
        },
      ],
      responses: { 101: { description: 'Switching protocols' }, 426: problem('Not a WebSocket upgrade') },
      handler: () => {
        throw new HttpProblem(
          426,
          'upgrade-required',
          'connect with a WebSocket client',
          {},
          { Upgrade: 'websocket' },
        );
      },
    },
  ];
}

async function settle<T>(promise: Promise<T> | undefined): Promise<{ value?: T; error?: string }> {
  if (promise === undefined) return {};
  try {
    return { value: await promise };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
