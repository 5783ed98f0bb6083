// The HTTP bridge: an agent type whose work is done by a service behind HTTP. It is an ordinary SDK agent
// (runAgent consumes, dedupes, enforces deadlines, publishes and heartbeats), whose every action is the
// same handler: POST the command to `<url>/actions/<action>` and turn the answer into the result.
//
// The actions are not fixed in code. The bridge forwards any action name and lets the service refuse the
// ones it does not know (a 404 fails the command, not retriable); what it advertises in heartbeats is what
// the service answered to `GET <url>/actions`, or nothing when it did not.
import { createLogger, type Logger } from '../../observability/logger.js';
import { AgentError } from '../sdk/agent-error.js';
import type { ActionDefinition, ActionHandler, AgentDefinition } from '../sdk/define-agent.js';
import { discoverActions, type DiscoveredAction, type DiscoveredActions } from './discover-actions.js';
import { BRIDGE_ERROR_CODES, buildRequest, interpretResponse } from './http-exchange.js';

export interface HttpBridgeOptions {
  /** The agent type bridged: its commands are read from `<prefix>.agent.<type>.commands`. */
  type: string;
  /** The service's base URL; actions are POSTed to `<url>/actions/<action>`. */
  url: string;
  /** Requests in flight at once per bridge process (the heartbeats' capacity). Default 16. */
  concurrency?: number;
  /** Headers sent with every request, e.g. an Authorization for the service. */
  headers?: Readonly<Record<string, string>>;
  /** A bound per request shorter than the command's deadline; failing it is retriable. Default: none. */
  requestTimeoutMs?: number;
  /** Largest response body read; a bigger 2xx body fails the command. Default 2 MiB. */
  maxResponseBytes?: number;
  /** How long `GET <url>/actions` may take. Default 5 000 ms. */
  discoveryTimeoutMs?: number;
  /** How often the advertised actions are asked for again, when heartbeats read them. Default 60 000 ms. */
  discoveryIntervalMs?: number;
  logger?: Logger;
}

export const DEFAULT_BRIDGE_CONCURRENCY = 16;
const DEFAULT_MAX_RESPONSE_BYTES = 2 * 1024 * 1024;
const AGENT_TYPE = /^[a-z0-9][a-z0-9-]*$/;
const ACTION_NAME = /^[A-Za-z0-9_.:-]+$/;

/**
 * Defines the bridge and asks the service for its actions first, so the first heartbeat already
 * advertises them. Never fails because the service is down: the actions are then unknown until a later
 * discovery succeeds.
 */
export async function createHttpBridge(options: HttpBridgeOptions): Promise<AgentDefinition> {
  const bridge = defineHttpBridge(options);
  await bridge.actions.refresh();
  return bridge;
}

/** The bridge's definition without asking the service anything yet. */
export function defineHttpBridge(options: HttpBridgeOptions): AgentDefinition & { actions: BridgedActions } {
  if (!AGENT_TYPE.test(options.type)) {
    throw new RangeError(
      `agent type ${JSON.stringify(options.type)}: expected lower-case letters, digits and '-'`,
    );
  }
  const base = new URL(options.url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new RangeError(`bridge URL ${options.url}: expected http or https`);
  }
  const concurrency = options.concurrency ?? DEFAULT_BRIDGE_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  const logger = (options.logger ?? createLogger({ level: 'info' })).child({ agentType: options.type });
  const handler = forwardingHandler(options);
  const actions = new BridgedActions(
    handler,
    async () => {
      const answer = await discoverActions(options.url, {
        ...(options.headers ? { headers: options.headers } : {}),
        ...(options.discoveryTimeoutMs ? { timeoutMs: options.discoveryTimeoutMs } : {}),
      });
      if ('missing' in answer) {
        logger.info({ url: options.url, reason: answer.missing }, 'bridged service did not list its actions');
        return null;
      }
      return answer.found;
    },
    options.discoveryIntervalMs ?? 60_000,
  );
  return {
    type: options.type,
    get version() {
      return actions.version ?? 'http';
    },
    description: `HTTP bridge to ${options.url}`,
    concurrency,
    actions,
  };
}

/**
 * The bridge's action table. Any valid action name resolves to the forwarding handler; iterating lists
 * what the service advertised (nothing when unknown). Heartbeats iterate it on every beat, which is also
 * when a stale list is asked for again: no timer of its own that could outlive the agent.
 */
