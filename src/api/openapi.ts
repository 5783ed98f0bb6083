// Builds the OpenAPI 3.1 document from the route declarations and the request schemas they validate with.
import { PERMISSIONS } from './auth/permissions.js';
import type { Requirement } from './auth/roles.js';
import { routeKey, type JsonSchema, type RouteSpec } from './route-spec.js';
import { PROBLEM_SCHEMA, TEXT_PARAM } from './schemas.js';

export function buildOpenApi(routes: readonly RouteSpec[], version = '0.1.0'): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const requirement = (PERMISSIONS as Record<string, Requirement>)[routeKey(route)] ?? 'admin';
    const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      schema: route.params?.[match[1]!] ?? TEXT_PARAM,
    }));
    const queryParameters = (route.query ?? []).map((parameter) => ({
      name: parameter.name,
      in: 'query',
      required: false,
      description: parameter.description,
      schema: parameter.schema,
    }));
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      const contentType =
        response.contentType ??
        (response.schema === PROBLEM_SCHEMA ? 'application/problem+json' : 'application/json');
      responses[status] = {
        description: response.description,
        ...(response.schema || response.contentType
          ? { content: { [contentType]: { schema: response.schema ?? { type: 'string' } } } }
          : {}),
      };
    }
    if (requirement !== 'public') {
      responses['401'] ??= problemResponse('Missing or invalid credentials');
      responses['403'] ??= problemResponse(`Needs the ${requirement} role`);
      responses['503'] ??= problemResponse('A dependency is unavailable; retry after Retry-After seconds');
    }
    if (pathParameters.length > 0 || route.query)
      responses['400'] ??= problemResponse('A bad path or query parameter');
    if (route.body) {
      responses['400'] ??= problemResponse('Malformed body');
      responses['413'] ??= problemResponse('Body larger than the limit');
      responses['422'] ??= problemResponse('Body does not match its schema');
    }
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      'x-required-role': requirement,
      security: requirement === 'public' ? [] : [{ bearer: [] }, { apiKey: [] }],
      parameters: [
        ...pathParameters,
        ...queryParameters,
        ...(route.operationId.startsWith('executeWorkflow')
          ? [
              {
                name: 'Idempotency-Key',
                in: 'header',
                required: false,
                description: 'A retry with the same key returns the same execution',
                schema: { type: 'string', maxLength: 200 },
              },
            ]
          : []),
      ],
      responses,
    };
    if (route.body) {
      const content: Record<string, { schema: JsonSchema }> = { 'application/json': { schema: route.body } };
      if (route.acceptsYaml) content['application/yaml'] = { schema: { type: 'string' } };
      operation.requestBody = { required: !route.bodyOptional, content };
    }
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Percolator admin API',
      version,
      description:
        'Manage workflows and executions of the Percolator engine. Errors are RFC 9457 problem documents.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { Problem: PROBLEM_SCHEMA },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
  };
}

function problemResponse(description: string) {
  return {
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}
