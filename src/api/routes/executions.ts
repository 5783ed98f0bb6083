// Executions: start (with Idempotency-Key), read (live state from Redis, else the Postgres summary), list,
// history, cancel, retry and signal.
import { randomUUID } from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import type { ExecutionState, StepState } from '../../core/model.js';
import { TERMINAL_STATUSES } from '../../core/model.js';
import type { WorkflowVersionRecord } from '../../store/workflow-repository.js';
import {
  InvalidCursorError,
  type ExecutionSummary,
  type HistoryRow,
} from '../../store/execution-repository.js';
import { dependencyOutageOf } from '../dependency-outage.js';
import { HttpProblem, notFound } from '../problem.js';
import type { RouteContext, RouteSpec } from '../route-spec.js';
import {
  ACCEPTED_SCHEMA,
  ANY_OBJECT,
  CANCEL_BODY,
  EXECUTE_BODY,
  EXECUTE_BY_ID_BODY,
  EXECUTION_ID_PARAM,
  EXECUTION_SCHEMA,
  WORKFLOW_REF_PARAM,
  PROBLEM_SCHEMA,
  SIGNAL_BODY,
  compileUserSchema,
  toFieldProblems,
} from '../schemas.js';
import type { ApiServices } from '../services.js';

const STATUSES = ['pending', 'running', 'waiting', 'completed', 'failed', 'cancelled', 'timed_out'] as const;
const RETRYABLE = new Set(['failed', 'cancelled', 'timed_out']);
const MAX_IDEMPOTENCY_KEY = 200;

interface ExecutionView {
  id: string;
  workflow_id: string | null;
  workflow_name: string | null;
  workflow_version: number;
  status: string;
  input: unknown;
  output: unknown;
  error: unknown;
  started_at: string | null;
  finished_at: string | null;
  steps: Record<string, StepView>;
  source: 'live' | 'history';
}

interface StepView {
  status: string;
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
  output?: unknown;
  error?: unknown;
}

