// `percolator schemas register | list`: the envelope schemas of schemas/*.avsc and their registry subjects.
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { AvroCodec } from '../../kafka/avro-codec.js';
import { ENVELOPE_NAMES } from '../../kafka/envelopes.js';
import { loadEnvelopeSchemas, registerEnvelopes, subjectFor } from '../../kafka/schemas.js';

interface SubjectOptions {
  subjectPrefix?: string;
}

export function registerSchemasCommand(program: Command): void {
  const schemas = program
    .command('schemas')
    .description('Avro envelope schemas in schemas/*.avsc, one registry subject per record name');

  schemas
    .command('register')
    .description(
      'Register every envelope schema (idempotent); fails if the registry refuses a change as incompatible',
    )
    .option(
      '--subject-prefix <prefix>',
      'prepend to every subject, to try changes without touching the real ones',
    )
    .action(async (options: SubjectOptions) => {
      const config = loadConfig();
      const loaded = loadEnvelopeSchemas();
      const ids = await registerEnvelopes(AvroCodec.forUrl(config.schemaRegistryUrl), {
        schemas: loaded,
        ...(options.subjectPrefix ? { subjectPrefix: options.subjectPrefix } : {}),
      });
      const subjects = ENVELOPE_NAMES.map((name) => subjectFor(name, options.subjectPrefix));
      const width = Math.max(...subjects.map((subject) => subject.length));
      ENVELOPE_NAMES.forEach((name, index) =>
        console.log(`${subjects[index]!.padEnd(width)}  id ${ids[name]}`),
      );
    });

  schemas
    .command('list')
    .description('Print the envelopes with their subject and schema file')
    .option('--subject-prefix <prefix>', 'prepend to every subject')
    .action((options: SubjectOptions) => {
      const loaded = loadEnvelopeSchemas();
      const subjects = ENVELOPE_NAMES.map((name) => subjectFor(name, options.subjectPrefix));
      const width = Math.max(...subjects.map((subject) => subject.length));
      ENVELOPE_NAMES.forEach((name, index) =>
        console.log(`${subjects[index]!.padEnd(width)}  schemas/${loaded[name].file}`),
      );
    });
}
