// Establishes who is calling (bearer token, API key, or nobody when auth is off) and refuses calls the
// permission table does not allow: 401 without valid credentials, 403 with too small a role.
import type Koa from 'koa';
import type { ApiKeyRepository } from '../../store/access-repository.js';
import { HttpProblem } from '../problem.js';
import { isRole, satisfies, type Principal, type Requirement } from './roles.js';
import { TokenRejected, type TokenVerifier } from './tokens.js';

export type AuthSettings =
  | { mode: 'off' }
  | { mode: 'jwt'; verifyToken?: TokenVerifier; apiKeys?: Pick<ApiKeyRepository, 'authenticate'> };

export const ANONYMOUS_ADMIN: Principal = { subject: 'anonymous', roles: ['admin'], via: 'anonymous' };

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="percolator"' };

/** Finds the caller's principal from the request headers (or `access_token` for WebSocket upgrades). */
export async function authenticate(
  settings: AuthSettings,
  headers: { authorization?: string; apiKey?: string; queryToken?: string },
): Promise<Principal> {
  if (settings.mode === 'off') return ANONYMOUS_ADMIN;
  if (headers.apiKey !== undefined) {
    const key = settings.apiKeys ? await settings.apiKeys.authenticate(headers.apiKey) : undefined;
    if (!key) throw unauthorized('the API key is unknown or revoked');
    return { subject: `api-key:${key.name}`, roles: key.roles.filter(isRole), via: 'api-key' };
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1] ?? headers.queryToken;
  if (bearer === undefined) {
    throw unauthorized(
      headers.authorization === undefined
        ? 'credentials are required: a bearer token or an X-API-Key header'
        : 'the Authorization header must be "Bearer <token>"',
    );
  }
  if (!settings.verifyToken) throw unauthorized('bearer tokens are not configured on this server');
  try {
    return await settings.verifyToken(bearer);
  } catch (error) {
    if (error instanceof TokenRejected) throw unauthorized(error.message);
    throw error;
  }
}

/** Koa middleware for one route: authenticates unless public, then checks the route's requirement. */
export function authorize(settings: AuthSettings, requirement: Requirement): Koa.Middleware {
  return async (ctx, next) => {
    if (requirement !== 'public') {
      const principal = await authenticate(settings, {
        authorization: ctx.get('authorization') || undefined,
        apiKey: ctx.get('x-api-key') || undefined,
      });
      ctx.state.principal = principal;
      if (!satisfies(principal.roles, requirement)) {
        throw new HttpProblem(403, 'forbidden', `this call needs the ${requirement} role`, {
          required_role: requirement,
        });
      }
    }
    await next();
  };
}

export function unauthorized(reason: string): HttpProblem {
  return new HttpProblem(401, 'unauthorized', reason, {}, CHALLENGE);
}
