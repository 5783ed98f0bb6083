// What an agent is: its type (naming its command topic), version, actions with optional Avro schemas,
// and how many commands it works on at once. defineAgent checks all of it up front, so a mistake shows
// when the process starts rather than on the first command.
import avro from 'avsc';
import { jsonSchemaErrors } from '../../definition/index.js';
import type { Logger } from '../../observability/logger.js';

/** A schema as JSON (what an .avsc file holds). */
export type AvroSchema = Readonly<Record<string, unknown>> | string;

/** A JSON Schema (draft 2020-12) as plain data. */
export type JsonSchema = Readonly<Record<string, unknown>>;

export interface TokenUsageReport {
  promptTokens: number;
  completionTokens: number;
  /** Defaults to prompt + completion. */
  totalTokens?: number;
  model: string;
}

/** What a handler learns about the command it works on. */
export interface HandlerContext {
  /** Changes with every attempt; use it to tell deliveries apart, never to dedupe a side effect. */
  commandId: string;
  /**
   * The same for every attempt of one step execution (the command's idempotency_key, or its command id
   * from an orchestrator older than the field). Record side effects under it: a retry after a timeout
   * then finds the earlier attempt's effect instead of applying it again.
   */
  idempotencyKey: string;
  executionId: string;
  stepId: string;
  /** Attempt number of the step, from 1. */
  attempt: number;
  action: string;
  agentType: string;
  /** Instance id of this agent process, as in its heartbeats and results. */
  agentId: string;
  workflowName: string;
  workflowVersion: number;
  /** Epoch milliseconds after which the orchestrator no longer waits for this attempt. */
  deadline: number;
  /** Aborted on a CancelCommand, at the deadline, or when the agent stops; `reason` is a CommandAborted. */
  signal: AbortSignal;
  /** The agent's logger with the command's ids bound. */
  logger: Logger;
  /** W3C trace context of the command (traceparent, tracestate). */
  traceContext: Readonly<Record<string, string>>;
  /** Adds model token counts to the result; may be called once per model call, the counts add up. */
  reportTokenUsage(usage: TokenUsageReport): void;
}

export type ActionHandler<I = unknown, O = unknown> = (input: I, ctx: HandlerContext) => O | Promise<O>;

export interface ActionSpec<I = unknown, O = unknown> {
  description?: string;
  /** Avro schema the input JSON must match; the input is free-form without one. */
  input?: AvroSchema;
  /** Avro schema the output must match; the output is free-form without one. */
  output?: AvroSchema;
  /** JSON Schema of the input, for the workflow validator (required fields, field names). */
  inputJsonSchema?: JsonSchema;
  /** JSON Schema of the output: the fields workflows may read from this action's result. */
  outputJsonSchema?: JsonSchema;
  handler: ActionHandler<I, O>;
}

export interface AgentSpec {
  /** Lower-case letters, digits and '-'; names the command topic `<prefix>.agent.<type>.commands`. */
  type: string;
  version: string;
  description?: string;
  // Handlers narrow their own input type, which a wider record type cannot express without `any`.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  actions: Record<string, ActionSpec<any, any>>;
  /** Handlers running at once in one process. Default 4. */
  concurrency?: number;
}

export interface ActionDefinition {
  name: string;
  description: string | null;
  inputSchema: AvroSchema | null;
  outputSchema: AvroSchema | null;
  inputType: avro.Type | null;
  outputType: avro.Type | null;
  inputJsonSchema: JsonSchema | null;
  outputJsonSchema: JsonSchema | null;
  handler: ActionHandler<unknown, unknown>;
}

export interface AgentDefinition {
  readonly type: string;
  readonly version: string;
  readonly description: string | null;
  readonly concurrency: number;
  readonly actions: ReadonlyMap<string, ActionDefinition>;
}

export const DEFAULT_CONCURRENCY = 4;
const AGENT_TYPE = /^[a-z0-9][a-z0-9-]*$/;
const ACTION_NAME = /^[A-Za-z0-9_.:-]+$/;

export class AgentDefinitionError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid agent definition:\n  ${problems.join('\n  ')}`);
    this.name = 'AgentDefinitionError';
  }
}

function avroType(schema: AvroSchema | undefined, where: string, problems: string[]): avro.Type | null {
  if (schema === undefined) return null;
  try {
    return avro.Type.forSchema(schema as avro.Schema);
  } catch (error) {
    problems.push(`${where}: not a valid Avro schema: ${(error as Error).message}`);
    return null;
  }
}

function jsonSchema(schema: JsonSchema | undefined, where: string, problems: string[]): JsonSchema | null {
  if (schema === undefined) return null;
  const errors = jsonSchemaErrors(schema);
  if (errors.length > 0) problems.push(`${where}: not a valid JSON Schema: ${errors.join('; ')}`);
  return schema;
}

/** Checks an agent's declaration and returns its resolved, immutable form. Throws AgentDefinitionError. */
export function defineAgent(spec: AgentSpec): AgentDefinition {
  const problems: string[] = [];
  if (typeof spec.type !== 'string' || !AGENT_TYPE.test(spec.type)) {
    problems.push(`type ${JSON.stringify(spec.type)}: expected lower-case letters, digits and '-'`);
  }
  if (typeof spec.version !== 'string' || spec.version.trim() === '') {
    problems.push('version: expected a non-empty string');
  }
  const concurrency = spec.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    problems.push(`concurrency ${String(concurrency)}: expected a positive integer`);
  }
  const actions = new Map<string, ActionDefinition>();
  const entries = Object.entries(spec.actions ?? {});
  if (entries.length === 0) problems.push('actions: an agent needs at least one action');
  for (const [name, action] of entries) {
    if (!ACTION_NAME.test(name)) problems.push(`action ${JSON.stringify(name)}: not a valid action name`);
    if (typeof action?.handler !== 'function') {
      problems.push(`action ${name}: handler must be a function`);
      continue;
    }
    actions.set(
      name,
      Object.freeze({
        name,
        description: action.description ?? null,
        inputSchema: action.input ?? null,
        outputSchema: action.output ?? null,
        inputType: avroType(action.input, `action ${name} input`, problems),
        outputType: avroType(action.output, `action ${name} output`, problems),
        inputJsonSchema: jsonSchema(action.inputJsonSchema, `action ${name} inputJsonSchema`, problems),
        outputJsonSchema: jsonSchema(action.outputJsonSchema, `action ${name} outputJsonSchema`, problems),
        handler: action.handler as ActionHandler<unknown, unknown>,
      }),
    );
  }
  if (problems.length > 0) throw new AgentDefinitionError(problems);
  return Object.freeze({
    type: spec.type,
    version: spec.version,
    description: spec.description ?? null,
    concurrency,
    actions,
  });
}
