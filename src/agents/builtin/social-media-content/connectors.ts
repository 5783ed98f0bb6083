// Where publish_content sends a post. The default connector writes the outbox table published_posts,
// which a relay drains towards the platforms; the webhook connector POSTs the post as JSON to a URL the
// workflow names (a brand's own publishing service, Zapier, ...), with retries.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { postJson } from '../http-post.js';
import { isObject } from '../input.js';

export interface PublishRequest {
  postId: string | null;
  brandId: string;
  platform: string;
  content: string;
  hashtags: string[];
  /** The same key for the same publication, so a repeated command publishes once. */
  idempotencyKey: string;
  signal?: AbortSignal;
}

export interface PublishReceipt {
  connector: string;
  /** The publication's id at the destination: the outbox row, or what the webhook answered as `id`. */
  external_id: string | null;
  published_at: string;
}

export interface PublishConnector {
  readonly name: string;
  publish(request: PublishRequest): Promise<PublishReceipt>;
}

export class OutboxConnector implements PublishConnector {
  readonly name = 'outbox';
  constructor(private readonly pool: pg.Pool) {}

  async publish(request: PublishRequest): Promise<PublishReceipt> {
    const values = [
      randomUUID(),
      request.postId,
      request.brandId,
      request.platform,
      request.content,
      JSON.stringify(request.hashtags),
      request.idempotencyKey,
    ];
    const inserted = await this.pool.query<{ id: string; created_at: Date }>(
      `INSERT INTO published_posts (id, post_id, brand_id, platform, content, hashtags, idempotency_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id, created_at`,
      values,
    );
    const row =
      inserted.rows[0] ??
      (
        await this.pool.query<{ id: string; created_at: Date }>(
          'SELECT id, created_at FROM published_posts WHERE idempotency_key = $1',
          [request.idempotencyKey],
        )
      ).rows[0]!;
    return { connector: this.name, external_id: row.id, published_at: row.created_at.toISOString() };
  }
}

export interface WebhookConnectorOptions {
  attempts?: number;
  backoffMs?: number;
  timeoutMs?: number;
}

export class WebhookConnector implements PublishConnector {
  readonly name = 'webhook';
  constructor(
    private readonly url: string,
    private readonly options: WebhookConnectorOptions = {},
  ) {}

  async publish(request: PublishRequest): Promise<PublishReceipt> {
    const result = await postJson(
      this.url,
      {
        post_id: request.postId,
        brand_id: request.brandId,
        platform: request.platform,
        content: request.content,
        hashtags: request.hashtags,
        idempotency_key: request.idempotencyKey,
      },
      {
        ...this.options,
        headers: { 'idempotency-key': request.idempotencyKey },
        errorPrefix: 'PUBLISH',
        ...(request.signal ? { signal: request.signal } : {}),
      },
    );
    const answered = isObject(result.body) ? result.body.id : undefined;
    return {
      connector: this.name,
      external_id: typeof answered === 'string' || typeof answered === 'number' ? String(answered) : null,
      published_at: new Date().toISOString(),
    };
  }
}
