// API keys (stored as SHA-256 of the key: keys are 32 random bytes, so a fast hash is enough) and the audit log.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';

export interface ApiKeyRecord {
  id: string;
  name: string;
  roles: string[];
  createdBy: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface AuditEntry {
  actor: string;
  action: string;
  resource: string;
  remoteAddr?: string;
  result: string;
  detail?: Record<string, unknown>;
}

const KEY_PREFIX = 'pk_';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export class ApiKeyRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Creates a key; the plain key is returned this once and never stored. */
  async create(input: {
    name: string;
    roles: string[];
    createdBy?: string;
  }): Promise<{ key: string; record: ApiKeyRecord }> {
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const { rows } = await this.pool.query(
      `INSERT INTO api_keys (id, name, key_hash, roles, created_by) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, name, roles, created_by, created_at, last_used_at, revoked_at`,
      [randomUUID(), input.name, hashApiKey(key), input.roles, input.createdBy ?? null],
    );
    return { key, record: toKey(rows[0]!) };
  }

  async list(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT id, name, roles, created_by, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at`,
    );
    return rows.map(toKey);
  }

  /** True when a live key was revoked now. */
  async revoke(id: string): Promise<boolean> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return false;
    const { rowCount } = await this.pool.query(
      `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`,
      [id],
    );
    return (rowCount ?? 0) > 0;
  }

  /** The live key with this plain value, if any; notes its use. */
  async authenticate(key: string): Promise<ApiKeyRecord | undefined> {
    if (!key.startsWith(KEY_PREFIX) || key.length > 200) return undefined;
    const { rows } = await this.pool.query(
      `UPDATE api_keys SET last_used_at = now() WHERE key_hash = $1 AND revoked_at IS NULL
       RETURNING id, name, roles, created_by, created_at, last_used_at, revoked_at`,
      [hashApiKey(key)],
    );
    return rows[0] ? toKey(rows[0]) : undefined;
  }
}

export class AuditRepository {
  constructor(private readonly pool: pg.Pool) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.pool.query(
      `INSERT INTO audit_log (actor, action, resource, remote_addr, result, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        entry.actor,
        entry.action,
        entry.resource,
        entry.remoteAddr ?? null,
        entry.result,
        entry.detail ? JSON.stringify(entry.detail) : null,
      ],
    );
  }

  async recent(limit: number): Promise<(AuditEntry & { occurredAt: Date })[]> {
    const { rows } = await this.pool.query(
      `SELECT actor, action, resource, remote_addr, result, detail, occurred_at FROM audit_log
        ORDER BY id DESC LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({
      actor: row.actor as string,
      action: row.action as string,
      resource: row.resource as string,
      remoteAddr: (row.remote_addr as string | null) ?? undefined,
      result: row.result as string,
      detail: (row.detail as Record<string, unknown> | null) ?? undefined,
      occurredAt: row.occurred_at as Date,
    }));
  }
}

function toKey(row: Record<string, unknown>): ApiKeyRecord {
  return {
    id: row.id as string,
    name: row.name as string,
    roles: row.roles as string[],
    createdBy: (row.created_by as string | null) ?? null,
    createdAt: row.created_at as Date,
    lastUsedAt: (row.last_used_at as Date | null) ?? null,
    revokedAt: (row.revoked_at as Date | null) ?? null,
  };
}
