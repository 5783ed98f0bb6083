// Bearer tokens: verification (HS256 with a shared secret, or keys from a JWKS URL) and, for the CLI, minting.
import { randomUUID } from 'node:crypto';
import { SignJWT, createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { isRole, type Principal, type Role } from './roles.js';

export interface TokenSettings {
  /** HS256 shared secret. */
  secret?: string;
  /** JWKS document for asymmetric keys (RS256, ES256, PS256, EdDSA). */
  jwksUrl?: string;
  issuer: string;
  audience: string;
  /** Allowed clock skew for exp and nbf. */
  clockToleranceSeconds?: number;
  /** Longest lifetime (exp - iat, or exp - now without iat) a token may claim, in seconds (JWT_MAX_LIFETIME). */
  maxLifetimeSeconds?: number;
}

export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 30 * 86_400;

export type TokenVerifier = (token: string) => Promise<Principal>;

/** Why a token was refused, for the 401 answer; never includes the token. */
export class TokenRejected extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'TokenRejected';
  }
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export function createTokenVerifier(settings: TokenSettings): TokenVerifier {
  const options = {
    issuer: settings.issuer,
    audience: settings.audience,
    clockTolerance: settings.clockToleranceSeconds ?? 5,
    requiredClaims: ['exp', 'sub'],
  };
  let verify: (token: string) => Promise<JWTPayload>;
  if (settings.jwksUrl) {
    const keys = createRemoteJWKSet(new URL(settings.jwksUrl));
    verify = async (token) => (await jwtVerify(token, keys, { ...options, algorithms: ASYMMETRIC })).payload;
  } else if (settings.secret) {
    const key = new TextEncoder().encode(settings.secret);
    // Only HS256 is accepted: a token announcing `none` or another algorithm is refused before any check.
    verify = async (token) => (await jwtVerify(token, key, { ...options, algorithms: ['HS256'] })).payload;
  } else {
    throw new Error('token verification needs JWT_SECRET or JWKS_URL');
  }
  return async (token) => {
    let payload: JWTPayload;
    try {
      payload = await verify(token);
    } catch (error) {
      throw new TokenRejected(describe(error));
    }
    const maxLifetime = settings.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
    return principalOf(payload, maxLifetime, options.clockTolerance);
  };
}

/** The principal of a verified token, after the checks jose does not make: a subject, and a bounded life. */
export function principalOf(
  payload: JWTPayload,
  maxLifetimeSeconds: number,
  toleranceSeconds = 5,
): Principal {
  if (typeof payload.sub !== 'string' || payload.sub.trim() === '')
    throw new TokenRejected('the token has an empty sub claim');
  if (typeof payload.exp !== 'number') throw new TokenRejected('the token has no exp claim');
  // Measured from iat, or from now when iat is absent or in the future (a forged-forward iat gains nothing).
  const now = Math.floor(Date.now() / 1000);
  const from = typeof payload.iat === 'number' ? Math.min(payload.iat, now) : now;
  if (payload.exp - from > maxLifetimeSeconds + toleranceSeconds) {
    throw new TokenRejected(
      `the token lives longer than the ${maxLifetimeSeconds} s this server accepts (JWT_MAX_LIFETIME)`,
    );
  }
  return { subject: payload.sub, roles: rolesOf(payload), via: 'jwt', expiresAt: payload.exp * 1000 };
}

/** The roles claimed by a token: `roles` (array) or `role` (string); unknown names are ignored. */
export function rolesOf(payload: JWTPayload): Role[] {
  const claimed = Array.isArray(payload.roles) ? (payload.roles as unknown[]) : [payload.role];
  return claimed.filter(isRole);
}

export interface MintOptions {
  secret: string;
  issuer: string;
  audience: string;
  subject: string;
  roles: readonly Role[];
  ttlSeconds: number;
}

/** Signs an HS256 token with the configured secret (the `percolator token` command). */
export async function mintToken(options: MintOptions): Promise<string> {
  return new SignJWT({ roles: [...options.roles] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.subject)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime(`${Math.max(1, Math.floor(options.ttlSeconds))}s`)
    .setJti(randomUUID())
    .sign(new TextEncoder().encode(options.secret));
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'the token is not valid yet';
    if (error.claim === 'aud') return 'the token is for another audience';
    if (error.claim === 'iss') return 'the token is from another issuer';
    return `the token's ${error.claim} claim is not acceptable`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return 'the token is signed with an algorithm that is not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key matches the token';
  return 'the token is malformed';
}
