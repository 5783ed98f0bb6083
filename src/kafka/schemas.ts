// Owns the envelope schemas: loads schemas/*.avsc, registers each under its RecordNameStrategy subject
// (the record's full name, because several record types share one topic), and encodes and decodes
// envelopes by record name.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { PercolatorError } from '../errors.js';
import {
  AvroCodecError,
  WIRE_HEADER_BYTES,
  readSchemaId,
  type AvroCodec,
  type AvroSchemaJson,
} from './avro-codec.js';
import {
  ENVELOPE_NAMES,
  ENVELOPE_NAMESPACE,
  envelopeFullName,
  type DecodedEnvelope,
  type EnvelopeName,
  type Envelopes,
} from './envelopes.js';

/** schemas/ at the package root, from src/kafka (tests) as from dist/kafka (the built CLI). */
export const DEFAULT_SCHEMAS_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));

export interface EnvelopeSchema {
  name: EnvelopeName;
  fullName: string;
  file: string;
  schema: AvroSchemaJson;
  type: avro.Type;
}

export type EnvelopeSchemas = { readonly [N in EnvelopeName]: EnvelopeSchema };
export type EnvelopeSchemaIds = { readonly [N in EnvelopeName]: number };

export class SchemaFileError extends PercolatorError {
  constructor(readonly problems: string[]) {
    super('SCHEMA_FILE', `invalid envelope schemas:\n  ${problems.join('\n  ')}`, false);
    this.name = 'SchemaFileError';
  }
}

function isEnvelopeName(name: string): name is EnvelopeName {
  return (ENVELOPE_NAMES as readonly string[]).includes(name);
}

/** Reads every .avsc in `dir`; each must be one envelope of ENVELOPE_NAMES, and every envelope must have a file. */
export function loadEnvelopeSchemas(dir: string = DEFAULT_SCHEMAS_DIR): EnvelopeSchemas {
  const problems: string[] = [];
  const found = new Map<EnvelopeName, EnvelopeSchema>();
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.avsc'))
    .sort();
  for (const file of files) {
    const path = join(dir, file);
    let schema: Record<string, unknown>;
    try {
      schema = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      problems.push(`${file}: not JSON: ${(error as Error).message}`);
      continue;
    }
    const { type, name, namespace } = schema;
    if (type !== 'record' || typeof name !== 'string') {
      problems.push(`${file}: expected a named record schema`);
      continue;
    }
    if (namespace !== ENVELOPE_NAMESPACE) {
      problems.push(`${file}: namespace is ${JSON.stringify(namespace)}, expected ${ENVELOPE_NAMESPACE}`);
      continue;
    }
    if (!isEnvelopeName(name)) {
      problems.push(
        `${file}: ${name} is not an envelope (add it to ENVELOPE_NAMES and src/kafka/envelopes.ts)`,
      );
      continue;
    }
    const earlier = found.get(name);
    if (earlier) {
      problems.push(`${file}: ${name} is already defined in ${earlier.file}`);
      continue;
    }
    try {
      const avroType = avro.Type.forSchema(schema as avro.Schema);
      found.set(name, { name, fullName: envelopeFullName(name), file, schema, type: avroType });
    } catch (error) {
      problems.push(`${file}: not a valid Avro schema: ${(error as Error).message}`);
    }
  }
  for (const name of ENVELOPE_NAMES) {
    if (!found.has(name) && !problems.some((problem) => problem.includes(name))) {
      problems.push(`no .avsc file in ${dir} defines ${envelopeFullName(name)}`);
    }
  }
  if (problems.length > 0) throw new SchemaFileError(problems);
  return Object.fromEntries(found) as unknown as EnvelopeSchemas;
}

/**
 * RecordNameStrategy: the subject is the record's full name, whatever topic the record is on.
 * `subjectPrefix` keeps tests and throw-away environments from evolving the real subjects.
 */
export function subjectFor(name: EnvelopeName, subjectPrefix = ''): string {
  return `${subjectPrefix}${envelopeFullName(name)}`;
}

export interface RegisterEnvelopesOptions {
  /** Defaults to loadEnvelopeSchemas() from the package's schemas/ directory. */
  schemas?: EnvelopeSchemas;
  subjectPrefix?: string;
}

