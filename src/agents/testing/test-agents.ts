// Agents with predictable behaviour for the engine's tests and the benchmark. Each is its own agent
// type with one action of the same name, so a workflow names them as `echo.echo`, `flaky.flaky`, ...
// and each gets its own command topic and consumer group.
import { AgentError } from '../sdk/agent-error.js';
import { defineAgent, type AgentDefinition } from '../sdk/define-agent.js';

export const TEST_AGENTS_VERSION = '1.0.0';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field<T>(input: unknown, name: string, check: (value: unknown) => value is T, fallback: T): T {
  const value = isObject(input) ? input[name] : undefined;
  if (value === undefined || value === null) return fallback;
  if (!check(value)) throw new AgentError('INVALID_INPUT', `input field ${name} has the wrong type`);
  return value;
}

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;
const isString = (value: unknown): value is string => typeof value === 'string';
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
const isAnything = (value: unknown): value is unknown => value !== undefined;

/**
 * `echo`: returns its input unchanged. With `add_echoed_by: true` in an object input, the output also
 * carries `echoed_by` (the instance id that answered).
 */
export const echoAgent: AgentDefinition = defineAgent({
  type: 'echo',
  version: TEST_AGENTS_VERSION,
  description: 'Returns its input.',
  concurrency: 64,
  actions: {
    echo: {
      description: 'Returns the input; add_echoed_by: true adds echoed_by with the instance id.',
      handler: (input: unknown, ctx) =>
        isObject(input) && input.add_echoed_by === true ? { ...input, echoed_by: ctx.agentId } : input,
    },
  },
});

/**
 * `flaky`: fails retriably on attempts 1..fail_times of a command (default 1), then succeeds with
 * `{ succeeded_on_attempt, fail_times, output? }`. Input: fail_times, code (default FLAKY),
 * retry_after_ms, output (echoed back on success).
 */
export const flakyAgent: AgentDefinition = defineAgent({
  type: 'flaky',
  version: TEST_AGENTS_VERSION,
  description: 'Fails retriably for the first fail_times attempts, then succeeds.',
  concurrency: 16,
  actions: {
    flaky: {
      description: 'Input: fail_times (default 1), code, retry_after_ms, output.',
      handler: (input: unknown, ctx) => {
        const failTimes = field(input, 'fail_times', isCount, 1);
        if (ctx.attempt <= failTimes) {
          const retryAfterMs = field(input, 'retry_after_ms', isCount, -1);
          throw new AgentError(
            field(input, 'code', isString, 'FLAKY'),
            `planned failure on attempt ${ctx.attempt} of ${failTimes}`,
            { retriable: true, ...(retryAfterMs >= 0 ? { retryAfterMs } : {}) },
          );
        }
        const output = field(input, 'output', isAnything, undefined);
        return {
          succeeded_on_attempt: ctx.attempt,
          fail_times: failTimes,
          ...(output === undefined ? {} : { output }),
        };
      },
    },
  },
});

/**
 * `slow`: waits `delay_ms` (default 1000) and returns `{ delayed_ms, output? }`; stops waiting as soon as
 * the command is cancelled or its deadline passes.
 */
export const slowAgent: AgentDefinition = defineAgent({
  type: 'slow',
  version: TEST_AGENTS_VERSION,
  description: 'Waits delay_ms, honouring cancellation and the deadline.',
  concurrency: 32,
  actions: {
    slow: {
      description: 'Input: delay_ms (default 1000), output.',
      handler: async (input: unknown, ctx) => {
        const delayMs = field(input, 'delay_ms', isCount, 1000);
        await sleep(delayMs, ctx.signal);
        const output = field(input, 'output', isAnything, undefined);
        return { delayed_ms: delayMs, ...(output === undefined ? {} : { output }) };
      },
    },
  },
});

/**
 * `failing`: always fails. Input: code (default TEST_FAILURE), message, retriable (default false),
 * retry_after_ms.
 */
export const failingAgent: AgentDefinition = defineAgent({
  type: 'failing',
  version: TEST_AGENTS_VERSION,
  description: 'Always fails with the code and retriable flag given in its input.',
  concurrency: 16,
  actions: {
    failing: {
      description: 'Input: code (default TEST_FAILURE), message, retriable (default false), retry_after_ms.',
      handler: (input: unknown) => {
        const retryAfterMs = field(input, 'retry_after_ms', isCount, -1);
        throw new AgentError(
          field(input, 'code', isString, 'TEST_FAILURE'),
          field(input, 'message', isString, 'this agent always fails'),
          {
            retriable: field(input, 'retriable', isBoolean, false),
            ...(retryAfterMs >= 0 ? { retryAfterMs } : {}),
          },
        );
      },
    },
  },
});

export const TEST_AGENTS: readonly AgentDefinition[] = [echoAgent, flakyAgent, slowAgent, failingAgent];

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
