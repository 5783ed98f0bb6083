// Token edges the verifier itself lets through: an empty subject, a token without expiry, and one that lives
// longer than JWT_MAX_LIFETIME (from its iat, or from now when iat is missing or set in the future).
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { TestEngine } from '../support/engine.js';
import { ApiHarness, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET } from './api-harness.js';

const key = new TextEncoder().encode(TEST_SECRET);
const now = () => Math.floor(Date.now() / 1000);
const DAY = 86_400;

function sign(options: { sub?: string; iat?: number | null; exp?: number | null }): Promise<string> {
  let jwt = new SignJWT({ roles: ['viewer'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(TEST_ISSUER)
    .setAudience(TEST_AUDIENCE);
  if (options.sub !== undefined) jwt = jwt.setSubject(options.sub);
  if (options.iat !== null) jwt = jwt.setIssuedAt(options.iat ?? now());
  if (options.exp !== null) jwt = jwt.setExpirationTime(options.exp ?? now() + 600);
  return jwt.sign(key);
}

describe('admin API: token edges', () => {
  let engine: TestEngine;
  let api: ApiHarness;

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'api-auth-edges', agents: [echoAgent], orchestrators: 0 });
    api = await ApiHarness.start(engine);
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
    await engine?.stop();
  });

  const asToken = async (token: string) =>
    api.request('GET', '/api/v1/workflows', { role: null, headers: { authorization: `Bearer ${token}` } });

  it('refuses an empty or blank sub, a missing exp and a lifetime beyond the maximum (30 days by default)', async () => {
    const cases: [string, Promise<string>, RegExp][] = [
      ['empty sub', sign({ sub: '' }), /empty sub/],
      ['blank sub', sign({ sub: '   ' }), /empty sub/],
      ['missing sub', sign({}), /sub/],
      ['no exp', sign({ sub: 'alice', exp: null }), /exp/],
      ['31 days', sign({ sub: 'alice', exp: now() + 31 * DAY }), /JWT_MAX_LIFETIME/],
      ['no iat, 31 days left', sign({ sub: 'alice', iat: null, exp: now() + 31 * DAY }), /JWT_MAX_LIFETIME/],
      [
        'iat forged into the future',
        sign({ sub: 'alice', iat: now() + 30 * DAY, exp: now() + 31 * DAY }),
        /JWT_MAX_LIFETIME/,
      ],
    ];
    for (const [label, token, reason] of cases) {
      const response = await asToken(await token);
      expect(response.status, label).toBe(401);
      expect(response.headers.get('content-type'), label).toContain('application/problem+json');
      expect(response.body.detail, label).toMatch(reason);
    }
  });

  it('accepts a token within the maximum lifetime, also one issued long ago that is still valid', async () => {
    expect((await asToken(await sign({ sub: 'alice', exp: now() + 29 * DAY }))).status).toBe(200);
    expect((await asToken(await sign({ sub: 'alice', iat: now() - DAY, exp: now() + 600 }))).status).toBe(
      200,
    );
  });

  it('honours a shorter maximum lifetime given to the verifier', async () => {
    const strict = await ApiHarness.start(engine, { jwtMaxLifetimeSeconds: 3600 });
    try {
      const twoHours = await sign({ sub: 'alice', exp: now() + 7200 });
      const response = await strict.request('GET', '/api/v1/workflows', {
        role: null,
        headers: { authorization: `Bearer ${twoHours}` },
      });
      expect(response.status).toBe(401);
      expect(response.body.detail).toContain('3600 s');
      const halfHour = await sign({ sub: 'alice', exp: now() + 1800 });
      expect(
        (
          await strict.request('GET', '/api/v1/workflows', {
            role: null,
            headers: { authorization: `Bearer ${halfHour}` },
          })
        ).status,
      ).toBe(200);
    } finally {
      await strict.stop();
    }
  });
});
