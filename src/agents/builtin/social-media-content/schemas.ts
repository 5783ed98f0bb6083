// What the social-media-content agent's actions take and return (docs/agents.md describes the fields).
import {
  anyObject,
  anyValue,
  boolean,
  input,
  integer,
  listOf,
  nullable,
  number,
  output,
  string,
} from '../schema-builders.js';

const post = {
  platform: string,
  content: string,
  hashtags: listOf(string),
  quality_score: number,
  quality_breakdown: anyObject,
  generator: string,
  model: string,
};

export const SOCIAL_MEDIA_SCHEMAS = {
  create_content: {
    input: input(
      {
        brand_id: string,
        content_topic: string,
        topic: string,
        platform: string,
        platforms: listOf(string),
        brand_guidelines: anyObject,
      },
      ['brand_id'],
    ),
    output: output(
      {
        brand_id: string,
        content_topic: string,
        ...post,
        variants: listOf(anyObject),
        brand_guidelines: anyValue,
      },
      ['brand_id', 'content_topic', 'platform', 'content', 'hashtags', 'quality_score', 'quality_breakdown'],
    ),
  },
  enhance_content: {
    input: input({
      content: string,
      content_topic: string,
      topic: string,
      brand_id: string,
      platform: string,
      brand_guidelines: anyObject,
    }),
    output: output(
      {
        brand_id: string,
        content_topic: string,
        ...post,
        previous_score: number,
        improved: boolean,
        changes: listOf(string),
      },
      ['platform', 'content', 'quality_score', 'previous_score', 'improved', 'changes'],
    ),
  },
  schedule_content: {
    input: input(
      {
        brand_id: string,
        content: string,
        platform: string,
        publish_at: string,
        brand_guidelines: anyObject,
      },
      ['brand_id', 'content', 'publish_at'],
    ),
    output: output(
      {
        post_id: string,
        status: string,
        brand_id: string,
        platform: string,
        publish_at: anyValue,
        created_at: anyValue,
        already_scheduled: boolean,
      },
      ['post_id', 'status', 'platform', 'publish_at'],
    ),
  },
  publish_content: {
    // A scheduled post by its id, or new content for a brand.
    input: {
      ...input({ post_id: string, content: string, platform: string, brand_id: string, webhook_url: string }),
      anyOf: [{ required: ['post_id'] }, { required: ['brand_id', 'content'] }],
    },
    output: output(
      {
        post_id: nullable(string),
        status: string,
        platform: string,
        already_published: boolean,
        connector: string,
        external_id: nullable(string),
        published_at: anyValue,
      },
      ['post_id', 'status', 'platform'],
    ),
  },
  analyze_content: {
    input: input(
      { content: string, platform: string, platforms: listOf(string), brand_guidelines: anyObject },
      ['content'],
    ),
    output: output(
      {
        platform: string,
        quality_score: number,
        quality_breakdown: anyObject,
        characters: integer,
        words: integer,
        sentences: integer,
        reading_ease: number,
        hashtags: listOf(string),
        sentiment: anyObject,
        suggestions: listOf(string),
      },
      ['platform', 'quality_score', 'quality_breakdown', 'sentiment', 'suggestions'],
    ),
  },
} as const;
