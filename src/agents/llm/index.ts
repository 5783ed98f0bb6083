// The language-model layer of the built-in agents: the provider interface, the chat-completions client,
// and the choice between them and no model at all (then the agents write offline).
import { DEFAULT_LLM_MODEL, OpenAiCompatibleProvider } from './openai-compatible.js';
import type { LlmProvider } from './provider.js';

export { chatForCommand } from './provider.js';
export type { ChatMessage, ChatReply, ChatRequest, ChatUsage, LlmProvider } from './provider.js';
export { DEFAULT_LLM_MODEL, OpenAiCompatibleProvider, retryAfterMs } from './openai-compatible.js';
export type { OpenAiCompatibleOptions } from './openai-compatible.js';

export interface LlmSettings {
  llmBaseUrl?: string;
  llmApiKey?: string;
  llmModel?: string;
}

/** The configured provider, or null when LLM_BASE_URL is not set. */
export function createLlmProvider(settings: LlmSettings): LlmProvider | null {
  if (!settings.llmBaseUrl) return null;
  return new OpenAiCompatibleProvider({
    baseUrl: settings.llmBaseUrl,
    model: settings.llmModel ?? DEFAULT_LLM_MODEL,
    ...(settings.llmApiKey ? { apiKey: settings.llmApiKey } : {}),
  });
}
