// Workflow definitions in Postgres: a workflow is a name with immutable, numbered versions.
import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';

export interface WorkflowVersionRecord {
  workflowId: string;
  name: string;
  version: number;
  definition: unknown;
  checksum: string;
  author: string;
  status: 'draft' | 'active' | 'archived';
  createdAt: Date;
  /** The text the user saved (comments included), where the version was saved as YAML text and it was read. */
  source?: string;
}

export interface SaveVersionInput {
  name: string;
  description?: string;
  /** The parsed definition (what the validator accepted), stored as JSONB. */
  definition: unknown;
  /** The text the user sent, kept for display and diffing. */
  source?: string;
  author?: string;
}

export interface WorkflowSummary {
  id: string;
  name: string;
  description: string;
  status: 'active' | 'archived';
  activeVersion: number | null;
  versions: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface VersionSummary {
  version: number;
  checksum: string;
  author: string;
  status: string;
  createdAt: Date;
  active: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function definitionChecksum(definition: unknown): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(definition)).digest('hex')}`;
}

export class WorkflowRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Stores a new version of the workflow named in the input (creating the workflow on first use) and makes it
   * the active one. Saving a definition identical to the active version returns that version unchanged.
   */
  async saveVersion(
    input: SaveVersionInput,
  ): Promise<{ workflowId: string; name: string; version: number; created: boolean }> {
    const checksum = definitionChecksum(input.definition);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO workflows (id, name, description) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
        [randomUUID(), input.name, input.description ?? ''],
      );
      // The row lock serialises concurrent saves of one workflow, so version numbers never collide.
      const { rows } = await client.query<{ id: string; active_version: number | null }>(
        `SELECT id, active_version FROM workflows WHERE name = $1 FOR UPDATE`,
        [input.name],
      );
      const workflow = rows[0]!;
      if (workflow.active_version !== null) {
        const active = await client.query<{ checksum: string }>(
          `SELECT checksum FROM workflow_versions WHERE workflow_id = $1 AND version = $2`,
          [workflow.id, workflow.active_version],
        );
        if (active.rows[0]?.checksum === checksum) {
          await client.query('COMMIT');
          return {
            workflowId: workflow.id,
            name: input.name,
            version: workflow.active_version,
            created: false,
          };
        }
      }
      const { rows: next } = await client.query<{ version: number }>(
        `SELECT COALESCE(MAX(version), 0) + 1 AS version FROM workflow_versions WHERE workflow_id = $1`,
        [workflow.id],
      );
      const version = next[0]!.version;
      await client.query(
        `INSERT INTO workflow_versions (workflow_id, version, definition, source, checksum, author)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          workflow.id,
          version,
          JSON.stringify(input.definition),
          input.source ?? null,
          checksum,
          input.author ?? 'unknown',
        ],
      );
      await client.query(
        `UPDATE workflows SET active_version = $2, status = 'active', description = $3, updated_at = now() WHERE id = $1`,
        [workflow.id, version, input.description ?? ''],
      );
      await client.query('COMMIT');
      return { workflowId: workflow.id, name: input.name, version, created: true };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async getVersion(workflowId: string, version: number): Promise<WorkflowVersionRecord | undefined> {
    const { rows } = await this.pool.query(
      `SELECT v.workflow_id, w.name, v.version, v.definition, v.source, v.checksum, v.author, v.status,
              v.created_at
         FROM workflow_versions v JOIN workflows w ON w.id = v.workflow_id
        WHERE v.workflow_id = $1 AND v.version = $2`,
      [workflowId, version],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** The active version of a workflow named by its id or its name. */
  async getActive(idOrName: string): Promise<WorkflowVersionRecord | undefined> {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrName);
    const { rows } = await this.pool.query(
      `SELECT v.workflow_id, w.name, v.version, v.definition, v.checksum, v.author, v.status, v.created_at
         FROM workflows w JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.active_version
        WHERE ${isUuid ? 'w.id = $1::uuid' : 'w.name = $1'} AND w.status = 'active'`,
      [idOrName],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** A workflow named by id or name, archived ones included. */
  async find(idOrName: string): Promise<WorkflowSummary | undefined> {
    const { rows } = await this.pool.query(
      `${SUMMARY_SELECT} WHERE ${UUID.test(idOrName) ? 'w.id = $1::uuid' : 'w.name = $1'}`,
      [idOrName],
    );
    return rows[0] ? toSummary(rows[0]) : undefined;
  }

  /** Workflows by name; archived ones only when asked. */
  async list(options: { includeArchived?: boolean } = {}): Promise<WorkflowSummary[]> {
    const { rows } = await this.pool.query(
      `${SUMMARY_SELECT} ${options.includeArchived ? '' : `WHERE w.status = 'active'`} ORDER BY w.name`,
    );
    return rows.map(toSummary);
  }

  async versions(workflowId: string): Promise<VersionSummary[]> {
    const { rows } = await this.pool.query(
      `SELECT v.version, v.checksum, v.author, v.status, v.created_at, v.version = w.active_version AS active
         FROM workflow_versions v JOIN workflows w ON w.id = v.workflow_id
        WHERE v.workflow_id = $1 ORDER BY v.version`,
      [workflowId],
    );
    return rows.map((row) => ({
      version: row.version as number,
      checksum: row.checksum as string,
      author: row.author as string,
      status: row.status as string,
      createdAt: row.created_at as Date,
      active: row.active === true,
    }));
  }

  /** Archives a workflow: no new executions start; running ones keep their pinned version. */
  async archive(workflowId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE workflows SET status = 'archived', updated_at = now() WHERE id = $1 AND status = 'active'`,
      [workflowId],
    );
    return (rowCount ?? 0) > 0;
  }
}

const SUMMARY_SELECT = `SELECT w.id, w.name, w.description, w.status, w.active_version, w.created_at, w.updated_at,
    (SELECT count(*) FROM workflow_versions v WHERE v.workflow_id = w.id)::int AS versions
  FROM workflows w`;

function toSummary(row: Record<string, unknown>): WorkflowSummary {
  return {
    id: row.id as string,
    name: row.name as string,
    description: row.description as string,
    status: row.status as WorkflowSummary['status'],
    activeVersion: (row.active_version as number | null) ?? null,
    versions: row.versions as number,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}

function toRecord(row: Record<string, unknown>): WorkflowVersionRecord {
  return {
    workflowId: row.workflow_id as string,
    name: row.name as string,
    version: row.version as number,
    definition: row.definition,
    checksum: row.checksum as string,
    author: row.author as string,
    status: row.status as WorkflowVersionRecord['status'],
    createdAt: row.created_at as Date,
    ...(typeof row.source === 'string' ? { source: row.source } : {}),
  };
}
