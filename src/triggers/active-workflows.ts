// The workflows whose triggers are live: the active version of every active workflow that declares a trigger of
// the kinds asked for, compiled once per (workflow id, version). Archiving a workflow or activating another
// version shows up at the next load.
import type pg from 'pg';
import { compileWorkflow, type CompiledWorkflow } from '../definition/index.js';
import type { Logger } from '../observability/logger.js';

export interface ActiveWorkflow {
  readonly workflowId: string;
  readonly name: string;
  readonly version: number;
  readonly compiled: CompiledWorkflow;
}

export interface ActiveWorkflowsOptions {
  pool: pg.Pool;
  logger: Logger;
  /** Only workflows whose name starts with this (tests share one database and keep to their own). */
  namePrefix?: string;
}

export class ActiveWorkflows {
  private cache = new Map<string, CompiledWorkflow | null>();

  constructor(private readonly options: ActiveWorkflowsOptions) {}

  async load(triggerTypes: readonly ('schedule' | 'event')[]): Promise<ActiveWorkflow[]> {
    const { rows } = await this.options.pool.query<{
      id: string;
      name: string;
      version: number;
      definition: unknown;
    }>(
      `SELECT w.id, w.name, v.version, v.definition
         FROM workflows w
         JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.active_version
        WHERE w.status = 'active'
          AND ($2::text IS NULL OR starts_with(w.name, $2::text))
          AND EXISTS (
            SELECT 1
              FROM jsonb_array_elements(
                     CASE WHEN jsonb_typeof(v.definition->'workflow'->'triggers') = 'array'
                          THEN v.definition->'workflow'->'triggers' ELSE '[]'::jsonb END) AS t
             WHERE t->>'type' = ANY($1::text[]))
        ORDER BY w.name`,
      [triggerTypes, this.options.namePrefix ?? null],
    );
    const next = new Map<string, CompiledWorkflow | null>();
    const active: ActiveWorkflow[] = [];
    for (const row of rows) {
      const key = `${row.id}@${row.version}`;
      let compiled = this.cache.get(key);
      if (compiled === undefined) {
        const result = compileWorkflow(row.definition as Readonly<Record<string, unknown>>);
        compiled = result.workflow ?? null;
        if (!compiled) {
          const first = result.problems.find((problem) => problem.severity === 'error');
          this.options.logger.error(
            { workflow: row.name, version: row.version, problem: first?.message },
            'stored workflow does not compile; its triggers are ignored',
          );
        }
      }
      next.set(key, compiled);
      if (compiled) active.push({ workflowId: row.id, name: row.name, version: row.version, compiled });
    }
    this.cache = next;
    return active;
  }
}
