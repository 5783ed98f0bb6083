// The social-media-content agent's actions against real Postgres, a local chat-completions server standing
// in for the model provider, and a local webhook receiver.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSocialMediaAgent } from '../../src/agents/builtin/social-media-content/agent.js';
import type { BuiltinAgentDeps } from '../../src/agents/builtin/deps.js';
import { AgentError, type AgentDefinition } from '../../src/agents/sdk/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { migrate } from '../../src/store/migrate.js';
import { testServices } from '../support/services.js';
import {
  chatCompletion as completion,
  handlerContext,
  invoke,
  localHttpServer as localServer,
} from '../unit/agents/builtin/support.js';

async function failure(promise: Promise<unknown>): Promise<AgentError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AgentError);
  return error as AgentError;
}

describe('social-media-content agent', () => {
  const services = testServices();
  const logger = createLogger({ level: 'silent' });
  let pool: pg.Pool;
  let agent: AgentDefinition;
  const closers: (() => Promise<unknown>)[] = [];

  function deps(extra: Partial<BuiltinAgentDeps> = {}): BuiltinAgentDeps {
    return { pool, config: {}, logger, llm: null, ...extra };
  }

  beforeAll(async () => {
    await migrate({ databaseUrl: services.databaseUrl });
    pool = new pg.Pool({ connectionString: services.databaseUrl, max: 4 });
    agent = createSocialMediaAgent(deps());
  });

  afterAll(async () => {
    await Promise.allSettled(closers.map((close) => close()));
    await pool?.end();
  });

  it("drafts the seed's post offline: content, platform, hashtags, a score of 85 and its breakdown", async () => {
    const brandId = randomUUID();
    const output = await invoke(agent, 'create_content', {
      brand_id: brandId,
      content_topic: 'New Product Launch',
    });
    expect(output).toMatchObject({
      brand_id: brandId,
      content_topic: 'New Product Launch',
      platform: 'twitter',
      hashtags: ['#NewProductLaunch'],
      quality_score: 85,
      generator: 'template',
    });
    expect(output.content).toContain('New Product Launch');
    expect(Object.keys(output.quality_breakdown as object)).toEqual([
      'length',
      'hashtags',
      'readability',
      'brand_safety',
      'call_to_action',
    ]);
  });

  it('drafts one variant per platform, the first being the primary', async () => {
    const output = await invoke(agent, 'create_content', {
      brand_id: 'brand-variants',
      content_topic: 'Holiday Gift Cards',
      platforms: ['linkedin', 'x', 'instagram'],
      brand_guidelines: {
        tone: 'professional',
        call_to_action: 'Learn more at gifts.example',
        hashtags: ['Gifts'],
      },
    });
    const variants = output.variants as { platform: string; quality_score: number; content: string }[];
    expect(variants.map((variant) => variant.platform)).toEqual(['linkedin', 'twitter', 'instagram']);
    expect(output.platform).toBe('linkedin');
    expect(output.content).toBe(variants[0]!.content);
    for (const variant of variants) expect(variant.content).toContain('Learn more at gifts.example');
  });

  it('enhances a draft below the gate to one above it, from the previous step output', async () => {
    const created = await invoke(agent, 'create_content', {
      brand_id: 'brand-gate',
      content_topic: 'Regenerative Agriculture Certification Partnership',
    });
    expect(created.quality_score).toBe(69);
    const enhanced = await invoke(agent, 'enhance_content', created);
    expect(enhanced).toMatchObject({
      previous_score: 69,
      improved: true,
      platform: 'twitter',
      generator: 'template',
    });
    expect(enhanced.quality_score).toBeGreaterThanOrEqual(75);
    expect(enhanced.quality_score).toBeGreaterThan(created.quality_score as number);
  });

  it('rejects input without a topic or with an unknown platform, not retriably', async () => {
    const noTopic = await failure(invoke(agent, 'create_content', { brand_id: 'b' }));
    expect(noTopic).toMatchObject({ code: 'INVALID_INPUT', retriable: false });
    const badPlatform = await failure(
      invoke(agent, 'create_content', { brand_id: 'b', content_topic: 't', platform: 'myspace' }),
    );
    expect(badPlatform).toMatchObject({ code: 'INVALID_INPUT', retriable: false });
  });

  it('writes with a chat-completions model when configured, and reports its tokens', async () => {
    const post = 'Meet our New Product Launch: fresh roast, bold taste. Learn more today. #NewProductLaunch';
    const server = await localServer(() => ({ status: 200, body: completion(post) }));
    closers.push(server.close);
    const withModel = createSocialMediaAgent(
      deps({
        llm: undefined,
        config: { llmBaseUrl: `${server.url}/v1/`, llmApiKey: 'sk-local-test', llmModel: 'small-model' },
      }),
    );
    const ctx = handlerContext();
    const output = await invoke(
      withModel,
      'create_content',
      {
        brand_id: 'brand-llm',
        content_topic: 'New Product Launch',
        brand_guidelines: { tone: 'bold', banned_words: ['cheap'], hashtags: ['#Roasters'] },
      },
      ctx,
    );
    expect(output).toMatchObject({
      content: post,
      generator: 'llm',
      model: 'local-test-model-0613',
      quality_score: 100,
    });
    expect(ctx.usage).toEqual([
      { promptTokens: 42, completionTokens: 17, totalTokens: 59, model: 'local-test-model-0613' },
    ]);

    expect(server.received).toHaveLength(1);
    const request = server.received[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer sk-local-test');
    expect(request.headers['content-type']).toBe('application/json');
    const body = request.body as {
      model: string;
      messages: { role: string; content: string }[];
      max_tokens: number;
    };
    expect(body.model).toBe('small-model');
    expect(body.max_tokens).toBeGreaterThan(0);
    expect(body.messages.map((message) => message.role)).toEqual(['system', 'user']);
    expect(body.messages[1]!.content).toContain('New Product Launch');
    expect(body.messages[1]!.content).toContain('Hard limit 280 characters');
    expect(body.messages[1]!.content).toContain('Never use these words: cheap');
    expect(body.messages[1]!.content).toContain('#Roasters');
  });

  it('rewrites with the model in enhance_content and keeps the better of model and offline editor', async () => {
    const server = await localServer(() => ({
      status: 200,
      body: completion('Our plan with farmers is here. Good soil, good coffee. Learn more today. #Farming'),
    }));
    closers.push(server.close);
    const withModel = createSocialMediaAgent(
      deps({ llm: undefined, config: { llmBaseUrl: server.url, llmModel: 'm' } }),
    );
    const ctx = handlerContext();
    const output = await invoke(
      withModel,
      'enhance_content',
      { content: 'Regenerative agriculture certification partnership announcement.', platform: 'twitter' },
      ctx,
    );
    expect(output).toMatchObject({ generator: 'llm', improved: true, quality_score: 100 });
    expect(output.changes).toContain('rewritten by the model');
    expect(ctx.usage).toHaveLength(1);
    const prompt = (server.received[0]!.body as { messages: { content: string }[] }).messages[1]!.content;
    expect(prompt).toContain('Regenerative agriculture certification partnership announcement.');
    expect(prompt).toContain('call_to_action: no call to action');
    expect(server.received[0]!.headers.authorization).toBeUndefined();
  });

  it('maps provider failures: 429 retriable with its Retry-After, 400 final', async () => {
    const server = await localServer((_request, index) =>
      index === 0
        ? { status: 429, body: { error: { message: 'slow down' } }, headers: { 'retry-after': '2' } }
        : { status: 400, body: { error: { message: 'bad model' } } },
    );
    closers.push(server.close);
    const withModel = createSocialMediaAgent(deps({ llm: undefined, config: { llmBaseUrl: server.url } }));
    const input = { brand_id: 'b', content_topic: 'Launch' };
    const limited = await failure(invoke(withModel, 'create_content', input));
    expect(limited).toMatchObject({ code: 'LLM_RATE_LIMITED', retriable: true, retryAfterMs: 2000 });
    const rejected = await failure(invoke(withModel, 'create_content', input));
    expect(rejected).toMatchObject({ code: 'LLM_REQUEST_REJECTED', retriable: false });
  });

  it('schedules a post in scheduled_posts once per command, refusing the past and overlong content', async () => {
    const brandId = randomUUID();
    const publishAt = new Date(Date.now() + 3_600_000).toISOString();
    const ctx = handlerContext();
    const input = {
      brand_id: brandId,
      platform: 'twitter',
      content: 'Coming soon. Learn more. #Soon',
      publish_at: publishAt,
    };
    const first = await invoke(agent, 'schedule_content', input, ctx);
    expect(first).toMatchObject({
      status: 'scheduled',
      platform: 'twitter',
      publish_at: publishAt,
      already_scheduled: false,
    });
    const again = await invoke(agent, 'schedule_content', input, ctx);
    expect(again).toMatchObject({ post_id: first.post_id, already_scheduled: true });

    const rows = await pool.query('SELECT * FROM scheduled_posts WHERE brand_id = $1', [brandId]);
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]).toMatchObject({
      id: first.post_id,
      content: 'Coming soon. Learn more. #Soon',
      hashtags: ['#Soon'],
      status: 'scheduled',
      execution_id: ctx.executionId,
      idempotency_key: ctx.idempotencyKey,
    });

    const past = await failure(
      invoke(agent, 'schedule_content', { ...input, publish_at: '2020-01-01T00:00:00Z' }),
    );
    expect(past).toMatchObject({ code: 'INVALID_INPUT', retriable: false });
    const long = await failure(invoke(agent, 'schedule_content', { ...input, content: 'a'.repeat(281) }));
    expect(long).toMatchObject({ code: 'CONTENT_TOO_LONG', retriable: false });
  });

  it('publishes a scheduled post to the outbox once, however often it is asked', async () => {
    const brandId = randomUUID();
    const scheduled = await invoke(agent, 'schedule_content', {
      brand_id: brandId,
      platform: 'linkedin',
      content: 'We are hiring baristas. Join us. #Jobs',
      publish_at: new Date(Date.now() + 60_000).toISOString(),
    });
    const published = await invoke(agent, 'publish_content', { post_id: scheduled.post_id });
    expect(published).toMatchObject({
      post_id: scheduled.post_id,
      status: 'published',
      connector: 'outbox',
      platform: 'linkedin',
      already_published: false,
    });
    const again = await invoke(agent, 'publish_content', { post_id: scheduled.post_id });
    expect(again).toMatchObject({ external_id: published.external_id, already_published: true });

    const outbox = await pool.query('SELECT * FROM published_posts WHERE brand_id = $1', [brandId]);
    expect(outbox.rows).toHaveLength(1);
    expect(outbox.rows[0]).toMatchObject({
      id: published.external_id,
      post_id: scheduled.post_id,
      content: 'We are hiring baristas. Join us. #Jobs',
      hashtags: ['#Jobs'],
      relayed_at: null,
    });
    const post = await pool.query('SELECT status, published_at FROM scheduled_posts WHERE id = $1', [
      scheduled.post_id,
    ]);
    expect(post.rows[0].status).toBe('published');
    expect(post.rows[0].published_at).toBeInstanceOf(Date);

    const missing = await failure(invoke(agent, 'publish_content', { post_id: randomUUID() }));
    expect(missing).toMatchObject({ code: 'POST_NOT_FOUND', retriable: false });
  });

  it('publishes through a webhook, retrying a 503, and fails a 400 for good', async () => {
    const server = await localServer((request, index) =>
      (request.body as { brand_id: string }).brand_id === 'brand-refused'
        ? { status: 400, body: { error: 'unknown brand' } }
        : index === 0
          ? { status: 503, body: { error: 'busy' } }
          : { status: 201, body: { id: 'ext-77' } },
    );
    closers.push(server.close);
    const ctx = handlerContext();
    const output = await invoke(
      agent,
      'publish_content',
      {
        brand_id: 'brand-hook',
        platform: 'facebook',
        content: 'Doors open at 8. Visit us. #Opening',
        connector: 'webhook',
        webhook_url: `${server.url}/publish`,
      },
      ctx,
    );
    expect(output).toMatchObject({
      connector: 'webhook',
      external_id: 'ext-77',
      status: 'published',
      post_id: null,
    });
    expect(server.received).toHaveLength(2);
    for (const request of server.received) {
      expect(request.url).toBe('/publish');
      expect(request.headers['idempotency-key']).toBe(ctx.idempotencyKey);
      expect(request.body).toEqual({
        post_id: null,
        brand_id: 'brand-hook',
        platform: 'facebook',
        content: 'Doors open at 8. Visit us. #Opening',
        hashtags: ['#Opening'],
        idempotency_key: ctx.idempotencyKey,
      });
    }
    const refused = await failure(
      invoke(agent, 'publish_content', {
        brand_id: 'brand-refused',
        platform: 'facebook',
        content: 'x',
        connector: 'webhook',
        webhook_url: `${server.url}/publish`,
      }),
    );
    expect(refused).toMatchObject({ code: 'PUBLISH_REJECTED', retriable: false });
  });

  it('analyzes a post: score, readability, sentiment and suggestions', async () => {
    const output = await invoke(agent, 'analyze_content', {
      content: 'We love our amazing new espresso! #Espresso #Coffee #Morning',
      platform: 'twitter',
      brand_guidelines: { banned_words: ['amazing'] },
    });
    expect(output).toMatchObject({
      platform: 'twitter',
      hashtags: ['#Espresso', '#Coffee', '#Morning'],
      sentences: 1,
      words: 6,
      sentiment: { label: 'positive' },
    });
    expect(output.quality_breakdown).toMatchObject({
      brand_safety: { score: 10, banned_words: ['amazing'] },
      hashtags: { score: 10, count: 3 },
      call_to_action: { score: 0 },
    });
    expect(output.suggestions).toEqual(
      expect.arrayContaining(['3 hashtags, more than 1–2', 'banned words: amazing', 'no call to action']),
    );
  });
});
