// The shape every route is declared in: the router registers it, the OpenAPI document describes it, and the
// permission table (auth/permissions.ts) says who may call it.
import type Koa from 'koa';
import type { Principal } from './auth/roles.js';
import type { ParsedBody } from './body.js';

export type JsonSchema = Record<string, unknown>;
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteState {
  principal?: Principal;
  body: ParsedBody;
}

export type RouteContext = Koa.ParameterizedContext<RouteState> & { params: Record<string, string> };

export interface QueryParameter {
  name: string;
  description: string;
  schema: JsonSchema;
}

export interface RouteSpec {
  method: HttpMethod;
  /** OpenAPI path template, e.g. `/api/v1/workflows/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** JSON Schema of a JSON request body; validated before the handler runs (422 on mismatch). */
  body?: JsonSchema;
  /** The body may also be YAML text (workflow definitions). */
  acceptsYaml?: boolean;
  /** The body may be absent. */
  bodyOptional?: boolean;
  /** Free-form JSON members of the body (an execution input, signal data), held to the payload limits. */
  payloadFields?: readonly string[];
  query?: readonly QueryParameter[];
  /** JSON Schema of each path parameter, checked before the handler (400); others must be plain text. */
  params?: Readonly<Record<string, JsonSchema>>;
  /** Status → description (and optional schema) of each answer. */
  responses: Readonly<Record<number, { description: string; schema?: JsonSchema; contentType?: string }>>;
  /** Routes that mutate something are written to the audit log. */
  audited?: boolean;
  handler(ctx: RouteContext): Promise<void> | void;
}

export function routeKey(route: Pick<RouteSpec, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/** `/a/{id}/b` → `/a/:id/b`, the router's syntax. */
export function routerPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
