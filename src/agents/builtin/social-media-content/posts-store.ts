// scheduled_posts in Postgres. A command's id is the row's idempotency key, so scheduling the same command
// twice returns the first row instead of a second post.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';

export interface ScheduledPost {
  id: string;
  brand_id: string;
  platform: string;
  content: string;
  hashtags: string[];
  publish_at: string;
  status: 'scheduled' | 'published' | 'cancelled';
  created_at: string;
  published_at: string | null;
}

interface PostRow {
  id: string;
  brand_id: string;
  platform: string;
  content: string;
  hashtags: string[];
  publish_at: Date;
  status: ScheduledPost['status'];
  created_at: Date;
  published_at: Date | null;
}

const COLUMNS = 'id, brand_id, platform, content, hashtags, publish_at, status, created_at, published_at';

function toPost(row: PostRow): ScheduledPost {
  return {
    ...row,
    publish_at: row.publish_at.toISOString(),
    created_at: row.created_at.toISOString(),
    published_at: row.published_at?.toISOString() ?? null,
  };
}

export interface NewPost {
  brandId: string;
  platform: string;
  content: string;
  hashtags: string[];
  publishAt: Date;
  executionId: string;
  idempotencyKey: string;
}

export async function schedulePost(
  pool: pg.Pool,
  post: NewPost,
): Promise<{ post: ScheduledPost; created: boolean }> {
  const inserted = await pool.query<PostRow>(
    `INSERT INTO scheduled_posts (id, brand_id, platform, content, hashtags, publish_at, execution_id, idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      randomUUID(),
      post.brandId,
      post.platform,
      post.content,
      JSON.stringify(post.hashtags),
      post.publishAt,
      post.executionId,
      post.idempotencyKey,
    ],
  );
  if (inserted.rows[0]) return { post: toPost(inserted.rows[0]), created: true };
  const existing = await pool.query<PostRow>(
    `SELECT ${COLUMNS} FROM scheduled_posts WHERE idempotency_key = $1`,
    [post.idempotencyKey],
  );
  return { post: toPost(existing.rows[0]!), created: false };
}

export async function findPost(
  pool: pg.Pool | pg.PoolClient,
  id: string,
  lock = false,
): Promise<ScheduledPost | null> {
  const result = await pool.query<PostRow>(
    `SELECT ${COLUMNS} FROM scheduled_posts WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return result.rows[0] ? toPost(result.rows[0]) : null;
}

export async function markPublished(client: pg.Pool | pg.PoolClient, id: string): Promise<void> {
  await client.query(
    `UPDATE scheduled_posts SET status = 'published', published_at = now() WHERE id = $1 AND status = 'scheduled'`,
    [id],
  );
}
