// Calling a built-in agent's handler directly, with a real HandlerContext object whose token reports are
// kept for the test to read. Shared by the unit tests and the integration tests of the built-in agents.
import { randomUUID } from 'node:crypto';
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
