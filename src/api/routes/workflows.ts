// Workflow definitions: create (validated, versioned), list, read, new version, archive, versions, metrics.
import { parse as parseYaml } from 'yaml';
import { compileWorkflow, parseDefinition, type Problem } from '../../definition/index.js';
import { nextRunsOf } from '../../triggers/scheduler/cron-schedule.js';
import { HttpProblem, notFound } from '../problem.js';
import type { RouteContext, RouteSpec } from '../route-spec.js';
import {
  ANY_OBJECT,
  CREATE_WORKFLOW_BODY,
  PROBLEM_SCHEMA,
  WORKFLOW_CREATED_SCHEMA,
  WORKFLOW_REF_PARAM,
} from '../schemas.js';
import type { ApiServices } from '../services.js';

interface IncomingDefinition {
  /** What the definition module parses: YAML text or a `{workflow: ...}` document. */
  source: string | Record<string, unknown>;
  description?: string;
}

export function workflowRoutes(services: ApiServices): RouteSpec[] {
  const problemResponse = (description: string) => ({ description, schema: PROBLEM_SCHEMA });

  async function save(ctx: RouteContext, existingName?: string): Promise<void> {
    const incoming = incomingDefinition(ctx);
    const { definition, problems } = parseDefinition(
      incoming.source,
      services.agentCatalog ? { agentCatalog: services.agentCatalog } : {},
    );
    if (!definition) throw invalidDefinition(problems);
    if (existingName !== undefined && definition.name !== existingName) {
      throw new HttpProblem(422, 'invalid-definition', 'a new version must keep the workflow name', {
        errors: [
          {
            pointer: '/workflow/name',
            message: `expected ${JSON.stringify(existingName)}, got ${JSON.stringify(definition.name)}`,
            rule: 'name-unchanged',
          },
        ],
      });
    }
    const document =
      typeof incoming.source === 'string' ? (parseYaml(incoming.source) as unknown) : incoming.source;
    const saved = await services.workflows.saveVersion({
      name: definition.name,
      description: incoming.description ?? definition.description ?? '',
      definition: document,
      ...(typeof incoming.source === 'string' ? { source: incoming.source } : {}),
      author: ctx.state.principal?.subject ?? 'unknown',
    });
    ctx.status = existingName === undefined && saved.created ? 201 : 200;
    ctx.set('Location', `/api/v1/workflows/${saved.workflowId}`);
    ctx.body = {
      id: saved.workflowId,
      name: saved.name,
      version: saved.version,
      created: saved.created,
      warnings: problems.filter((problem) => problem.severity === 'warning').map(problemEntry),
    };
  }

  async function find(ctx: RouteContext) {
    const workflow = await services.workflows.find(ctx.params.id!);
    if (!workflow) throw notFound(`workflow ${ctx.params.id}`);
    return workflow;
  }

  return [
    {
      method: 'POST',
      path: '/api/v1/workflows',
      operationId: 'createWorkflow',
      summary: 'Create a workflow, or a new version of it when the name exists',
      tag: 'workflows',
      body: CREATE_WORKFLOW_BODY,
      acceptsYaml: true,
      audited: true,
      responses: {
        201: { description: 'Created', schema: WORKFLOW_CREATED_SCHEMA },
        200: {
          description: 'Identical to the active version; nothing changed',
          schema: WORKFLOW_CREATED_SCHEMA,
        },
        422: problemResponse('The definition is invalid; `errors` lists each problem with its location'),
      },
      handler: (ctx) => save(ctx),
    },
    {
      method: 'GET',
      path: '/api/v1/workflows',
      operationId: 'listWorkflows',
      summary: 'List workflows',
      tag: 'workflows',
      query: [
        {
          name: 'include_archived',
          description: 'Also list archived workflows',
          schema: { type: 'boolean' },
        },
      ],
      responses: { 200: { description: 'The workflows', schema: ANY_OBJECT } },
      handler: async (ctx) => {
        const items = await services.workflows.list({
          includeArchived: ctx.query.include_archived === 'true',
        });
        ctx.body = { items: items.map(workflowView) };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/workflows/{id}',
      params: { id: WORKFLOW_REF_PARAM },
      operationId: 'getWorkflow',
      summary: 'A workflow (by id or name) with its active definition and the next times its schedules fire',
      tag: 'workflows',
      responses: {
        200: { description: 'The workflow', schema: ANY_OBJECT },
        404: problemResponse('Unknown'),
      },
      handler: async (ctx) => {
        const workflow = await find(ctx);
        const active =
          workflow.activeVersion === null
            ? undefined
            : await services.workflows.getVersion(workflow.id, workflow.activeVersion);
        ctx.body = {
          ...workflowView(workflow),
          definition: active?.definition ?? null,
          source: active?.source ?? null,
          checksum: active?.checksum,
          next_runs: workflow.status === 'active' && active ? scheduledRuns(active.definition) : [],
        };
      },
    },
    {
      method: 'PUT',
      path: '/api/v1/workflows/{id}',
      params: { id: WORKFLOW_REF_PARAM },
      operationId: 'updateWorkflow',
      summary: 'Store a new version of a workflow (running executions keep theirs)',
      tag: 'workflows',
      body: CREATE_WORKFLOW_BODY,
      acceptsYaml: true,
      audited: true,
      responses: {
        200: { description: 'The version now active', schema: WORKFLOW_CREATED_SCHEMA },
        404: problemResponse('Unknown workflow'),
        422: problemResponse('Invalid definition'),
      },
      handler: async (ctx) => save(ctx, (await find(ctx)).name),
    },
    {
      method: 'DELETE',
      path: '/api/v1/workflows/{id}',
      params: { id: WORKFLOW_REF_PARAM },
      operationId: 'archiveWorkflow',
      summary: 'Archive a workflow: no new executions; running ones finish',
      tag: 'workflows',
      audited: true,
      responses: { 200: { description: 'Archived', schema: ANY_OBJECT }, 404: problemResponse('Unknown') },
      handler: async (ctx) => {
        const workflow = await find(ctx);
        await services.workflows.archive(workflow.id);
        ctx.body = { id: workflow.id, name: workflow.name, status: 'archived' };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/workflows/{id}/versions',
      params: { id: WORKFLOW_REF_PARAM },
      operationId: 'listWorkflowVersions',
      summary: 'The versions of a workflow',
      tag: 'workflows',
      responses: {
        200: { description: 'The versions', schema: ANY_OBJECT },
        404: problemResponse('Unknown'),
      },
      handler: async (ctx) => {
        const workflow = await find(ctx);
        const versions = await services.workflows.versions(workflow.id);
        ctx.body = {
          id: workflow.id,
          name: workflow.name,
          items: versions.map((version) => ({
            version: version.version,
            checksum: version.checksum,
            author: version.author,
            active: version.active,
            created_at: version.createdAt.toISOString(),
          })),
        };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/workflows/{id}/versions/{version}',
      params: {
        id: WORKFLOW_REF_PARAM,
        version: { type: 'string', pattern: '^[1-9][0-9]{0,8}$', description: 'The version number: 1, 2, …' },
      },
      operationId: 'getWorkflowVersion',
      summary: 'One version of a workflow: its definition and the text it was saved from (comments kept)',
      tag: 'workflows',
      responses: {
        200: { description: 'The version', schema: ANY_OBJECT },
        400: problemResponse('The version is not a positive whole number'),
        404: problemResponse('Unknown workflow or version'),
      },
      handler: async (ctx) => {
        const workflow = await find(ctx);
        const number = Number(ctx.params.version);
        const version = await services.workflows.getVersion(workflow.id, number);
        if (!version) throw notFound(`version ${number} of workflow ${workflow.name}`);
        ctx.body = {
          id: workflow.id,
          name: workflow.name,
          version: version.version,
          checksum: version.checksum,
          author: version.author,
          active: version.version === workflow.activeVersion,
          created_at: version.createdAt.toISOString(),
          definition: version.definition,
          source: version.source ?? null,
        };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/workflows/{id}/metrics',
      params: { id: WORKFLOW_REF_PARAM },
      operationId: 'getWorkflowMetrics',
      summary: 'Counts by status, success and error rates, durations and throughput',
      tag: 'workflows',
      responses: { 200: { description: 'Metrics', schema: ANY_OBJECT }, 404: problemResponse('Unknown') },
      handler: async (ctx) => {
        const workflow = await find(ctx);
        const metrics = await services.executions.metrics(workflow.id);
        ctx.body = {
          workflow_id: workflow.id,
          name: workflow.name,
          total: metrics.total,
          by_status: metrics.byStatus,
          success_rate: metrics.successRate,
          error_rate: metrics.errorRate,
          avg_duration_ms: metrics.avgDurationMs,
          p95_duration_ms: metrics.p95DurationMs,
          throughput_per_minute: metrics.throughputPerMinute,
        };
      },
    },
  ];
}

function incomingDefinition(ctx: RouteContext): IncomingDefinition {
  const body = ctx.state.body;
  if (body.kind === 'text') return { source: body.value };
  if (body.kind !== 'json') throw new HttpProblem(400, 'missing-body', 'a workflow definition is required');
  const value = body.value as Record<string, unknown>;
  const description = typeof value.description === 'string' ? value.description : undefined;
  if (isObject(value.workflow) && value.definition === undefined) {
    return { source: { workflow: value.workflow }, ...(description === undefined ? {} : { description }) };
  }
  let workflow: Record<string, unknown>;
  if (isObject(value.definition)) {
    workflow = isObject(value.definition.workflow)
      ? { ...value.definition.workflow }
      : { ...value.definition };
    // The seed's envelope names the workflow outside its definition; the definition's own fields win.
    for (const key of ['name', 'type', 'description'] as const) {
      if (workflow[key] === undefined && value[key] !== undefined) workflow[key] = value[key];
    }
  } else {
    workflow = { ...value };
  }
  return { source: { workflow }, ...(description === undefined ? {} : { description }) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function problemEntry(problem: Problem) {
  return {
    pointer: problem.pointer,
    message: problem.message,
    rule: problem.rule,
    severity: problem.severity,
    ...(problem.line === undefined ? {} : { line: problem.line, column: problem.column }),
  };
}

function invalidDefinition(problems: readonly Problem[]): HttpProblem {
  const errors = problems.filter((problem) => problem.severity === 'error');
  return new HttpProblem(
    422,
    'invalid-definition',
    `the workflow definition has ${errors.length} error${errors.length === 1 ? '' : 's'}`,
    { errors: errors.map(problemEntry) },
  );
}

function workflowView(workflow: {
  id: string;
  name: string;
  description: string;
  status: string;
  activeVersion: number | null;
  versions: number;
  createdAt: Date;
  updatedAt: Date;
}) {
  return {
    id: workflow.id,
    name: workflow.name,
    description: workflow.description,
    status: workflow.status,
    active_version: workflow.activeVersion,
    versions: workflow.versions,
    created_at: workflow.createdAt.toISOString(),
    updated_at: workflow.updatedAt.toISOString(),
  };
}

/** The next five firings of the active version's schedule triggers, soonest first. */
function scheduledRuns(
  definition: unknown,
): { trigger_index: number; schedule: string; timezone: string; at: string }[] {
  const { workflow } = compileWorkflow(definition as Readonly<Record<string, unknown>>);
  if (!workflow) return [];
  return nextRunsOf(workflow, 5)
    .slice(0, 5)
    .map((run) => ({
      trigger_index: run.triggerIndex,
      schedule: run.schedule,
      timezone: run.timezone,
      at: run.at.toISOString(),
    }));
}
