// What the built-in agents need from a language model: one chat turn in, text and token counts out. The
// agents depend on this interface only, so a provider is swapped by configuration (or left out entirely,
// in which case they fall back to their deterministic generators).
import type { HandlerContext } from '../sdk/define-agent.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** Upper bound on generated tokens. */
  maxTokens?: number;
  /** 0 for the most repeatable answers. */
  temperature?: number;
  signal?: AbortSignal;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface ChatReply {
  text: string;
  /** The model that answered, as the provider names it. */
  model: string;
  /** Null when the provider did not say. */
  usage: ChatUsage | null;
}

export interface LlmProvider {
  /** The model requests name. */
  readonly model: string;
  chat(request: ChatRequest): Promise<ChatReply>;
}

/** One chat turn on behalf of a command: aborts with the command and adds the tokens to its result. */
export async function chatForCommand(
  provider: LlmProvider,
  ctx: Pick<HandlerContext, 'signal' | 'reportTokenUsage'>,
  request: Omit<ChatRequest, 'signal'>,
): Promise<ChatReply> {
  const reply = await provider.chat({ ...request, signal: ctx.signal });
  if (reply.usage) {
    ctx.reportTokenUsage({
      promptTokens: reply.usage.promptTokens,
      completionTokens: reply.usage.completionTokens,
      totalTokens: reply.usage.totalTokens,
      model: reply.model,
    });
  }
  return reply;
}
