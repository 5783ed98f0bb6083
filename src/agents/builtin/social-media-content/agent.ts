// The social-media-content agent: drafts posts (with a model when LLM_BASE_URL is set, from templates
// otherwise), scores and improves them, schedules them in Postgres and publishes them through a connector.
import { AgentError } from '../../sdk/agent-error.js';
import { defineAgent, type AgentDefinition, type HandlerContext } from '../../sdk/define-agent.js';
import { createLlmProvider, type LlmProvider } from '../../llm/index.js';
import { withStore, type BuiltinAgentDeps } from '../deps.js';
import { analyzeSentiment } from '../feedback-analyst/sentiment.js';
import {
  inputObject,
  invalidInput,
  oneOf,
  optionalObject,
  optionalString,
  optionalStringList,
  optionalTimestamp,
  requireString,
  type JsonObject,
} from '../input.js';
import { OutboxConnector, WebhookConnector, type PublishConnector } from './connectors.js';
import { enhanceContent } from './enhancer.js';
import { draftPost } from './generator.js';
import { readGuidelines, type BrandGuidelines } from './guidelines.js';
import { rewriteWithModel, writeWithModel } from './llm-writer.js';
import { DEFAULT_PLATFORM, PLATFORMS, charCount, toPlatform, type Platform } from './platforms.js';
import { findPost, markPublished, schedulePost } from './posts-store.js';
import { hashtagsOf, scoreContent, type QualityReport } from './quality.js';
import { readability } from './readability.js';
import { SOCIAL_MEDIA_SCHEMAS } from './schemas.js';

export const SOCIAL_MEDIA_AGENT_TYPE = 'social-media-content';
const VERSION = '1.0.0';
/** Scheduling a little in the past is allowed: the clocks of engine and agent may differ. */
const CLOCK_SKEW_MS = 60_000;

interface Variant extends QualityReport {
  platform: Platform;
  content: string;
  hashtags: string[];
  generator: 'template' | 'llm';
  model?: string;
}

function platformsOf(input: JsonObject): Platform[] {
  const many = optionalStringList(input, 'platforms');
  const one = optionalString(input, 'platform');
  const names = [...(one ? [one] : []), ...(many ?? [])];
  const platforms = [...new Set(names.map(toPlatform))];
  return platforms.length > 0 ? platforms : [DEFAULT_PLATFORM];
}

function topicOf(input: JsonObject): string {
  const topic = optionalString(input, 'content_topic') ?? optionalString(input, 'topic');
  if (!topic) throw invalidInput('content_topic: required, a non-empty string');
  return topic;
}

function guidelinesOf(input: JsonObject): BrandGuidelines {
  return readGuidelines(optionalObject(input, 'brand_guidelines'));
}

function variant(content: string, platform: Platform, guidelines: BrandGuidelines, model?: string): Variant {
  return {
    platform,
    content,
    hashtags: hashtagsOf(content),
    ...scoreContent(content, platform, guidelines),
    generator: model === undefined ? 'template' : 'llm',
    ...(model === undefined ? {} : { model }),
  };
}

