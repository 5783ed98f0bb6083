// The one permission table: every route of the API and the least role that may call it. The router refuses to
// register a route missing here, and a unit test keeps the table and the routes equal.
import type { Requirement } from './roles.js';

export const PERMISSIONS = {
  'GET /health': 'public',
  'GET /ready': 'public',
  'GET /metrics': 'public',
  'GET /api/v1/openapi.json': 'public',

  'GET /api/v1/workflows': 'viewer',
  'GET /api/v1/workflows/{id}': 'viewer',
  'GET /api/v1/workflows/{id}/versions': 'viewer',
  'GET /api/v1/workflows/{id}/versions/{version}': 'viewer',
  'GET /api/v1/workflows/{id}/metrics': 'viewer',
  'POST /api/v1/workflows': 'admin',
  'PUT /api/v1/workflows/{id}': 'admin',
  'DELETE /api/v1/workflows/{id}': 'admin',
  'POST /api/v1/workflows/validate': 'admin',

  'POST /api/v1/workflows/{id}/execute': 'operator',
  'POST /api/v1/workflows/execute': 'operator',
  'GET /api/v1/executions': 'viewer',
  'GET /api/v1/executions/{id}': 'viewer',
  'GET /api/v1/executions/{id}/history': 'viewer',
  'POST /api/v1/executions/{id}/cancel': 'operator',
  'POST /api/v1/executions/{id}/retry': 'operator',
  'POST /api/v1/executions/{id}/signal': 'operator',

  'GET /api/v1/agents': 'viewer',
  'GET /api/v1/agents/{type}/health': 'viewer',
  'GET /api/v1/status': 'viewer',
  'GET /ws': 'viewer',
  'GET /api/v1/console/summary': 'viewer',
  'GET /api/v1/console/me': 'viewer',
  'GET /api/v1/console/trends': 'viewer',
  'GET /api/v1/alerts': 'viewer',
  'POST /api/v1/alerts/{id}/acknowledge': 'operator',
  'POST /api/v1/alerts/{id}/resolve': 'operator',

  'GET /api/v1/api-keys': 'admin',
  'POST /api/v1/api-keys': 'admin',
  'DELETE /api/v1/api-keys/{id}': 'admin',
} as const satisfies Record<string, Requirement>;

export type RouteKey = keyof typeof PERMISSIONS;

export function requirementOf(key: string): Requirement | undefined {
  return (PERMISSIONS as Record<string, Requirement>)[key];
}
