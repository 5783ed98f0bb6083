import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stackPaths } from '../../../src/stack/paths.js';
import {
  chooseRegistryDatabase,
  recordRegistryDatabase,
  registryDatabaseName,
} from '../../../src/stack/registry-database.js';

function freshCheckout() {
  return stackPaths(mkdtempSync(join(tmpdir(), 'stack-registry-db-')));
}

describe("the stack's registry database", () => {
  it('is named after the stack folder, so two checkouts never share one', () => {
    const a = registryDatabaseName('/work/a/.stack');
    expect(a).toMatch(/^apicurio_[0-9a-f]{12}$/);
    expect(registryDatabaseName('/work/a/.stack')).toBe(a);
    expect(registryDatabaseName('/work/b/.stack')).not.toBe(a);
  });

  it('a new stack gets its own database, to start empty, and keeps it once recorded', () => {
    const paths = freshCheckout();
    const first = chooseRegistryDatabase(paths);
    expect(first).toEqual({ name: registryDatabaseName(paths.dir), fresh: true });
    recordRegistryDatabase(paths, first.name);
    expect(readFileSync(paths.registry.database, 'utf8').trim()).toBe(first.name);
    // Kafka formats on that first start; the recorded name still wins and is not emptied again.
    mkdirSync(paths.kafka.data, { recursive: true });
    writeFileSync(join(paths.kafka.data, 'meta.properties'), 'version=1\n');
    expect(chooseRegistryDatabase(paths)).toEqual({ name: first.name, fresh: false });
  });

  it('a stack whose Kafka was formatted before stacks had their own database keeps the shared one', () => {
    const paths = freshCheckout();
    mkdirSync(paths.kafka.data, { recursive: true });
    writeFileSync(join(paths.kafka.data, 'meta.properties'), 'version=1\n');
    expect(chooseRegistryDatabase(paths)).toEqual({ name: 'apicurio', fresh: false });
  });

  it('refuses a recorded name that is not a plain identifier', () => {
    const paths = freshCheckout();
    recordRegistryDatabase(paths, 'x"; drop');
    expect(() => chooseRegistryDatabase(paths)).toThrow(/expected a plain name/);
  });
});
