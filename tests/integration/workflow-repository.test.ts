import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { migrate } from '../../src/store/migrate.js';
import { WorkflowRepository } from '../../src/store/workflow-repository.js';
import { testServices, uniquePrefix } from '../support/services.js';

describe('workflow definitions in Postgres', () => {
  const pool = new pg.Pool({ connectionString: testServices().databaseUrl, max: 4 });
  const repository = new WorkflowRepository(pool);
  const name = uniquePrefix('wf');
  const definition = (steps: string[]) => ({
    workflow: { name, steps: steps.map((id) => ({ id, type: 'transform' })) },
  });

  beforeAll(async () => {
    await migrate({ databaseUrl: testServices().databaseUrl });
  });
  afterAll(async () => {
    await pool.end();
  });

  it('migrations are idempotent, also when several instances run them at once', async () => {
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => migrate({ databaseUrl: testServices().databaseUrl })),
    );
    expect(runs).toEqual([[], [], [], []]);
  });

  it('numbers versions, keeps old ones immutable and serves the active one by id or name', async () => {
    const first = await repository.saveVersion({ name, definition: definition(['a']), author: 'ana' });
    expect(first).toMatchObject({ name, version: 1, created: true });
    const second = await repository.saveVersion({ name, definition: definition(['a', 'b']) });
    expect(second).toMatchObject({ workflowId: first.workflowId, version: 2, created: true });

    expect((await repository.getVersion(first.workflowId, 1))?.definition).toEqual(definition(['a']));
    expect(await repository.getActive(name)).toMatchObject({
      version: 2,
      definition: definition(['a', 'b']),
    });
    expect(await repository.getActive(first.workflowId)).toMatchObject({ version: 2, name });
    expect(await repository.getVersion(first.workflowId, 3)).toBeUndefined();
  });

  it('saving the active definition again creates no new version', async () => {
    const other = `${name}-same`;
    const first = await repository.saveVersion({ name: other, definition: definition(['x']) });
    const again = await repository.saveVersion({ name: other, definition: definition(['x']) });
    expect(again).toEqual({ ...first, created: false });
  });

  it('concurrent saves of one workflow get distinct version numbers', async () => {
    const racing = `${name}-race`;
    const saved = await Promise.all(
      Array.from({ length: 5 }, (_, index) =>
        repository.saveVersion({ name: racing, definition: definition([`s${index}`]) }),
      ),
    );
    expect(saved.map((result) => result.version).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