export class BridgedActions implements ReadonlyMap<string, ActionDefinition> {
  private known: Map<string, ActionDefinition> = new Map();
  private discovered = false;
  private lastAttempt = 0;
  private inFlight: Promise<void> | null = null;
  version: string | undefined;

  constructor(
    private readonly handler: ActionHandler<unknown, unknown>,
    private readonly discover: () => Promise<DiscoveredActions | null>,
    private readonly intervalMs: number,
  ) {}

  /** Whether the service has ever listed its actions. */
  get listed(): boolean {
    return this.discovered;
  }

  /** Asks the service again; a failed attempt keeps the last list. */
  refresh(): Promise<void> {
    this.inFlight ??= (async () => {
      this.lastAttempt = Date.now();
      try {
        const found = await this.discover();
        if (found) {
          this.known = new Map(found.actions.map((action) => [action.name, this.definition(action)]));
          this.version = found.version;
          this.discovered = true;
        }
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }

  private refreshIfStale(): void {
    if (!this.inFlight && Date.now() - this.lastAttempt >= this.intervalMs)
      void this.refresh().catch(() => undefined);
  }

  private definition(action: DiscoveredAction): ActionDefinition {
    return {
      name: action.name,
      description: action.description,
      inputSchema: null,
      outputSchema: null,
      inputType: null,
      outputType: null,
      inputJsonSchema: null,
      outputJsonSchema: null,
      handler: this.handler,
    };
  }

  get(name: string): ActionDefinition | undefined {
    if (!ACTION_NAME.test(name)) return undefined;
    return this.known.get(name) ?? this.definition({ name, description: null });
  }

  has(name: string): boolean {
    return ACTION_NAME.test(name);
  }

  get size(): number {
    return this.known.size;
  }

  forEach(
    callback: (value: ActionDefinition, key: string, map: ReadonlyMap<string, ActionDefinition>) => void,
  ): void {
    for (const [key, value] of this.known) callback(value, key, this);
  }

  entries(): MapIterator<[string, ActionDefinition]> {
    return this.known.entries();
  }

  keys(): MapIterator<string> {
    return this.known.keys();
  }

  values(): MapIterator<ActionDefinition> {
    this.refreshIfStale();
    return this.known.values();
  }

  [Symbol.iterator](): MapIterator<[string, ActionDefinition]> {
    return this.known.entries();
  }
}

function forwardingHandler(options: HttpBridgeOptions): ActionHandler<unknown, unknown> {
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  return async (input, ctx) => {
    const request = buildRequest(options.url, input, ctx, options.headers);
    const timeout = options.requestTimeoutMs ? AbortSignal.timeout(options.requestTimeoutMs) : undefined;
    const signal = timeout ? AbortSignal.any([ctx.signal, timeout]) : ctx.signal;
    const failed = (error: unknown, what: string): AgentError => {
      // The SDK reports a cancel or the deadline from the signal's reason, whatever is thrown here.
      if (ctx.signal.aborted) return ctx.signal.reason as AgentError;
      if (timeout?.aborted) {
        return new AgentError(
          BRIDGE_ERROR_CODES.requestTimeout,
          `${what} took longer than ${options.requestTimeoutMs} ms`,
          { retriable: true },
        );
      }
      return new AgentError(BRIDGE_ERROR_CODES.unreachable, `${what} failed: ${describe(error)}`, {
        retriable: true,
        cause: error,
      });
    };
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal,
      });
    } catch (error) {
      throw failed(error, `POST ${request.url}`);
    }
    let body: { text: string; truncated: boolean };
    try {
      body = await readBody(response, maxBytes);
    } catch (error) {
      throw failed(error, `reading the answer of POST ${request.url}`);
    }
    if (body.truncated && response.ok) {
      throw new AgentError(
        BRIDGE_ERROR_CODES.responseTooLarge,
        `POST ${request.url} answered more than ${maxBytes} bytes`,
      );
    }
    const outcome = interpretResponse(
      { status: response.status, retryAfter: response.headers.get('retry-after'), body: body.text },
      Date.now(),
    );
    if (outcome.tokenUsage) ctx.reportTokenUsage(outcome.tokenUsage);
    return outcome.output;
  };
}

/** The body as text, reading at most `maxBytes` (then `truncated`, and the rest is not read). */
async function readBody(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - size));
      await reader.cancel().catch(() => undefined);
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  const detail = cause?.code ?? cause?.message;
  return detail ? `${error.message} (${detail})` : error.message;
}
