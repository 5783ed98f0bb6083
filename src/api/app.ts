// Koa app factory: routes and middleware only, no listen(), so tests drive it without a port. Every route is
// declared as a RouteSpec; the same list feeds the router, the permission checks and the OpenAPI document.
import Koa from 'koa';
import type { Registry } from 'prom-client';
import { Router } from '@koa/router';
import type { Logger } from '../observability/logger.js';
import { withSpan } from '../observability/tracing.js';
import { authorize, type AuthSettings } from './auth/authenticate.js';
import { requirementOf } from './auth/permissions.js';
import { DEFAULT_PAYLOAD_LIMITS, type PayloadLimits } from '../payload/limits.js';
import { readBody } from './body.js';
import { consoleAssets } from './console/console-assets.js';
import { alertRoutes } from './console/alert-routes.js';
import { consoleRoutes } from './console/console-routes.js';
import { buildOpenApi } from './openapi.js';
import { assertParameters } from './parameters.js';
import { assertPayloadFields } from './payload-guard.js';
import { HttpProblem, problemMiddleware } from './problem.js';
import type { ReadinessCheck } from './readiness.js';
import { routeKey, routerPath, type RouteContext, type RouteSpec, type RouteState } from './route-spec.js';
import { executionRoutes } from './routes/executions.js';
import { probeRoutes, serviceRoutes } from './routes/system.js';
import { workflowRoutes } from './routes/workflows.js';
import { assertValid } from './schemas.js';
import type { ApiServices } from './services.js';

export type { ReadinessCheck } from './readiness.js';

export interface AppOptions {
  logger: Logger;
  readiness: readonly ReadinessCheck[];
  readinessTimeoutMs?: number;
  /** Checks that fail /health (liveness); none by default. */
  liveness?: readonly ReadinessCheck[];
  /** The management API; without it only the probes and /metrics are served. */
  services?: ApiServices;
  /** Required with services. */
  auth?: AuthSettings;
  bodyLimitBytes?: number;
  /** Limits of the JSON payloads in request bodies (execution input, signal data); 422 beyond them. */
  payloadLimits?: PayloadLimits;
  /** What /metrics serves: the process's Metrics registry (src/observability/metrics.ts). */
  metrics?: Registry;
  /** The built console (ui/dist) served with the API; default: the package's own build. */
  consoleRoot?: string;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Every route the app serves, in registration order. */
export function apiRoutes(options: AppOptions): RouteSpec[] {
  const system = {
    readiness: options.readiness,
    readinessTimeoutMs: options.readinessTimeoutMs ?? 2000,
    ...(options.liveness ? { liveness: options.liveness } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  };
  const routes = probeRoutes(system);
  if (options.services) {
    routes.push(
      // Before the workflow routes: POST /workflows/validate must not be taken for a workflow id.
      ...consoleRoutes(options.services),
      ...alertRoutes(options.services.alerts),
      ...workflowRoutes(options.services),
      ...executionRoutes(options.services),
      ...serviceRoutes(options.services, system),
    );
  }
  return routes;
}

export function createApp(options: AppOptions): Koa<RouteState> {
  const app = new Koa<RouteState>({ proxy: false });
  const router = new Router<RouteState>();
  const routes = apiRoutes(options);
  const auth: AuthSettings = options.auth ?? { mode: 'jwt' };
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  const payloadLimits = options.payloadLimits ?? DEFAULT_PAYLOAD_LIMITS;
  const openApi = buildOpenApi([...routes, openApiRoute(() => openApi)]);

  // One span per request, child of the caller's traceparent; what the request starts joins its trace. The span
  // is named after the route template, not the path, so ids do not make every name unique.
  app.use((ctx, next) =>
    withSpan(
      `${ctx.method} ${ctx.path}`,
      { parent: ctx.get('traceparent'), kind: 'server' },
      async (span) => {
        try {
          await next();
        } finally {
          const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
          span.updateName(`${ctx.method} ${typeof route === 'string' ? route : 'unmatched'}`);
          span.setAttributes({ 'http.request.method': ctx.method, 'http.response.status_code': ctx.status });
        }
      },
    ),
  );
  app.use(problemMiddleware(options.logger));
  app.use(async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  for (const route of [...routes, openApiRoute(() => openApi)]) {
    const requirement = requirementOf(routeKey(route));
    if (requirement === undefined)
      throw new Error(`route ${routeKey(route)} is missing from the permission table`);
    const middleware: Koa.Middleware<RouteState>[] = [];
    if (route.audited && options.services)
      middleware.push(auditTrail(options.services, options.logger, route));
    middleware.push(authorize(auth, requirement));
    middleware.push(async (ctx, next) => {
      assertParameters(route, (ctx as RouteContext).params, ctx.query);
      ctx.state.body =
        route.method === 'GET' || route.method === 'DELETE'
          ? { kind: 'none' }
          : await readBody(ctx, bodyLimit, route.acceptsYaml === true, payloadLimits, route.payloadFields);
      if (ctx.state.body.kind === 'json' && route.payloadFields)
        assertPayloadFields(ctx.state.body.value, route.payloadFields, payloadLimits);
      if (route.body) {
        if (ctx.state.body.kind === 'json') assertValid(route.body, ctx.state.body.value, 'the request body');
        else if (ctx.state.body.kind === 'none' && !route.bodyOptional)
          throw new HttpProblem(400, 'missing-body', 'this call needs a JSON body');
      }
      await next();
    });
    middleware.push(async (ctx) => route.handler(ctx as RouteContext));
    router.register(routerPath(route.path), [route.method], middleware);
  }

  if (options.services) app.use(consoleAssets(options.consoleRoot));
  app.use(router.routes()).use(router.allowedMethods());
  return app;
}

function openApiRoute(document: () => Record<string, unknown>): RouteSpec {
  return {
    method: 'GET',
    path: '/api/v1/openapi.json',
    operationId: 'openApi',
    summary: 'This document',
    tag: 'system',
    responses: { 200: { description: 'OpenAPI 3.1', schema: { type: 'object' } } },
    handler: (ctx) => {
      ctx.body = document();
    },
  };
}

/** Writes who did what to which resource, from where, and the answer's status, for every mutating call. */
function auditTrail(services: ApiServices, logger: Logger, route: RouteSpec): Koa.Middleware<RouteState> {
  return async (ctx, next) => {
    let status = 500;
    try {
      await next();
      status = ctx.status;
    } catch (error) {
      status = error instanceof HttpProblem ? error.status : 500;
      throw error;
    } finally {
      const entry = {
        actor: ctx.state.principal?.subject ?? 'unauthenticated',
        action: route.operationId,
        resource: ctx.path,
        remoteAddr: ctx.ip,
        result: String(status),
        detail: { method: ctx.method, via: ctx.state.principal?.via ?? null },
      };
      await services.audit
        .record(entry)
        .catch((error: unknown) => logger.error({ err: error }, 'audit write failed'));
    }
  };
}
