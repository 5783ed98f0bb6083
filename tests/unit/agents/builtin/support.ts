// Calling a built-in agent's handler directly, with a real HandlerContext object whose token reports are
// kept for the test to read. Shared by the unit tests and the integration tests of the built-in agents.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentDefinition, HandlerContext, TokenUsageReport } from '../../../../src/agents/sdk/index.js';
import { createLogger } from '../../../../src/observability/logger.js';

export interface TestContext extends HandlerContext {
  readonly usage: TokenUsageReport[];
}

export function handlerContext(overrides: Partial<HandlerContext> = {}): TestContext {
  const usage: TokenUsageReport[] = [];
  const executionId = `exec-${randomUUID()}`;
  return {
    commandId: `${executionId}:step:1`,
    idempotencyKey: `${executionId}:step`,
    executionId,
    stepId: 'step',
    attempt: 1,
    action: 'test',
    agentType: 'test',
    agentId: 'test-instance',
    workflowName: 'builtin-agent-test',
    workflowVersion: 1,
    deadline: Date.now() + 60_000,
    signal: new AbortController().signal,
    logger: createLogger({ level: 'silent' }),
    traceContext: {},
    reportTokenUsage: (report) => usage.push(report),
    usage,
    ...overrides,
  };
}

export async function invoke(
  agent: AgentDefinition,
  action: string,
  input: unknown,
  ctx: TestContext = handlerContext(),
): Promise<Record<string, unknown>> {
  const definition = agent.actions.get(action);
  if (!definition) throw new Error(`${agent.type} has no action ${action}`);
  return (await definition.handler(input, { ...ctx, action, agentType: agent.type })) as Record<
    string,
    unknown
  >;
}

export interface CapturedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface PlannedReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * A real HTTP server on the loopback interface standing in for a remote service this machine cannot reach
 * (a model provider, a webhook receiver): it answers each request with the reply `plan` gives and keeps the
 * requests for the test to inspect.
 */
export async function localHttpServer(plan: (request: CapturedRequest, index: number) => PlannedReply) {
  const received: CapturedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const captured = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? (JSON.parse(text) as unknown) : null,
      };
      received.push(captured);
      const reply = plan(captured, received.length - 1);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A chat-completions answer as the protocol shapes it. */
export function chatCompletion(content: string, model = 'local-test-model-0613') {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 42, completion_tokens: 17, total_tokens: 59 },
  };
}
