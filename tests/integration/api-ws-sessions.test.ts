// /ws sockets end when their credential does: a socket opened with a token closes with 1008 once the token
// expires, one opened with an API key closes with 1008 once the key is revoked, and a valid one stays open and
// keeps receiving events.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { TestEngine } from '../support/engine.js';
import { waitUntil } from '../support/wait.js';
import { ApiHarness, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET } from './api-harness.js';

interface Watched {
  socket: WebSocket;
  closed?: { code: number; reason: string };
  messages: { type?: string }[];
}

describe('admin API: /ws honours expiry and revocation', () => {
  let engine: TestEngine;
  let api: ApiHarness;

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'api-ws-sessions', agents: [echoAgent] });
    api = await ApiHarness.start(engine, { live: true, wsCheckIntervalMs: 250 });
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
    await engine?.stop();
  });

  const open = async (headers: Record<string, string>): Promise<Watched> => {
    const socket = new WebSocket(`${api.url.replace('http', 'ws')}/ws`, { headers });
    const watched: Watched = { socket, messages: [] };
    socket.on('message', (data) => watched.messages.push(JSON.parse(String(data)) as { type?: string }));
    socket.on('close', (code, reason) => (watched.closed = { code, reason: reason.toString() }));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return watched;
  };

  it('closes a socket with 1008 when its token expires, and keeps one whose token is valid', async () => {
    const shortLived = await new SignJWT({ roles: ['viewer'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('short')
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + 3)
      .sign(new TextEncoder().encode(TEST_SECRET));
    const expiring = await open({ authorization: `Bearer ${shortLived}` });
    const lasting = await open({ authorization: `Bearer ${await api.token('viewer')}` });

    await waitUntil(async () => expiring.closed !== undefined, 30_000);
    expect(expiring.closed).toEqual({ code: 1008, reason: 'the token has expired' });
    expect(lasting.closed).toBeUndefined();

    // The remaining socket still streams.
    const name = await engine.register({
      workflow: { name: 'echo', steps: [{ id: 'say', type: 'agent', agent_type: 'echo', action: 'echo' }] },
    });
    await engine.run(name, {});
    await waitUntil(
      async () => lasting.messages.some((message) => message.type === 'ExecutionStarted'),
      60_000,
    );
    expect(lasting.closed).toBeUndefined();
    lasting.socket.close();
  });

  it('closes a socket with 1008 once its API key is revoked', async () => {
    const created = await api.request('POST', '/api/v1/api-keys', {
      body: { name: `${engine.prefix}-ws`, roles: ['viewer'] },
    });
    expect(created.status).toBe(201);
    const keyed = await open({ 'x-api-key': created.body.key as string });
    expect(keyed.messages[0]).toMatchObject({ type: 'subscribed' });

    expect((await api.request('DELETE', `/api/v1/api-keys/${created.body.id}`)).status).toBe(200);
    await waitUntil(async () => keyed.closed !== undefined, 30_000);
    expect(keyed.closed).toEqual({ code: 1008, reason: 'the API key has been revoked' });
  });
});
