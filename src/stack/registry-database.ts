// The registry's Postgres database belongs to the stack, as Kafka's data under .stack/ does: a new stack (a
// fresh clone) gets an empty registry, so its first start is a first start for the registry too, exactly as
// on a new machine. The name is recorded in .stack/apicurio/database so it never changes under a stack.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StackError } from './errors.js';
import type { StackPaths } from './paths.js';

/** The one database every stack shared before each stack had its own; older stacks keep it. */
export const SHARED_REGISTRY_DATABASE = 'apicurio';

export interface RegistryDatabase {
  name: string;
  /**
   * True when this stack has just been given its database: any database of that name is left over from an
   * earlier checkout in the same folder, whose Kafka data is gone, so its schema ids mean nothing now.
   */
  fresh: boolean;
}

/** `apicurio_` + a hash of the stack folder: one database per checkout, the same on every `stack up`. */
export function registryDatabaseName(stackDir: string): string {
  return `apicurio_${createHash('sha256').update(stackDir).digest('hex').slice(0, 12)}`;
}

/**
 * The stack's database: the recorded one, or the one to record (with recordRegistryDatabase, once it exists
 * in Postgres) for a stack that has none yet.
 */
export function chooseRegistryDatabase(paths: StackPaths): RegistryDatabase {
  const file = paths.registry.database;
  if (existsSync(file)) {
    const name = readFileSync(file, 'utf8').trim();
    if (!/^[A-Za-z0-9_]+$/.test(name)) {
      throw new StackError(
        `registry: ${file} names the database ${JSON.stringify(name)}; expected a plain name`,
      );
    }
    return { name, fresh: false };
  }
  // Kafka formatted before stacks had their own database: records in its topics carry the shared one's ids.
  if (existsSync(join(paths.kafka.data, 'meta.properties')))
    return { name: SHARED_REGISTRY_DATABASE, fresh: false };
  return { name: registryDatabaseName(paths.dir), fresh: true };
}

export function recordRegistryDatabase(paths: StackPaths, name: string): void {
  mkdirSync(dirname(paths.registry.database), { recursive: true });
  writeFileSync(paths.registry.database, `${name}\n`);
}
