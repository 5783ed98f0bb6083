// A client of the chat-completions protocol that OpenAI defined and most hosted and local model servers
// speak (vLLM, llama.cpp's server, Ollama's /v1, LiteLLM, ...). Failures become AgentErrors the SDK can
// report: rate limits and server trouble are retriable, a refused request is not.
import { AgentError } from '../sdk/agent-error.js';
import type { ChatReply, ChatRequest, LlmProvider } from './provider.js';

export interface OpenAiCompatibleOptions {
  /** The API root, e.g. `http://127.0.0.1:8000/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Per-request limit; the command's own signal may end it sooner. Default 60 s. */
  requestTimeoutMs?: number;
}

export const DEFAULT_LLM_MODEL = 'gpt-4o-mini';
const DEFAULT_TIMEOUT_MS = 60_000;

interface CompletionBody {
  model?: unknown;
  choices?: { message?: { content?: unknown } }[];
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown; total_tokens?: unknown };
}

const count = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;

/** Seconds or an HTTP date, as Retry-After carries them; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export class OpenAiCompatibleProvider implements LlmProvider {
  readonly model: string;
  private readonly endpoint: string;

  constructor(private readonly options: OpenAiCompatibleOptions) {
    this.model = options.model;
    this.endpoint = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  }

  async chat(request: ChatRequest): Promise<ChatReply> {
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: this.model,
          messages: request.messages,
          ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        }),
        signal,
      });
    } catch (error) {
      // The command's own abort (cancel, deadline) is the SDK's to report; rethrow its reason unchanged.
      if (request.signal?.aborted) throw request.signal.reason;
      throw new AgentError('LLM_UNAVAILABLE', `model server unreachable: ${(error as Error).message}`, {
        retriable: true,
        cause: error,
      });
    }
    if (!response.ok) throw await this.failure(response);
    let body: CompletionBody;
    try {
      body = (await response.json()) as CompletionBody;
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      throw new AgentError('LLM_BAD_RESPONSE', 'model server answered with something other than JSON', {
        retriable: true,
        cause: error,
      });
    }
    const text = body.choices?.[0]?.message?.content;
    if (typeof text !== 'string') {
      throw new AgentError('LLM_BAD_RESPONSE', 'model server answered without choices[0].message.content', {
        retriable: true,
      });
    }
    const usage = body.usage;
    return {
      text,
      model: typeof body.model === 'string' && body.model !== '' ? body.model : this.model,
      usage: usage
        ? {
            promptTokens: count(usage.prompt_tokens),
            completionTokens: count(usage.completion_tokens),
            totalTokens:
              count(usage.total_tokens) || count(usage.prompt_tokens) + count(usage.completion_tokens),
          }
        : null,
    };
  }

  private async failure(response: Response): Promise<AgentError> {
    const detail = (await response.text().catch(() => '')).slice(0, 300);
    const message = `model server answered ${response.status}${detail ? `: ${detail}` : ''}`;
    if (response.status === 429) {
      const wait = retryAfterMs(response.headers.get('retry-after'));
      return new AgentError('LLM_RATE_LIMITED', message, {
        retriable: true,
        ...(wait !== undefined ? { retryAfterMs: wait } : {}),
      });
    }
    if (response.status >= 500 || response.status === 408) {
      return new AgentError('LLM_UNAVAILABLE', message, { retriable: true });
    }
    return new AgentError('LLM_REQUEST_REJECTED', message, { retriable: false });
  }
}
