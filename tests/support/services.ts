// What an integration test needs to talk to the real services, with names of its own.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { TestServices } from './probes.js';

export function testServices(): TestServices {
  return inject('services');
}

/** A fresh prefix per test so topics, groups and keys never collide and tests never depend on order. */
export function uniquePrefix(label: string): string {
  return `test.${label}.${randomBytes(4).toString('hex')}`;
}
