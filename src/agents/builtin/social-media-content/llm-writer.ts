// Writing and rewriting posts with a language model. The prompts carry the same rules the quality score
// checks, so a good model's draft scores well; whatever it returns is scored, never trusted blindly.
import { chatForCommand, type LlmProvider } from '../../llm/index.js';
import type { HandlerContext } from '../../sdk/define-agent.js';
import type { BrandGuidelines } from './guidelines.js';
import { PLATFORMS, type Platform } from './platforms.js';
import type { QualityBreakdown } from './quality.js';

type CommandContext = Pick<HandlerContext, 'signal' | 'reportTokenUsage'>;

const SYSTEM_PROMPT =
  'You write social media posts for brands. Follow the brand rules exactly. Answer with the post text only: ' +
  'no preamble, no quotes, no explanations.';

function rulesOf(platform: Platform, guidelines: BrandGuidelines): string[] {
  const rules = PLATFORMS[platform];
  return [
    `Platform: ${platform}. Hard limit ${rules.maxChars} characters; aim for ${rules.idealChars.min}–${rules.idealChars.max}.`,
    `Use ${rules.hashtags.min}–${rules.hashtags.max} hashtags, placed at the end.`,
    `Tone: ${guidelines.tone}. Short sentences and plain words.`,
    ...(guidelines.brandName ? [`Brand name: ${guidelines.brandName}.`] : []),
    ...(guidelines.hashtags.length > 0 ? [`Include these hashtags: ${guidelines.hashtags.join(' ')}.`] : []),
    ...(guidelines.bannedWords.length > 0
      ? [`Never use these words: ${guidelines.bannedWords.join(', ')}.`]
      : []),
    guidelines.callToAction
      ? `End with this call to action: ${guidelines.callToAction}`
      : 'End with a short call to action.',
  ];
}

/** Strips what models tend to wrap a post in: surrounding quotes and code fences. */
export function cleanReply(text: string): string {
  return text
    .trim()
    .replace(/^```[a-z]*\n?|\n?```$/g, '')
    .trim()
    .replace(/^["“](.*)["”]$/s, '$1')
    .trim();
}

export interface WrittenPost {
  content: string;
  model: string;
}

export async function writeWithModel(
  provider: LlmProvider,
  ctx: CommandContext,
  request: { topic: string; platform: Platform; guidelines: BrandGuidelines; brandId: string },
): Promise<WrittenPost> {
  const reply = await chatForCommand(provider, ctx, {
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      {
        role: 'user',
        content: [
          `Write one post about: ${request.topic}`,
          `Brand id: ${request.brandId}.`,
          ...rulesOf(request.platform, request.guidelines),
        ].join('\n'),
      },
    ],
    maxTokens: 600,
    temperature: 0.7,
  });
  return { content: cleanReply(reply.text), model: reply.model };
}

export async function rewriteWithModel(
  provider: LlmProvider,
  ctx: CommandContext,
  request: { content: string; platform: Platform; guidelines: BrandGuidelines; breakdown: QualityBreakdown },
): Promise<WrittenPost> {
  const problems = Object.entries(request.breakdown)
    .filter(([, check]) => check.score < check.max)
    .map(([name, check]) => `- ${name}: ${check.detail}`);
  const reply = await chatForCommand(provider, ctx, {
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      {
        role: 'user',
        content: [
          'Improve this post without changing what it announces.',
          'Post:',
          request.content,
          'What to fix:',
          ...(problems.length > 0 ? problems : ['- nothing specific; make it clearer']),
          'Rules:',
          ...rulesOf(request.platform, request.guidelines),
        ].join('\n'),
      },
    ],
    maxTokens: 600,
    temperature: 0.4,
  });
  return { content: cleanReply(reply.text), model: reply.model };
}
