/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are untyped JSON read by assertions */
// Authentication and authorization of the admin API: every refused token is a 401, a too-small role a 403,
// API keys work until revoked, and mutating calls leave audit rows.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { TestEngine } from '../support/engine.js';
import { ApiHarness, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET } from './api-harness.js';

const key = new TextEncoder().encode(TEST_SECRET);
const now = () => Math.floor(Date.now() / 1000);

function sign(claims: Record<string, unknown>, secret: Uint8Array = key): Promise<string> {
  return new SignJWT({ roles: ['admin'], ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('mallory')
    .setIssuer(String(claims.iss ?? TEST_ISSUER))
    .setAudience(String(claims.aud ?? TEST_AUDIENCE))
    .setIssuedAt()
    .setExpirationTime(Number(claims.exp ?? now() + 600))
    .sign(secret);
}

describe('admin API: authentication and roles', () => {
  let engine: TestEngine;
  let api: ApiHarness;

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'api-auth', agents: [echoAgent], orchestrators: 0 });
    api = await ApiHarness.start(engine);
  });
  afterAll(async () => {
    await api?.stop();
    await engine?.stop();
  });

  it('answers 401 for missing, expired, not-yet-valid, wrong-audience, wrong-issuer, tampered and alg-none tokens', async () => {
    const valid = await sign({});
    const [header, payload] = valid.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'root' }),
    ).toString('base64url');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const cases: Record<string, Record<string, string>> = {
      missing: {},
      'not bearer': { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      garbage: { authorization: 'Bearer not-a-token' },
      expired: { authorization: `Bearer ${await sign({ exp: now() - 120 })}` },
      'not yet valid': { authorization: `Bearer ${await sign({ nbf: now() + 600 })}` },
      'wrong audience': { authorization: `Bearer ${await sign({ aud: 'someone-else' })}` },
      'wrong issuer': { authorization: `Bearer ${await sign({ iss: 'https://evil.example' })}` },
      'wrong secret': {
        authorization: `Bearer ${await sign({}, new TextEncoder().encode('another-secret-that-is-long-enough-000'))}`,
      },
      tampered: { authorization: `Bearer ${header}.${forgedPayload}.${valid.split('.')[2]}` },
      'alg none': { authorization: `Bearer ${none}` },
      'unknown api key': { 'x-api-key': 'pk_unknown' },
    };
    for (const [label, headers] of Object.entries(cases)) {
      const response = await api.request('GET', '/api/v1/workflows', { role: null, headers });
      expect(response.status, label).toBe(401);
      expect(response.headers.get('content-type'), label).toContain('application/problem+json');
      expect(response.headers.get('www-authenticate'), label).toContain('Bearer');
      expect(response.body.type, label).toBe('urn:percolator:problem:unauthorized');
    }
    expect(
      (
        await api.request('GET', '/api/v1/workflows', {
          role: null,
          headers: { authorization: `Bearer ${valid}` },
        })
      ).status,
    ).toBe(200);
  });

  it('answers 403 to a viewer that executes or creates, and lets an operator execute but not create', async () => {
    const created = await api.request('POST', '/api/v1/workflows', {
      body: {
        workflow: {
          name: `${engine.prefix}.guarded`,
          steps: [{ id: 'a', type: 'agent', agent_type: 'echo', action: 'echo' }],
        },
      },
    });
    expect(created.status).toBe(201);
    const viewerExecute = await api.request('POST', `/api/v1/workflows/${created.body.id}/execute`, {
      role: 'viewer',
      body: {},
    });
    expect(viewerExecute.status).toBe(403);
    expect(viewerExecute.body).toMatchObject({
      required_role: 'operator',
      type: 'urn:percolator:problem:forbidden',
    });
    const operatorCreate = await api.request('POST', '/api/v1/workflows', {
      role: 'operator',
      body: { workflow: { name: `${engine.prefix}.nope`, steps: [] } },
    });
    expect(operatorCreate.status).toBe(403);
    const operatorExecute = await api.request('POST', `/api/v1/workflows/${created.body.id}/execute`, {
      role: 'operator',
      body: {},
    });
    expect(operatorExecute.status).toBe(202);
    expect((await api.request('GET', '/api/v1/api-keys', { role: 'operator' })).status).toBe(403);
  });

  it('creates an API key shown once, authenticates with it within its roles, and refuses it once revoked', async () => {
    const created = await api.request('POST', '/api/v1/api-keys', {
      body: { name: `${engine.prefix}-ci`, roles: ['viewer'] },
    });
    expect(created.status).toBe(201);
    const plain = created.body.key as string;
    expect(plain).toMatch(/^pk_/);
    const { rows } = await engine.pool.query(`SELECT key_hash FROM api_keys WHERE id = $1`, [
      created.body.id,
    ]);
    expect(rows[0].key_hash).not.toContain(plain);

    const listed = await api.request('GET', '/api/v1/api-keys');
    expect(listed.text).not.toContain(plain);
    expect(listed.body.items.some((item: any) => item.id === created.body.id)).toBe(true);

    const asKey = { role: null, headers: { 'x-api-key': plain } };
    expect((await api.request('GET', '/api/v1/workflows', asKey)).status).toBe(200);
    expect((await api.request('POST', '/api/v1/workflows', { ...asKey, body: { steps: [] } })).status).toBe(
      403,
    );

    const invalidRoles = await api.request('POST', '/api/v1/api-keys', {
      body: { name: 'x', roles: ['root'] },
    });
    expect(invalidRoles.status).toBe(422);

    expect((await api.request('DELETE', `/api/v1/api-keys/${created.body.id}`)).status).toBe(200);
    expect((await api.request('GET', '/api/v1/workflows', asKey)).status).toBe(401);
    expect((await api.request('DELETE', `/api/v1/api-keys/${created.body.id}`)).status).toBe(404);
  });

  it('writes an audit row for each mutating call: who, what, resource, address and result', async () => {
    const response = await api.request('POST', '/api/v1/workflows', {
      body: { workflow: { name: `${engine.prefix}.audited`, steps: [{ id: 'x', type: 'teleport' }] } },
    });
    expect(response.status).toBe(422);
    await api.request('POST', '/api/v1/workflows/whatever/execute', { role: 'viewer', body: {} });
    const { rows } = await engine.pool.query(
      `SELECT actor, action, resource, remote_addr, result FROM audit_log WHERE resource LIKE '/api/v1/workflows%'
        ORDER BY id DESC LIMIT 50`,
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        {
          actor: 'test-admin',
          action: 'createWorkflow',
          resource: '/api/v1/workflows',
          remote_addr: expect.stringContaining('127.0.0.1'),
          result: '422',
        },
        expect.objectContaining({ actor: 'test-viewer', action: 'executeWorkflow', result: '403' }),
      ]),
    );
  });

  it('with AUTH_MODE=off accepts calls without credentials', async () => {
    const open = await ApiHarness.start(engine, { authOff: true });
    try {
      expect((await open.request('GET', '/api/v1/workflows', { role: null })).status).toBe(200);
    } finally {
      await open.stop();
    }
  });
});
