// Token verification with jose: what is accepted, and the reason given for each refusal.
import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { authenticate } from '../../../src/api/auth/authenticate.js';
import { TokenRejected, createTokenVerifier, mintToken, rolesOf } from '../../../src/api/auth/tokens.js';
import { HttpProblem } from '../../../src/api/problem.js';

const secret = 'unit-test-secret-unit-test-secret-0123';
const settings = { secret, issuer: 'iss', audience: 'aud' };
const verify = createTokenVerifier(settings);
const key = new TextEncoder().encode(secret);
const now = () => Math.floor(Date.now() / 1000);

const token = (claims: Record<string, unknown> = {}, alg = 'HS256') =>
  new SignJWT({ roles: ['operator'], ...claims })
    .setProtectedHeader({ alg })
    .setSubject('alice')
    .setIssuer((claims.iss as string) ?? 'iss')
    .setAudience((claims.aud as string) ?? 'aud')
    .setExpirationTime((claims.exp as number) ?? now() + 60)
    .sign(key);

describe('token verification', () => {
  it('accepts a minted token and reads subject and roles', async () => {
    const minted = await mintToken({ ...settings, subject: 'bob', roles: ['admin'], ttlSeconds: 60 });
    await expect(verify(minted)).resolves.toEqual({
      subject: 'bob',
      roles: ['admin'],
      via: 'jwt',
      expiresAt: expect.any(Number),
    });
    await expect(verify(await token())).resolves.toMatchObject({ subject: 'alice', roles: ['operator'] });
  });

  it.each([
    ['expired', () => token({ exp: now() - 60 }), /expired/],
    ['not yet valid', () => token({ nbf: now() + 600 }), /not valid yet/],
    ['wrong audience', () => token({ aud: 'other' }), /another audience/],
    ['wrong issuer', () => token({ iss: 'other' }), /another issuer/],
    ['another algorithm', () => token({}, 'HS512'), /algorithm/],
    ['unsigned (alg none)', async () => new UnsecuredJWT({ roles: ['admin'] }).setSubject('x').encode(), /./],
    [
      'tampered',
      async () => {
        const [header, , signature] = (await token()).split('.');
        const payload = Buffer.from(
          JSON.stringify({ sub: 'eve', roles: ['admin'], iss: 'iss', aud: 'aud', exp: now() + 60 }),
        );
        return `${header}.${payload.toString('base64url')}.${signature}`;
      },
      /signature/,
    ],
    ['garbage', async () => 'a.b.c', /malformed/],
  ])('refuses a token that is %s', async (_label, make, reason) => {
    const error = await verify(await make()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenRejected);
    expect((error as Error).message).toMatch(reason);
  });

  it('keeps only known role names', () => {
    expect(rolesOf({ roles: ['viewer', 'root', 7] })).toEqual(['viewer']);
    expect(rolesOf({ role: 'admin' })).toEqual(['admin']);
    expect(rolesOf({})).toEqual([]);
  });

  it('turns refusals into 401 problems with a Bearer challenge', async () => {
    const jwt = { mode: 'jwt' as const, verifyToken: verify };
    const missing = await authenticate(jwt, {}).catch((caught: unknown) => caught);
    expect(missing).toBeInstanceOf(HttpProblem);
    expect(missing).toMatchObject({
      status: 401,
      headers: { 'WWW-Authenticate': expect.stringContaining('Bearer') },
    });
    await expect(authenticate(jwt, { authorization: 'Bearer x.y.z' })).rejects.toMatchObject({ status: 401 });
    await expect(authenticate({ mode: 'off' }, {})).resolves.toMatchObject({
      roles: ['admin'],
      via: 'anonymous',
    });
  });
});