/**
 * Registers every envelope schema; idempotent, since the registry answers an identical schema with
 * its existing id, and safe when several engine processes do it at once on a new registry (see
 * AvroCodec.register). A change the subject's compatibility rule (BACKWARD) refuses fails the call.
 */
export async function registerEnvelopes(
  codec: AvroCodec,
  options: RegisterEnvelopesOptions = {},
): Promise<EnvelopeSchemaIds> {
  const schemas = options.schemas ?? loadEnvelopeSchemas();
  const ids = await Promise.all(
    ENVELOPE_NAMES.map(
      async (name) =>
        [name, await codec.register(subjectFor(name, options.subjectPrefix), schemas[name].schema)] as const,
    ),
  );
  return Object.fromEntries(ids) as unknown as EnvelopeSchemaIds;
}

interface ReaderEntry {
  name: EnvelopeName;
  /** null when the writer's schema is our own, so no resolution is needed. */
  resolver: avro.Resolver | null;
}

/**
 * Typed encode and decode of envelopes. Decoding reads with our schema of the record, resolving from
 * whichever version the writer used, so fields added later arrive with their defaults.
 */
export class EnvelopeCodec {
  private readonly readers = new Map<number, ReaderEntry>();
  private readonly pending = new Map<number, Promise<ReaderEntry>>();

  private constructor(
    private readonly codec: AvroCodec,
    private readonly schemas: EnvelopeSchemas,
    readonly ids: EnvelopeSchemaIds,
  ) {
    for (const name of ENVELOPE_NAMES) this.readers.set(ids[name], { name, resolver: null });
  }

  /** Registers the envelopes (see registerEnvelopes) and returns a codec bound to their ids. */
  static async create(codec: AvroCodec, options: RegisterEnvelopesOptions = {}): Promise<EnvelopeCodec> {
    const schemas = options.schemas ?? loadEnvelopeSchemas();
    const ids = await registerEnvelopes(codec, { ...options, schemas });
    return new EnvelopeCodec(codec, schemas, ids);
  }

  encode<N extends EnvelopeName>(name: N, value: Envelopes[N]): Buffer {
    try {
      return this.codec.encode(this.ids[name], value);
    } catch (error) {
      if (error instanceof AvroCodecError) {
        throw new AvroCodecError('AVRO_ENCODE', `${name}: ${error.message}`, error);
      }
      throw error;
    }
  }

  async decode(buffer: Buffer | null): Promise<DecodedEnvelope> {
    const schemaId = readSchemaId(buffer);
    const entry = this.readers.get(schemaId) ?? (await this.reader(schemaId));
    const body = (buffer as Buffer).subarray(WIRE_HEADER_BYTES);
    let value: unknown;
    try {
      value = this.schemas[entry.name].type.fromBuffer(body, entry.resolver ?? undefined);
    } catch (error) {
      throw new AvroCodecError(
        'AVRO_DECODE',
        `record does not decode as ${entry.name} with schema ${schemaId}: ${(error as Error).message}`,
        error,
      );
    }
    return { name: entry.name, schemaId, value } as DecodedEnvelope;
  }

  private reader(schemaId: number): Promise<ReaderEntry> {
    let request = this.pending.get(schemaId);
    if (!request) {
      request = this.resolveWriter(schemaId).finally(() => this.pending.delete(schemaId));
      this.pending.set(schemaId, request);
    }
    return request;
  }

  private async resolveWriter(schemaId: number): Promise<ReaderEntry> {
    const writer = await this.codec.writerType(schemaId);
    const fullName = writer.name ?? '(anonymous)';
    const name = fullName.startsWith(`${ENVELOPE_NAMESPACE}.`)
      ? fullName.slice(ENVELOPE_NAMESPACE.length + 1)
      : fullName;
    if (!isEnvelopeName(name)) {
      throw new AvroCodecError(
        'UNKNOWN_SCHEMA',
        `schema ${schemaId} is ${fullName}, not a Percolator envelope`,
      );
    }
    let resolver: avro.Resolver;
    try {
      resolver = this.schemas[name].type.createResolver(writer);
    } catch (error) {
      throw new AvroCodecError(
        'AVRO_DECODE',
        `schema ${schemaId} of ${fullName} cannot be read as our ${name}: ${(error as Error).message}`,
        error,
      );
    }
    const entry = { name, resolver };
    this.readers.set(schemaId, entry);
    return entry;
  }
}
