import { describe, expect, it } from 'vitest';
import {
  actionUrl,
  BRIDGE_ERROR_CODES,
  buildRequest,
  interpretResponse,
  parseRetryAfter,
} from '../../../../src/agents/bridge/http-exchange.js';
import { readActionList } from '../../../../src/agents/bridge/discover-actions.js';
import { defineHttpBridge } from '../../../../src/agents/bridge/http-bridge.js';
import { AgentError } from '../../../../src/agents/sdk/agent-error.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function thrown(run: () => unknown): AgentError {
  try {
    run();
  } catch (error) {
    if (error instanceof AgentError) return error;
    throw error;
  }
  throw new Error('expected an AgentError');
}

describe('actionUrl', () => {
  it('appends actions/<action> to the base, with or without a path or trailing slash', () => {
    expect(actionUrl('http://agent:8081', 'create_content')).toBe('http://agent:8081/actions/create_content');
    expect(actionUrl('http://agent:8081/', 'create_content')).toBe(
      'http://agent:8081/actions/create_content',
    );
    expect(actionUrl('https://host/api/v2', 'a.b:c')).toBe('https://host/api/v2/actions/a.b%3Ac');
  });
});

describe('buildRequest', () => {
  it('carries the command ids, deadline and input, and the idempotency and trace headers', () => {
    const request = buildRequest(
      'http://agent:8081',
      { text: 'hi' },
      {
        commandId: 'exec-1:step:2',
        idempotencyKey: 'exec-1:step',
        executionId: 'exec-1',
        stepId: 'step',
        attempt: 2,
        action: 'summarise',
        agentType: 'writer',
        workflowName: 'wf',
        workflowVersion: 3,
        deadline: NOW,
        traceContext: { traceparent: TRACEPARENT },
      },
      { authorization: 'Bearer x', 'idempotency-key': 'overridden' },
    );
    expect(request.url).toBe('http://agent:8081/actions/summarise');
    expect(JSON.parse(request.body)).toEqual({
      command_id: 'exec-1:step:2',
      idempotency_key: 'exec-1:step',
      execution_id: 'exec-1',
      step_id: 'step',
      attempt: 2,
      action: 'summarise',
      agent_type: 'writer',
      workflow: { name: 'wf', version: 3 },
      deadline: '2025-03-01T12:00:00.000Z',
      deadline_ms: NOW,
      input: { text: 'hi' },
    });
    expect(request.headers).toMatchObject({
      authorization: 'Bearer x',
      'content-type': 'application/json',
      // The step's key, not the attempt's command id: the service sees a retry as the same request.
      'idempotency-key': 'exec-1:step',
      traceparent: TRACEPARENT,
      'percolator-attempt': '2',
      'percolator-deadline': '2025-03-01T12:00:00.000Z',
    });
    expect(request.headers.tracestate).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', NOW)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter('-3', NOW)).toBeUndefined();
    expect(parseRetryAfter('1.5', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });
});

describe('interpretResponse', () => {
  const respond = (status: number, body: unknown, retryAfter: string | null = null) =>
    interpretResponse(
      { status, retryAfter, body: typeof body === 'string' ? body : JSON.stringify(body) },
      NOW,
    );

  it('takes a 2xx JSON body as the output', () => {
    expect(respond(200, { summary: 'x' })).toEqual({ output: { summary: 'x' }, tokenUsage: undefined });
    expect(respond(201, [1, 2])).toEqual({ output: [1, 2], tokenUsage: undefined });
    expect(respond(204, '')).toEqual({ output: null, tokenUsage: undefined });
  });

  it('unwraps the {output, token_usage} envelope', () => {
    expect(
      respond(200, {
        output: { summary: 'x' },
        token_usage: { prompt_tokens: 10, completion_tokens: 4, model: 'm' },
      }),
    ).toEqual({
      output: { summary: 'x' },
      tokenUsage: { promptTokens: 10, completionTokens: 4, model: 'm' },
    });
    expect(respond(200, { output: null })).toEqual({ output: null, tokenUsage: undefined });
    // Another member besides output and token_usage: the whole object is the output.
    expect(respond(200, { output: 1, score: 2 })).toEqual({
      output: { output: 1, score: 2 },
      tokenUsage: undefined,
    });
  });

  it('refuses a 2xx that is not JSON or has a malformed token_usage, finally', () => {
    const notJson = thrown(() => respond(200, '<html>oops</html>'));
    expect(notJson).toMatchObject({ code: BRIDGE_ERROR_CODES.invalidResponse, retriable: false });
    const badUsage = thrown(() => respond(200, { output: 1, token_usage: { prompt_tokens: 'many' } }));
    expect(badUsage).toMatchObject({ code: BRIDGE_ERROR_CODES.invalidResponse, retriable: false });
  });

  it('makes 5xx and 429 retriable, honouring Retry-After', () => {
    expect(thrown(() => respond(500, 'boom'))).toMatchObject({
      code: 'HTTP_500',
      retriable: true,
      retryAfterMs: undefined,
      message: 'HTTP 500: boom',
    });
    expect(thrown(() => respond(503, '', 'Sat, 01 Mar 2025 12:00:05 GMT'))).toMatchObject({
      code: 'HTTP_503',
      retriable: true,
      retryAfterMs: 5000,
    });
    expect(thrown(() => respond(429, {}, '12'))).toMatchObject({
      code: 'RATE_LIMITED',
      retriable: true,
      retryAfterMs: 12_000,
    });
  });

  it('makes other 4xx final, with the service code and message when it gives them', () => {
    expect(thrown(() => respond(400, { error: { code: 'BAD_BRIEF', message: 'no topic' } }))).toMatchObject({
      code: 'BAD_BRIEF',
      retriable: false,
      message: 'HTTP 400: no topic',
    });
    expect(thrown(() => respond(404, { title: 'Not Found' }))).toMatchObject({
      code: 'HTTP_404',
      retriable: false,
      message: 'HTTP 404: Not Found',
    });
    expect(thrown(() => respond(422, { code: 'has spaces', message: 'm' }))).toMatchObject({
      code: 'HTTP_422',
    });
  });
});

describe('readActionList', () => {
  it('accepts names, objects and the wrapped form', () => {
    expect(readActionList(['a', 'b', 'a'])).toEqual({
      actions: [
        { name: 'a', description: null },
        { name: 'b', description: null },
      ],
      version: undefined,
    });
    expect(readActionList({ actions: [{ name: 'a', description: 'does a' }], version: '2.0.0' })).toEqual({
      actions: [{ name: 'a', description: 'does a' }],
      version: '2.0.0',
    });
  });

  it('refuses anything else', () => {
    expect(readActionList({ nope: [] })).toBeNull();
    expect(readActionList([{ description: 'no name' }])).toBeNull();
    expect(readActionList(['bad name'])).toBeNull();
  });
});

describe('defineHttpBridge', () => {
  it('resolves any action name to the forwarding handler and advertises only the listed ones', async () => {
    const bridge = defineHttpBridge({ type: 'writer', url: 'http://127.0.0.1:9' });
    expect(bridge.concurrency).toBe(16);
    expect(bridge.version).toBe('http');
    expect(bridge.actions.get('anything')?.name).toBe('anything');
    expect(bridge.actions.get('not valid')).toBeUndefined();
    expect([...bridge.actions.keys()]).toEqual([]);
    expect(bridge.actions.listed).toBe(false);
  });

  it('checks its options', () => {
    expect(() => defineHttpBridge({ type: 'Bad Type', url: 'http://x' })).toThrow(/agent type/);
    expect(() => defineHttpBridge({ type: 'ok', url: 'ftp://x' })).toThrow(/http or https/);
    expect(() => defineHttpBridge({ type: 'ok', url: 'http://x', concurrency: 0 })).toThrow(/concurrency/);
  });
});
