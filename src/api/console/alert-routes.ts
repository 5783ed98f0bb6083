// The alert centre's routes: one list of alerts, dead letters and failed executions, and the two moves an
// operator makes on an item (acknowledge, resolve). Ordinary RouteSpecs: permission-checked, audited, in the
// OpenAPI document.
import { HttpProblem } from '../problem.js';
import type { RouteContext, RouteSpec } from '../route-spec.js';
import { PROBLEM_SCHEMA } from '../schemas.js';
import type { AlertCentre } from './alert-centre.js';

const ALERT_ITEM = {
  title: 'AlertItem',
  type: 'object',
  required: ['id', 'kind', 'severity', 'title', 'message', 'status', 'created_at'],
  properties: {
    id: {
      type: 'string',
      description:
        '`<kind>:<ref>`: `alert:<uuid>`, `dead_letter:<dead-letter topic>:<partition>:<offset>`, `failed_execution:<execution id>`',
    },
    kind: { enum: ['alert', 'dead_letter', 'failed_execution'] },
    severity: { enum: ['info', 'warning', 'error', 'critical'] },
    title: { type: 'string' },
    message: { type: 'string' },
    execution_id: { type: ['string', 'null'] },
    status: { enum: ['open', 'acknowledged', 'resolved'] },
    acted_by: { type: ['string', 'null'] },
    created_at: { type: 'string', format: 'date-time' },
    details: { type: 'object' },
  },
};

const ALERT_ID = {
  type: 'string',
  minLength: 3,
  maxLength: 300,
  pattern: '^(alert|dead_letter|failed_execution):.+$',
};

export function alertRoutes(alerts: Pick<AlertCentre, 'list' | 'mark'> | undefined): RouteSpec[] {
  const centre = (): Pick<AlertCentre, 'list' | 'mark'> => {
    if (!alerts)
      throw new HttpProblem(503, 'alerts-unavailable', 'this API instance has no alert centre (no Postgres)');
    return alerts;
  };
  const mark = (status: 'acknowledged' | 'resolved') => async (ctx: RouteContext) => {
    const id = ctx.params.id!;
    if (!(await centre().mark(id, status, ctx.state.principal?.subject ?? 'anonymous')))
      throw new HttpProblem(404, 'not-found', `no alert, dead letter or failed execution ${id}`);
    ctx.body = { id, status };
  };
  return [
    {
      method: 'GET',
      path: '/api/v1/alerts',
      operationId: 'listAlerts',
      summary: 'Alerts (create_alert), dead letters and failed executions, newest first',
      tag: 'system',
      query: [
        {
          name: 'include_resolved',
          description: 'Also list resolved items (default false)',
          schema: { type: 'boolean' },
        },
      ],
      responses: {
        200: {
          description: 'The items',
          schema: { type: 'object', properties: { items: { type: 'array', items: ALERT_ITEM } } },
        },
        503: { description: 'No alert centre on this instance', schema: PROBLEM_SCHEMA },
      },
      handler: async (ctx) => {
        const include = ctx.query.include_resolved;
        if (include !== undefined && include !== 'true' && include !== 'false')
          throw new HttpProblem(
            400,
            'bad-query',
            'query parameter include_resolved: expected true or false',
            {
              parameter: 'include_resolved',
            },
          );
        ctx.body = { items: await centre().list(include === 'true') };
      },
    },
    {
      method: 'POST',
      path: '/api/v1/alerts/{id}/acknowledge',
      params: { id: ALERT_ID },
      operationId: 'acknowledgeAlert',
      summary: 'Mark an alert, dead letter or failed execution as seen',
      tag: 'system',
      bodyOptional: true,
      audited: true,
      responses: {
        200: { description: 'Acknowledged', schema: { type: 'object' } },
        404: { description: 'No such item', schema: PROBLEM_SCHEMA },
      },
      handler: mark('acknowledged'),
    },
    {
      method: 'POST',
      path: '/api/v1/alerts/{id}/resolve',
      params: { id: ALERT_ID },
      operationId: 'resolveAlert',
      summary: 'Close an alert, dead letter or failed execution: it leaves the default list',
      tag: 'system',
      bodyOptional: true,
      audited: true,
      responses: {
        200: { description: 'Resolved', schema: { type: 'object' } },
        404: { description: 'No such item', schema: PROBLEM_SCHEMA },
      },
      handler: mark('resolved'),
    },
  ];
}
