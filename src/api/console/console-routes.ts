// The two API routes the console adds: a side-effect-free validation of a definition (the designer's
// diagnostics) and the overview's summary. Both are ordinary RouteSpecs, so they are permission-checked and
// listed in the OpenAPI document like every other route.
import { compileWorkflow, hasErrors, type Problem } from '../../definition/index.js';
import { HttpProblem } from '../problem.js';
import type { RouteContext, RouteSpec } from '../route-spec.js';
import { PROBLEM_SCHEMA } from '../schemas.js';
import type { ApiServices } from '../services.js';

const LOCATED_PROBLEM = {
  type: 'object',
  required: ['severity', 'rule', 'message', 'pointer'],
  properties: {
    severity: { enum: ['error', 'warning'] },
    rule: { type: 'string' },
    message: { type: 'string' },
    pointer: { type: 'string', description: 'JSON pointer into the definition' },
    line: { type: 'integer', minimum: 1 },
    column: { type: 'integer', minimum: 1 },
  },
};

const VALIDATION_SCHEMA = {
  title: 'ValidationReport',
  type: 'object',
  required: ['valid', 'problems'],
  properties: { valid: { type: 'boolean' }, problems: { type: 'array', items: LOCATED_PROBLEM } },
};

const VALIDATE_BODY = {
  title: 'ValidateRequest',
  description: 'The definition as text in `source` (YAML or JSON); YAML text may also be the whole body.',
  type: 'object',
  required: ['source'],
  properties: { source: { type: 'string' } },
};

const SUMMARY_SCHEMA = {
  title: 'ConsoleSummary',
  type: 'object',
  required: ['generated_at', 'in_flight', 'per_minute', 'success_rate', 'duration_ms', 'agents'],
  properties: {
    generated_at: { type: 'string', format: 'date-time' },
    in_flight: { type: 'integer', description: 'Executions admitted and not finished' },
    queued: { type: ['integer', 'null'] },
    per_minute: {
      type: 'array',
      description: 'The last hour, oldest minute first',
      items: {
        type: 'object',
        properties: {
          minute: { type: 'string', format: 'date-time' },
          started: { type: 'integer' },
          completed: { type: 'integer' },
          failed: { type: 'integer' },
        },
      },
    },
    success_rate: { type: ['number', 'null'] },
    duration_ms: {
      type: 'object',
      properties: { p50: { type: ['integer', 'null'] }, p95: { type: ['integer', 'null'] } },
    },
    agents: {
      type: 'object',
      properties: { online: { type: 'integer' }, total: { type: 'integer' } },
    },
  },
};

export function consoleRoutes(services: ApiServices): RouteSpec[] {
  return [
    {
      method: 'POST',
      path: '/api/v1/workflows/validate',
      operationId: 'validateWorkflow',
      summary: 'Check a definition and list every problem with its line and column; stores nothing',
      tag: 'workflows',
      body: VALIDATE_BODY,
      acceptsYaml: true,
      responses: {
        200: { description: 'The report (valid or not)', schema: VALIDATION_SCHEMA },
        400: { description: 'No definition given', schema: PROBLEM_SCHEMA },
        413: { description: 'The definition is larger than the body limit', schema: PROBLEM_SCHEMA },
      },
      handler: (ctx) => validate(ctx, services),
    },
    {
      method: 'GET',
      path: '/api/v1/console/me',
      operationId: 'whoAmI',
      summary: 'Who the credential is and its roles, so the console shows only the buttons they may use',
      tag: 'system',
      responses: {
        200: {
          description: 'The principal',
          schema: {
            type: 'object',
            properties: {
              subject: { type: 'string' },
              roles: { type: 'array', items: { enum: ['viewer', 'operator', 'admin'] } },
              via: { enum: ['jwt', 'api-key', 'anonymous'] },
            },
          },
        },
        401: { description: 'No credential, or not a valid one', schema: PROBLEM_SCHEMA },
      },
      handler: (ctx) => {
        const principal = ctx.state.principal;
        ctx.body = {
          subject: principal?.subject ?? 'anonymous',
          roles: principal?.roles ?? [],
          via: principal?.via ?? 'anonymous',
        };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/console/summary',
      operationId: 'consoleSummary',
      summary: 'The overview: in flight, the last hour per minute, success rate, durations, agents online',
      tag: 'system',
      responses: { 200: { description: 'The summary', schema: SUMMARY_SCHEMA } },
      handler: async (ctx) => {
        const [counts, stats] = await Promise.all([
          services.admission?.counts(),
          services.consoleStats?.lastHour(),
        ]);
        const agents = services.agents?.list() ?? [];
        ctx.body = {
          generated_at: new Date().toISOString(),
          in_flight: counts?.inflight ?? stats?.running ?? 0,
          queued: counts?.queued ?? null,
          per_minute: stats?.perMinute ?? [],
          success_rate: stats?.successRate ?? null,
          duration_ms: { p50: stats?.p50DurationMs ?? null, p95: stats?.p95DurationMs ?? null },
          agents: {
            online: agents.filter((agent) => agent.status !== 'offline').length,
            total: agents.length,
          },
        };
      },
    },
  ];
}

function validate(ctx: RouteContext, services: ApiServices): void {
  const body = ctx.state.body;
  let source: string;
  if (body.kind === 'text') source = body.value;
  else if (body.kind === 'json') source = (body.value as { source: string }).source;
  else throw new HttpProblem(400, 'missing-body', 'send the definition as YAML text or as {"source": "..."}');
  // The same check as `percolator validate`, plus the live agent catalog that saving the workflow applies.
  const { problems } = compileWorkflow(
    source,
    services.agentCatalog ? { agentCatalog: services.agentCatalog } : {},
  );
  ctx.body = { valid: !hasErrors(problems), problems: problems.map(located) };
}

function located(problem: Problem) {
  return {
    severity: problem.severity,
    rule: problem.rule,
    message: problem.message,
    pointer: problem.pointer,
    ...(problem.line === undefined ? {} : { line: problem.line, column: problem.column ?? 1 }),
  };
}
