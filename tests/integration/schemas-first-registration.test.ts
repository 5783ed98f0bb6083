// Every first deployment starts several engine processes against a registry that has never seen the
// envelope subjects; they all register at once. Each round here uses subjects nobody registered before
// and purges them afterwards.
import { afterAll, describe, expect, it } from 'vitest';
import { AvroCodec } from '../../src/kafka/avro-codec.js';
import { ENVELOPE_NAMES } from '../../src/kafka/envelopes.js';
import { loadEnvelopeSchemas, registerEnvelopes, subjectFor } from '../../src/kafka/schemas.js';
import { testServices, uniquePrefix } from '../support/services.js';

const REGISTRATIONS = 4;
const ROUNDS = 2;

describe('first registration of the envelope subjects', () => {
  const services = testServices();
  const registry = services.schemaRegistryUrl.replace(/\/+$/, '');
  const schemas = loadEnvelopeSchemas();
  const created: string[] = [];

  async function registryJson(path: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${registry}${path}`, init);
    return { status: response.status, body: await response.json().catch(() => undefined) };
  }

  /** Soft delete, then `permanent=true`, as the Confluent API requires; the subject is then unknown again. */
  async function purge(subject: string): Promise<void> {
    const path = `/subjects/${encodeURIComponent(subject)}`;
    await registryJson(path, { method: 'DELETE' });
    await registryJson(`${path}?permanent=true`, { method: 'DELETE' });
  }

  afterAll(async () => {
    await Promise.all(created.map(purge));
  });

  it(`${REGISTRATIONS} registrations at once against never-seen subjects all succeed with the same ids`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const subjectPrefix = `${uniquePrefix('first-registration')}.`;
      const subjects = ENVELOPE_NAMES.map((name) => subjectFor(name, subjectPrefix));
      created.push(...subjects);
      for (const subject of subjects) {
        expect((await registryJson(`/subjects/${encodeURIComponent(subject)}/versions`)).status).toBe(404);
      }

      // One client per registration, as separate engine processes would have.
      const results = await Promise.allSettled(
        Array.from({ length: REGISTRATIONS }, () =>
          registerEnvelopes(AvroCodec.forUrl(registry), { schemas, subjectPrefix }),
        ),
      );
      const failures = results.flatMap((result) =>
        result.status === 'rejected' ? [(result.reason as Error).message] : [],
      );
      expect(failures).toEqual([]);
      const ids = results.map((result) => (result as PromiseFulfilledResult<unknown>).value);
      for (const other of ids.slice(1)) expect(other).toEqual(ids[0]);

      for (const subject of subjects) {
        const versions = await registryJson(`/subjects/${encodeURIComponent(subject)}/versions`);
        expect({ subject, versions: versions.body }).toEqual({ subject, versions: [1] });
        const config = await registryJson(`/config/${encodeURIComponent(subject)}`);
        expect({ subject, config: config.body }).toEqual({
          subject,
          config: { compatibilityLevel: 'BACKWARD' },
        });
      }
    }
  }, 120_000);
});