function connectorFor(input: JsonObject, deps: BuiltinAgentDeps): PublishConnector {
  const kind = oneOf(input, 'connector', ['outbox', 'webhook'] as const, 'outbox');
  if (kind === 'outbox') return new OutboxConnector(deps.pool);
  const url = requireString(input, 'webhook_url');
  if (!/^https?:\/\//i.test(url)) throw invalidInput('webhook_url: expected an http(s) URL');
  return new WebhookConnector(url);
}

export function createSocialMediaAgent(deps: BuiltinAgentDeps): AgentDefinition {
  let made: LlmProvider | null | undefined;
  const llm = (): LlmProvider | null =>
    deps.llm !== undefined ? deps.llm : made === undefined ? (made = createLlmProvider(deps.config)) : made;

  async function createContent(raw: unknown, ctx: HandlerContext) {
    const input = inputObject(raw);
    const brandId = requireString(input, 'brand_id');
    const topic = topicOf(input);
    const guidelines = guidelinesOf(input);
    const provider = llm();
    const variants: Variant[] = [];
    for (const platform of platformsOf(input)) {
      if (provider) {
        const written = await writeWithModel(provider, ctx, { topic, platform, guidelines, brandId });
        variants.push(variant(written.content, platform, guidelines, written.model));
      } else {
        variants.push(variant(draftPost({ brandId, topic, platform, guidelines }), platform, guidelines));
      }
    }
    const primary = variants[0]!;
    return {
      brand_id: brandId,
      content_topic: topic,
      ...primary,
      ...(variants.length > 1 ? { variants } : {}),
      ...(input.brand_guidelines ? { brand_guidelines: input.brand_guidelines } : {}),
    };
  }

  async function enhance(raw: unknown, ctx: HandlerContext) {
    const input = inputObject(raw);
    const platform = platformsOf(input)[0]!;
    const guidelines = guidelinesOf(input);
    const topic = optionalString(input, 'content_topic') ?? optionalString(input, 'topic');
    let content = optionalString(input, 'content');
    if (content === undefined) {
      if (!topic) throw invalidInput('content: required (or content_topic, to draft one first)');
      content = draftPost({ brandId: optionalString(input, 'brand_id') ?? '', topic, platform, guidelines });
    }
    const offline = enhanceContent({ content, platform, guidelines, ...(topic ? { topic } : {}) });
    let best = {
      ...offline,
      generator: 'template' as 'template' | 'llm',
      model: undefined as string | undefined,
    };
    const provider = llm();
    if (provider) {
      const before = scoreContent(content, platform, guidelines);
      const written = await rewriteWithModel(provider, ctx, {
        content,
        platform,
        guidelines,
        breakdown: before.quality_breakdown,
      });
      // The model's rewrite goes through the offline editor too; the better of the two wins.
      const polished = enhanceContent({
        content: written.content,
        platform,
        guidelines,
        ...(topic ? { topic } : {}),
      });
      if (polished.quality_score >= best.quality_score) {
        best = {
          ...polished,
          previous_score: offline.previous_score,
          changes: ['rewritten by the model', ...polished.changes],
          generator: 'llm',
          model: written.model,
        };
      }
    }
    return {
      ...(optionalString(input, 'brand_id') ? { brand_id: optionalString(input, 'brand_id') } : {}),
      ...(topic ? { content_topic: topic } : {}),
      platform,
      content: best.content,
      hashtags: hashtagsOf(best.content),
      quality_score: best.quality_score,
      quality_breakdown: best.quality_breakdown,
      previous_score: best.previous_score,
      improved: best.quality_score > best.previous_score,
      changes: best.changes,
      generator: best.generator,
      ...(best.model ? { model: best.model } : {}),
    };
  }

  async function schedule(raw: unknown, ctx: HandlerContext) {
    const input = inputObject(raw);
    const brandId = requireString(input, 'brand_id');
    const content = requireString(input, 'content');
    const platform = platformsOf(input)[0]!;
    const publishAt = optionalTimestamp(input, 'publish_at');
    if (!publishAt) throw invalidInput('publish_at: required, an ISO-8601 timestamp');
    if (publishAt.getTime() < Date.now() - CLOCK_SKEW_MS) {
      throw invalidInput(`publish_at: ${publishAt.toISOString()} is in the past`);
    }
    if (charCount(content) > PLATFORMS[platform].maxChars) {
      throw new AgentError(
        'CONTENT_TOO_LONG',
        `${charCount(content)} characters, over the ${platform} limit of ${PLATFORMS[platform].maxChars}`,
      );
    }
    const { post, created } = await withStore(() =>
      schedulePost(deps.pool, {
        brandId,
        platform,
        content,
        hashtags: hashtagsOf(content),
        publishAt,
        executionId: ctx.executionId,
        idempotencyKey: ctx.idempotencyKey,
      }),
    );
    return {
      post_id: post.id,
      status: post.status,
      brand_id: post.brand_id,
      platform: post.platform,
      publish_at: post.publish_at,
      created_at: post.created_at,
      already_scheduled: !created,
    };
  }

  async function publish(raw: unknown, ctx: HandlerContext) {
    const input = inputObject(raw);
    const connector = connectorFor(input, deps);
    const postId = optionalString(input, 'post_id');
    if (postId !== undefined) {
      if (!/^[0-9a-f-]{36}$/i.test(postId)) throw invalidInput('post_id: expected a UUID');
      const post = await withStore(() => findPost(deps.pool, postId));
      if (!post) throw new AgentError('POST_NOT_FOUND', `no scheduled post ${postId}`);
      if (post.status === 'cancelled') throw new AgentError('POST_CANCELLED', `post ${postId} was cancelled`);
      const receipt = await withStore(() =>
        connector.publish({
          postId: post.id,
          brandId: post.brand_id,
          platform: post.platform,
          content: post.content,
          hashtags: post.hashtags,
          // Per post, not per command: publishing one post from two commands reaches the connector as one.
          idempotencyKey: `post:${post.id}`,
          signal: ctx.signal,
        }),
      );
      await withStore(() => markPublished(deps.pool, post.id));
      return {
        post_id: post.id,
        status: 'published',
        platform: post.platform,
        already_published: post.status === 'published',
        ...receipt,
      };
    }
    const brandId = requireString(input, 'brand_id');
    const content = requireString(input, 'content');
    const platform = platformsOf(input)[0]!;
    if (charCount(content) > PLATFORMS[platform].maxChars) {
      throw new AgentError(
        'CONTENT_TOO_LONG',
        `over the ${platform} limit of ${PLATFORMS[platform].maxChars}`,
      );
    }
    const receipt = await withStore(() =>
      connector.publish({
        postId: null,
        brandId,
        platform,
        content,
        hashtags: hashtagsOf(content),
        idempotencyKey: ctx.idempotencyKey,
        signal: ctx.signal,
      }),
    );
    return { post_id: null, status: 'published', platform, already_published: false, ...receipt };
  }

  function analyze(raw: unknown) {
    const input = inputObject(raw);
    const content = requireString(input, 'content');
    const platform = platformsOf(input)[0]!;
    const guidelines = guidelinesOf(input);
    const report = scoreContent(content, platform, guidelines);
    const stats = readability(content);
    const sentiment = analyzeSentiment(content);
    return {
      platform,
      ...report,
      characters: charCount(content),
      words: stats.words,
      sentences: stats.sentences,
      reading_ease: stats.readingEase,
      hashtags: hashtagsOf(content),
      sentiment: { score: sentiment.score, comparative: sentiment.comparative, label: sentiment.label },
      suggestions: Object.values(report.quality_breakdown)
        .filter((check) => check.score < check.max)
        .map((check) => check.detail),
    };
  }

  return defineAgent({
    type: SOCIAL_MEDIA_AGENT_TYPE,
    version: VERSION,
    description: 'Writes, scores, improves, schedules and publishes social media posts.',
    concurrency: 8,
    actions: {
      create_content: {
        inputJsonSchema: SOCIAL_MEDIA_SCHEMAS.create_content.input,
        outputJsonSchema: SOCIAL_MEDIA_SCHEMAS.create_content.output,
        description:
          'Drafts a post. Input: brand_id, content_topic, platform|platforms, brand_guidelines. ' +
          'Output: content, platform, hashtags, quality_score, quality_breakdown.',
        handler: createContent,
      },
      enhance_content: {
        inputJsonSchema: SOCIAL_MEDIA_SCHEMAS.enhance_content.input,
        outputJsonSchema: SOCIAL_MEDIA_SCHEMAS.enhance_content.output,
        description:
          'Improves a post where the quality checks lost points. Input: content (or content_topic), platform.',
        handler: enhance,
      },
      schedule_content: {
        inputJsonSchema: SOCIAL_MEDIA_SCHEMAS.schedule_content.input,
        outputJsonSchema: SOCIAL_MEDIA_SCHEMAS.schedule_content.output,
        description: 'Stores a post for later. Input: brand_id, content, platform, publish_at.',
        handler: schedule,
      },
      publish_content: {
        inputJsonSchema: SOCIAL_MEDIA_SCHEMAS.publish_content.input,
        outputJsonSchema: SOCIAL_MEDIA_SCHEMAS.publish_content.output,
        description: 'Publishes a scheduled post (post_id) or content now, to the outbox or a webhook.',
        handler: publish,
      },
      analyze_content: {
        inputJsonSchema: SOCIAL_MEDIA_SCHEMAS.analyze_content.input,
        outputJsonSchema: SOCIAL_MEDIA_SCHEMAS.analyze_content.output,
        description: 'Scores a post and reports readability, sentiment and what to improve.',
        handler: analyze,
      },
    },
  });
}