export function executionRoutes(services: ApiServices): RouteSpec[] {
  const inputValidators = new Map<string, ValidateFunction | null>();
  const problem = (description: string) => ({ description, schema: PROBLEM_SCHEMA });

  function checkInput(workflow: WorkflowVersionRecord, input: unknown): void {
    const key = workflow.checksum;
    let validate = inputValidators.get(key);
    if (validate === undefined) {
      const schema = (workflow.definition as { workflow?: { input_schema?: unknown } }).workflow
        ?.input_schema;
      validate = schema === undefined ? null : compileUserSchema(schema);
      inputValidators.set(key, validate);
    }
    if (validate && !validate(input)) {
      throw new HttpProblem(
        422,
        'invalid-input',
        `the input does not match the input_schema of ${workflow.name}`,
        {
          errors: toFieldProblems(validate.errors ?? []).map((entry) => ({
            ...entry,
            pointer: `/input${entry.pointer}`,
          })),
        },
      );
    }
  }

  async function execute(
    ctx: RouteContext,
    workflowRef: string,
    body: Record<string, unknown>,
  ): Promise<void> {
    const workflow = await services.workflows.getActive(workflowRef);
    if (!workflow) throw notFound(`workflow ${workflowRef}`);
    const input = body.input ?? {};
    checkInput(workflow, input);
    const idempotencyKey = ctx.get('idempotency-key') || undefined;
    if (idempotencyKey !== undefined && idempotencyKey.length > MAX_IDEMPOTENCY_KEY) {
      throw new HttpProblem(
        400,
        'bad-idempotency-key',
        `the Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY}`,
      );
    }
    const triggerType = typeof body.trigger_type === 'string' ? body.trigger_type : 'manual';
    await start(ctx, workflow, input, triggerType, idempotencyKey);
  }

  async function start(
    ctx: RouteContext,
    workflow: WorkflowVersionRecord,
    input: unknown,
    triggerType: string,
    idempotencyKey?: string,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    // The row goes in before the start is published: a retry under the same key finds it, whatever happens next.
    const reservation = await services.executions.reserve({
      id: randomUUID(),
      workflowId: workflow.workflowId,
      workflowName: workflow.name,
      version: workflow.version,
      input,
      triggerType,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
    if (reservation.outcome === 'conflict') {
      throw new HttpProblem(
        409,
        'idempotency-key-reused',
        'this Idempotency-Key was used with another input',
        {
          execution_id: reservation.id,
        },
      );
    }
    const request = {
      workflowId: workflow.workflowId,
      workflowName: workflow.name,
      version: workflow.version,
      input,
      executionId: reservation.id,
      trigger: { type: 'API' as const, id: triggerType },
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      // The caller's trace continues through the execution's commands, agents and results.
      ...(ctx.get('traceparent') ? { traceparent: ctx.get('traceparent') } : {}),
    };
    if (reservation.outcome === 'created') {
      try {
        await services.client.start([request]);
      } catch (error) {
        await services.executions.release(reservation.id).catch(() => undefined);
        throw error;
      }
    } else if (reservation.status === 'pending') {
      // The first attempt may have died between reserving and publishing; a repeated start of the same id is
      // refused by the orchestrator once the execution exists, so publishing again is harmless.
      await services.client.start([request]);
    }
    ctx.status = 202;
    ctx.set('Location', `/api/v1/executions/${reservation.id}`);
    if (reservation.outcome === 'existing') ctx.set('Idempotent-Replayed', 'true');
    ctx.body = {
      execution_id: reservation.id,
      status: reservation.outcome === 'existing' ? reservation.status : 'pending',
      workflow_id: workflow.workflowId,
      workflow_version: workflow.version,
      ...extra,
    };
  }

  async function view(id: string): Promise<{ view: ExecutionView; behind: boolean } | undefined> {
    let stored;
    try {
      stored = await services.store.load(id);
    } catch (error) {
      // Redis is away: the history in Postgres still knows the execution, if a little behind. Without a row
      // there, the execution may yet live in Redis, so the outage stands (503), never a wrong 404.
      if (dependencyOutageOf(error)?.dependency !== 'redis') throw error;
      const summary = await services.executions.get(id);
      if (!summary) throw error;
      return { view: historyView(summary, await services.executions.history(id)), behind: true };
    }
    if (stored) return { view: liveView(JSON.parse(stored.state) as ExecutionState), behind: false };
    const summary = await services.executions.get(id);
    if (!summary) return undefined;
    return { view: historyView(summary, await services.executions.history(id)), behind: false };
  }

  async function mustView(ctx: RouteContext): Promise<ExecutionView> {
    const found = await view(ctx.params.id!);
    if (!found) throw notFound(`execution ${ctx.params.id}`);
    if (found.behind) {
      ctx.set('X-Percolator-Source', 'history');
      ctx.set('X-Percolator-Possibly-Behind', 'redis unavailable; the history may lag the live state');
    }
    return found.view;
  }

  function assertRunning(execution: ExecutionView, action: string): void {
    if (TERMINAL_STATUSES.has(execution.status as ExecutionState['status'])) {
      throw new HttpProblem(
        409,
        'execution-finished',
        `cannot ${action}: the execution is ${execution.status}`,
        {
          execution_id: execution.id,
          status: execution.status,
        },
      );
    }
  }

  const jsonBody = (ctx: RouteContext): Record<string, unknown> =>
    ctx.state.body.kind === 'json' ? (ctx.state.body.value as Record<string, unknown>) : {};

  return [
    {
      method: 'POST',
      path: '/api/v1/workflows/{id}/execute',
      params: { id: WORKFLOW_REF_PARAM },
      operationId: 'executeWorkflow',
      summary: 'Start an execution of the active version (Idempotency-Key header supported)',
      tag: 'executions',
      body: EXECUTE_BODY,
      bodyOptional: true,
      payloadFields: ['input'],
      audited: true,
      responses: {
        202: { description: 'Accepted', schema: ACCEPTED_SCHEMA },
        404: problem('Unknown workflow'),
        409: problem('The Idempotency-Key was used with another input'),
        422: problem('The input does not match the workflow input_schema'),
      },
      handler: (ctx) => execute(ctx, ctx.params.id!, jsonBody(ctx)),
    },
    {
      method: 'POST',
      path: '/api/v1/workflows/execute',
      operationId: 'executeWorkflowById',
      summary: 'Start an execution of the workflow named in the body',
      tag: 'executions',
      body: EXECUTE_BY_ID_BODY,
      payloadFields: ['input'],
      audited: true,
      responses: {
        202: { description: 'Accepted', schema: ACCEPTED_SCHEMA },
        404: problem('Unknown workflow'),
        409: problem('The Idempotency-Key was used with another input'),
        422: problem('Invalid body or input'),
      },
      handler: (ctx) => {
        const body = jsonBody(ctx);
        return execute(ctx, body.workflow_id as string, body);
      },
    },
    {
      method: 'GET',
      path: '/api/v1/executions',
      operationId: 'listExecutions',
      summary: 'Executions, newest first, keyset-paged',
      tag: 'executions',
      query: [
        { name: 'workflow_id', description: 'Workflow id or name', schema: { type: 'string' } },
        { name: 'status', description: 'Execution status', schema: { enum: [...STATUSES] } },
        { name: 'since', description: 'Created at or after (ISO 8601)', schema: { type: 'string' } },
        { name: 'until', description: 'Created before (ISO 8601)', schema: { type: 'string' } },
        { name: 'cursor', description: 'next_cursor of the previous page', schema: { type: 'string' } },
        { name: 'limit', description: '1 to 200, default 50', schema: { type: 'integer' } },
      ],
      responses: { 200: { description: 'A page', schema: ANY_OBJECT }, 400: problem('A bad filter') },
      handler: async (ctx) => {
        const query = ctx.query as Record<string, string | string[] | undefined>;
        const one = (name: string): string | undefined => {
          const value = query[name];
          if (Array.isArray(value)) throw badQuery(name, 'give it once');
          return value === '' ? undefined : value;
        };
        const limitText = one('limit');
        const limit = limitText === undefined ? 50 : Number(limitText);
        if (!Number.isInteger(limit) || limit < 1 || limit > 200)
          throw badQuery('limit', 'an integer from 1 to 200');
        const status = one('status');
        if (status !== undefined && !(STATUSES as readonly string[]).includes(status))
          throw badQuery('status', `one of ${STATUSES.join(', ')}`);
        const since = dateParam('since', one('since'));
        const until = dateParam('until', one('until'));
        let workflowId: string | undefined;
        const workflowRef = one('workflow_id');
        if (workflowRef !== undefined) {
          const workflow = await services.workflows.find(workflowRef);
          if (!workflow) {
            ctx.body = { items: [], next_cursor: null };
            return;
          }
          workflowId = workflow.id;
        }
        const cursor = one('cursor');
        let page;
        try {
          page = await services.executions.list({
            limit,
            ...(workflowId ? { workflowId } : {}),
            ...(status ? { status } : {}),
            ...(since ? { since } : {}),
            ...(until ? { until } : {}),
            ...(cursor ? { cursor } : {}),
          });
        } catch (error) {
          if (error instanceof InvalidCursorError)
            throw badQuery('cursor', 'a next_cursor from an earlier page');
          throw error;
        }
        ctx.body = { items: page.items.map(summaryListView), next_cursor: page.nextCursor };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/executions/{id}',
      params: { id: EXECUTION_ID_PARAM },
      operationId: 'getExecution',
      summary: 'An execution with its steps: live from Redis, else from the history in Postgres',
      tag: 'executions',
      responses: { 200: { description: 'The execution', schema: EXECUTION_SCHEMA }, 404: problem('Unknown') },
      handler: async (ctx) => {
        ctx.body = await mustView(ctx);
      },
    },
    {
      method: 'GET',
      path: '/api/v1/executions/{id}/history',
      params: { id: EXECUTION_ID_PARAM },
      operationId: 'getExecutionHistory',
      summary: 'The lifecycle events recorded for an execution, in order',
      tag: 'executions',
      responses: { 200: { description: 'The events', schema: ANY_OBJECT }, 404: problem('Unknown') },
      handler: async (ctx) => {
        const id = ctx.params.id!;
        const rows = await services.executions.history(id);
        if (rows.length === 0 && !(await services.executions.get(id)) && !(await services.store.load(id)))
          throw notFound(`execution ${id}`);
        ctx.body = {
          execution_id: id,
          items: rows.map((row) => ({
            seq: row.seq,
            type: row.type,
            step_id: row.stepId,
            attempt: row.attempt,
            status: row.status,
            data: row.data,
            occurred_at: row.occurredAt.toISOString(),
          })),
        };
      },
    },
    {
      method: 'POST',
      path: '/api/v1/executions/{id}/cancel',
      params: { id: EXECUTION_ID_PARAM },
      operationId: 'cancelExecution',
      summary: 'Ask a running execution to cancel',
      tag: 'executions',
      body: CANCEL_BODY,
      bodyOptional: true,
      audited: true,
      responses: {
        202: { description: 'Cancellation requested', schema: ANY_OBJECT },
        404: problem('Unknown'),
        409: problem('Already finished'),
      },
      handler: async (ctx) => {
        const execution = await mustView(ctx);
        assertRunning(execution, 'cancel');
        const reason = (jsonBody(ctx).reason as string | undefined) ?? 'cancelled through the API';
        await services.client.cancel(execution.id, reason, ctx.state.principal?.subject);
        ctx.status = 202;
        ctx.body = { execution_id: execution.id, status: 'cancelling' };
      },
    },
    {
      method: 'POST',
      path: '/api/v1/executions/{id}/retry',
      params: { id: EXECUTION_ID_PARAM },
      operationId: 'retryExecution',
      summary: 'Start a new execution of the same workflow version with the same input',
      tag: 'executions',
      bodyOptional: true,
      audited: true,
      responses: {
        202: { description: 'The new execution', schema: ACCEPTED_SCHEMA },
        404: problem('Unknown'),
        409: problem('Only failed, cancelled or timed-out executions can be retried'),
      },
      handler: async (ctx) => {
        const execution = await mustView(ctx);
        if (!RETRYABLE.has(execution.status)) {
          throw new HttpProblem(409, 'not-retryable', `a ${execution.status} execution cannot be retried`, {
            execution_id: execution.id,
            status: execution.status,
          });
        }
        const workflow =
          execution.workflow_id === null
            ? undefined
            : await services.workflows.getVersion(execution.workflow_id, execution.workflow_version);
        if (!workflow) throw notFound(`the workflow version of execution ${execution.id}`);
        await start(ctx, workflow, execution.input ?? {}, 'retry', undefined, { retry_of: execution.id });
      },
    },
    {
      method: 'POST',
      path: '/api/v1/executions/{id}/signal',
      params: { id: EXECUTION_ID_PARAM },
      operationId: 'signalExecution',
      summary: 'Deliver an event to a waiting execution',
      tag: 'executions',
      body: SIGNAL_BODY,
      payloadFields: ['data'],
      audited: true,
      responses: {
        202: { description: 'Signal sent', schema: ANY_OBJECT },
        404: problem('Unknown'),
        409: problem('Already finished'),
      },
      handler: async (ctx) => {
        const execution = await mustView(ctx);
        assertRunning(execution, 'signal');
        const body = jsonBody(ctx);
        const eventId = (body.event_id as string | undefined) ?? randomUUID();
        await services.client.signal(execution.id, body.event_type as string, body.data ?? null, eventId);
        ctx.status = 202;
        ctx.body = { execution_id: execution.id, event_id: eventId, event_type: body.event_type };
      },
    },
  ];
}

function badQuery(name: string, expected: string): HttpProblem {
  return new HttpProblem(400, 'bad-query', `query parameter ${name}: expected ${expected}`, {
    parameter: name,
  });
}

function dateParam(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw badQuery(name, 'an ISO 8601 date-time');
  return date;
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
const isoDate = (date: Date | null): string | null => (date === null ? null : date.toISOString());

function liveView(state: ExecutionState): ExecutionView {
  return {
    id: state.executionId,
    workflow_id: state.workflowId || null,
    workflow_name: state.workflowName,
    workflow_version: state.workflowVersion,
    status: state.status,
    input: state.input,
    output: state.output ?? null,
    error: state.error ?? null,
    started_at: iso(state.startedAt),
    finished_at: iso(state.finishedAt),
    steps: Object.fromEntries(
      Object.entries(state.steps).map(([stepId, step]: [string, StepState]) => [
        stepId,
        {
          status: step.status,
          attempts: step.attempt,
          started_at: iso(step.startedAt),
          finished_at: iso(step.finishedAt),
          ...(step.output === undefined ? {} : { output: step.output }),
          ...(step.error === undefined ? {} : { error: step.error }),
        },
      ]),
    ),
    source: 'live',
  };
}

const STEP_OUTCOMES: Readonly<Record<string, string>> = {
  StepSucceeded: 'succeeded',
  StepFailed: 'failed',
  StepSkipped: 'skipped',
  StepTimedOut: 'timed_out',
  StepCompensated: 'compensated',
};

/** Rebuilds per-step status from the recorded events when Redis no longer holds the state. */
function historyView(summary: ExecutionSummary, rows: readonly HistoryRow[]): ExecutionView {
  const steps: Record<string, StepView> = {};
  for (const row of rows) {
    if (!row.stepId) continue;
    const step = (steps[row.stepId] ??= {
      status: 'pending',
      attempts: 0,
      started_at: null,
      finished_at: null,
    });
    const data = (row.data ?? {}) as Record<string, unknown>;
    if (row.type === 'StepScheduled') {
      step.status = 'running';
      step.attempts = Math.max(step.attempts, row.attempt ?? 1);
      step.started_at ??= row.occurredAt.toISOString();
    }
    const outcome = STEP_OUTCOMES[row.type];
    if (outcome) {
      step.status = outcome;
      step.finished_at = row.occurredAt.toISOString();
      if (row.attempt !== null) step.attempts = Math.max(step.attempts, row.attempt);
      if (data.output !== undefined) step.output = data.output;
      if (data.error !== undefined) step.error = data.error;
    }
  }
  return {
    id: summary.id,
    workflow_id: summary.workflowId,
    workflow_name: summary.workflowName,
    workflow_version: summary.workflowVersion,
    status: summary.status,
    input: summary.input,
    output: summary.output,
    error: summary.error,
    started_at: isoDate(summary.startedAt),
    finished_at: isoDate(summary.finishedAt),
    steps,
    source: 'history',
  };
}

function summaryListView(summary: ExecutionSummary) {
  return {
    id: summary.id,
    workflow_id: summary.workflowId,
    workflow_name: summary.workflowName,
    workflow_version: summary.workflowVersion,
    status: summary.status,
    trigger_type: summary.triggerType,
    created_at: summary.createdAt.toISOString(),
    started_at: isoDate(summary.startedAt),
    finished_at: isoDate(summary.finishedAt),
  };
}
