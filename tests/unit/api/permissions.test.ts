// The permission table: one entry per route, and each role's reach.
import { describe, expect, it } from 'vitest';
import { apiRoutes } from '../../../src/api/app.js';
import { PERMISSIONS } from '../../../src/api/auth/permissions.js';
import { satisfies } from '../../../src/api/auth/roles.js';
import { routeKey } from '../../../src/api/route-spec.js';
import type { ApiServices } from '../../../src/api/services.js';
import { createLogger } from '../../../src/observability/logger.js';

describe('permission table', () => {
  it('has exactly one entry per declared route (plus the OpenAPI document)', () => {
    const routes = apiRoutes({
      logger: createLogger({ level: 'silent' }),
      readiness: [],
      services: {} as ApiServices,
    });
    const keys = [...routes.map(routeKey), 'GET /api/v1/openapi.json'].sort();
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(Object.keys(PERMISSIONS).sort());
  });

  it('lets viewers read only, operators also run and steer executions and handle alerts, admins everything', () => {
    const allowed = (role: 'viewer' | 'operator' | 'admin') =>
      Object.entries(PERMISSIONS)
        .filter(([, requirement]) => satisfies([role], requirement))
        .map(([key]) => key);
    expect(allowed('viewer').every((key) => key.startsWith('GET '))).toBe(true);
    expect(
      allowed('operator')
        .filter((key) => !key.startsWith('GET '))
        .sort(),
    ).toEqual([
      'POST /api/v1/alerts/{id}/acknowledge',
      'POST /api/v1/alerts/{id}/resolve',
      'POST /api/v1/executions/{id}/cancel',
      'POST /api/v1/executions/{id}/retry',
      'POST /api/v1/executions/{id}/signal',
      'POST /api/v1/workflows/execute',
      'POST /api/v1/workflows/{id}/execute',
    ]);
    expect(allowed('admin')).toEqual(Object.keys(PERMISSIONS));
    expect(allowed('viewer')).not.toContain('GET /api/v1/api-keys');
  });

  it('needs no role for public routes and refuses a principal without roles elsewhere', () => {
    expect(satisfies([], 'public')).toBe(true);
    expect(satisfies([], 'viewer')).toBe(false);
    expect(satisfies(['viewer', 'admin'], 'admin')).toBe(true);
  });
});
