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

const TRENDS_SCHEMA = {
  title: 'ConsoleTrends',
  type: 'object',
  required: ['hours', 'bucket_minutes', 'buckets'],
  properties: {
    hours: { type: 'integer' },
    bucket_minutes: { type: 'integer' },
    workflow: { type: ['string', 'null'] },
    buckets: {
      type: 'array',
      description: 'Oldest first',
      items: {
        type: 'object',
        properties: {
          start: { type: 'string', format: 'date-time' },
          started: { type: 'integer' },
          finished: { type: 'integer' },
          failed: { type: 'integer', description: 'Failed or timed out, among finished' },
          failure_rate: { type: ['number', 'null'] },
          p50_ms: { type: ['integer', 'null'] },
          p95_ms: { type: ['integer', 'null'] },
        },
      },
    },
  },
};

/** A whole number in [min, max] from the query, or the default; a clear 400 otherwise. */
function boundedInt(ctx: RouteContext, name: string, min: number, max: number, fallback: number): number {
  const raw = ctx.query[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(value) || value < min || value > max)
    throw new HttpProblem(
      400,
      'bad-query',
      `query parameter ${name}: expected a whole number from ${min} to ${max}`,
      {
        parameter: name,
      },
    );
  return value;
}

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
    {
      method: 'GET',
      path: '/api/v1/console/trends',
      operationId: 'consoleTrends',
      summary:
        'Executions started, finished and failed, and p50/p95 duration, per bucket over the last hours',
      tag: 'system',
      query: [
        { name: 'hours', description: 'How far back, 1 to 168 (default 6)', schema: { type: 'integer' } },
        {
          name: 'bucket_minutes',
          description: 'Bucket width in minutes, 1 to 1440 (default 5); at most 2000 buckets',
          schema: { type: 'integer' },
        },
        {
          name: 'workflow',
          description: "Only this workflow's executions (name)",
          schema: { type: 'string' },
        },
      ],
      responses: {
        200: { description: 'The buckets', schema: TRENDS_SCHEMA },
        400: { description: 'A parameter out of range', schema: PROBLEM_SCHEMA },
        503: { description: 'No Postgres history on this instance', schema: PROBLEM_SCHEMA },
      },
      handler: async (ctx) => {
        const hours = boundedInt(ctx, 'hours', 1, 168, 6);
        const bucketMinutes = boundedInt(ctx, 'bucket_minutes', 1, 1440, 5);
        if ((hours * 60) / bucketMinutes > 2000)
          throw new HttpProblem(400, 'bad-query', 'hours / bucket_minutes: at most 2000 buckets', {
            parameter: 'bucket_minutes',
          });
        const workflow =
          typeof ctx.query.workflow === 'string' && ctx.query.workflow !== ''
            ? ctx.query.workflow
            : undefined;
        if (!services.consoleStats)
          throw new HttpProblem(503, 'trends-unavailable', 'this API instance reads no execution history');
        const buckets = await services.consoleStats.trends({
          hours,
          bucketMinutes,
          ...(workflow ? { workflow } : {}),
        });
        ctx.body = {
          hours,
          bucket_minutes: bucketMinutes,
          workflow: workflow ?? null,
          buckets: buckets.map((bucket) => ({
            start: bucket.start,
            started: bucket.started,
            finished: bucket.finished,
            failed: bucket.failed,
            failure_rate: bucket.finished > 0 ? bucket.failed / bucket.finished : null,
            p50_ms: bucket.p50DurationMs,
            p95_ms: bucket.p95DurationMs,
          })),
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
