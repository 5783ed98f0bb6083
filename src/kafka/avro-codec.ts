// Avro in the Confluent wire format: magic byte 0, a 4-byte big-endian schema id, then the Avro body.
// Types are cached per schema id so encoding and decoding a batch costs no registry round trip.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { PercolatorError, withRetry } from '../errors.js';

const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;
/** Bytes before the Avro body: the magic byte and the schema id. */
export const WIRE_HEADER_BYTES = HEADER_BYTES;

/** A schema as read from an .avsc file; avsc checks it when the type is built. */
export type AvroSchemaJson = Readonly<Record<string, unknown>>;

export interface DecodedRecord<T = unknown> {
  schemaId: number;
  value: T;
}

export class AvroCodecError extends PercolatorError {
  constructor(
    code: 'NOT_AVRO' | 'UNKNOWN_SCHEMA' | 'AVRO_DECODE' | 'AVRO_ENCODE',
    message: string,
    cause?: unknown,
  ) {
    super(code, message, false, { cause });
    this.name = 'AvroCodecError';
  }
}

/** A registration that lost a race with another process registering the same new subject; retrying settles it. */
export class RegistrationRaceError extends PercolatorError {
  constructor(subject: string, cause: unknown) {
    super(
      'SCHEMA_REGISTRY_RACE',
      `registering ${subject} raced another registration: ${(cause as Error).message}`,
      true,
      { cause },
    );
    this.name = 'RegistrationRaceError';
  }
}

// Racing registrations settle within a few round trips; a registry that stays down is reported after ~5 s.
const REGISTER_RETRY = { attempts: 6, initialDelayMs: 100, maxDelayMs: 2_000 };

interface RegistryResponseError {
  status?: number;
  url?: string;
  message?: string;
}

/**
 * @kafkajs/confluent-schema-registry registers a new subject in three calls: GET /config/<subject> (404:
 * a first registration), POST the version, then PUT /config/<subject> to set its compatibility. Two
 * processes registering a new subject at once both see the 404, and Apicurio refuses the second PUT with
 * 409 "A rule named 'COMPATIBILITY' already exists": the version is registered and the rule set, so that
 * case is success once the id is read back. Any other "already exists" conflict is a race to retry.
 * An incompatible schema (also 409) and other client errors are final.
 */
export function registrationFailure(subject: string, error: unknown): PercolatorError | 'rule-set-by-racer' {
  const { status, url = '', message = String(error) } = (error ?? {}) as RegistryResponseError;
  if (status === 409 && /already exists/i.test(message)) {
    return /^put .*\/config\//i.test(url) ? 'rule-set-by-racer' : new RegistrationRaceError(subject, error);
  }
  // The client reports a registry that did not answer as status 400 with the socket error as its text,
  // after retrying a few times itself; 5xx: the registry failed.
  const retriable =
    status === undefined
      ? !isClientLibraryError(error)
      : status >= 500 || (status === 400 && NETWORK_ERROR.test(message));
  return new PercolatorError('SCHEMA_REGISTRY', `registering ${subject} failed: ${message}`, retriable, {
    cause: error,
  });
}

const NETWORK_ERROR =
  /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)\b|socket hang up/;

// The client's own checks (compatibility mismatch, invalid schema) throw without a status; repeating them
// gives the same answer.
function isClientLibraryError(error: unknown): boolean {
  return error instanceof Error && error.name.startsWith('ConfluentSchemaRegistry');
}

export class AvroCodec {
  private readonly types = new Map<number, avro.Type>();
  private readonly pending = new Map<number, Promise<avro.Type>>();

  constructor(private readonly registry: SchemaRegistry) {}

  static forUrl(url: string): AvroCodec {
    return new AvroCodec(
      new SchemaRegistry({
        host: url,
        retry: { retries: 3, initialRetryTimeInSecs: 0.1, maxRetryTimeInSecs: 2 },
      }),
    );
  }

  /**
   * Registers the schema under the subject (idempotent for an identical schema) and returns its id.
   * Safe when several processes register the same new subject at once (every first deployment): see
   * registrationFailure.
   */
  async register(subject: string, schema: AvroSchemaJson): Promise<number> {
    const id = await withRetry(() => this.registerOnce(subject, schema), REGISTER_RETRY);
    if (!this.types.has(id)) this.types.set(id, avro.Type.forSchema(schema as avro.Schema));
    return id;
  }

  private async registerOnce(subject: string, schema: AvroSchemaJson): Promise<number> {
    const confluentSchema = { type: SchemaType.AVRO, schema: JSON.stringify(schema) } as const;
    try {
      return (await this.registry.register(confluentSchema, { subject })).id;
    } catch (error) {
      const failure = registrationFailure(subject, error);
      if (failure !== 'rule-set-by-racer') throw failure;
    }
    // The schema version was created before the client set the rule; another process set it first.
    try {
      return await this.registry.getRegistryIdBySchema(subject, confluentSchema);
    } catch (error) {
      const failure = registrationFailure(subject, error);
      throw failure === 'rule-set-by-racer' ? new RegistrationRaceError(subject, error) : failure;
    }
  }

  /** Synchronous on purpose: the hot path encodes whole batches after their schemas were registered once. */
  encode(schemaId: number, value: unknown): Buffer {
    const type = this.types.get(schemaId);
    if (!type)
      throw new AvroCodecError('UNKNOWN_SCHEMA', `schema ${schemaId} was not registered by this codec`);
    let body: Buffer;
    try {
      body = type.toBuffer(value);
    } catch (error) {
      const invalid: string[] = [];
      type.isValid(value, { errorHook: (path) => invalid.push(path.join('.') || '(root)') });
      throw new AvroCodecError(
        'AVRO_ENCODE',
        `value does not match schema ${schemaId}${invalid.length ? ` at ${invalid.join(', ')}` : ''}`,
        error,
      );
    }
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeUInt8(MAGIC_BYTE, 0);
    header.writeUInt32BE(schemaId, 1);
    return Buffer.concat([header, body]);
  }

  async decode<T = unknown>(buffer: Buffer | null): Promise<DecodedRecord<T>> {
    const schemaId = readSchemaId(buffer);
    const type = this.types.get(schemaId) ?? (await this.load(schemaId));
    try {
      return { schemaId, value: type.fromBuffer((buffer as Buffer).subarray(HEADER_BYTES)) as T };
    } catch (error) {
      throw new AvroCodecError(
        'AVRO_DECODE',
        `record body does not decode with schema ${schemaId}: ${(error as Error).message}`,
        error,
      );
    }
  }

  /** The writer's type for a schema id: from the cache, or fetched from the registry once. */
  async writerType(schemaId: number): Promise<avro.Type> {
    return this.types.get(schemaId) ?? (await this.load(schemaId));
  }

  private load(schemaId: number): Promise<avro.Type> {
    let request = this.pending.get(schemaId);
    if (!request) {
      request = this.fetchType(schemaId).finally(() => this.pending.delete(schemaId));
      this.pending.set(schemaId, request);
    }
    return request;
  }

  private async fetchType(schemaId: number): Promise<avro.Type> {
    let schema: Awaited<ReturnType<SchemaRegistry['getSchema']>>;
    try {
      schema = await this.registry.getSchema(schemaId);
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404) {
        throw new AvroCodecError('UNKNOWN_SCHEMA', `schema id ${schemaId} is not in the registry`, error);
      }
      throw new PercolatorError(
        'SCHEMA_REGISTRY',
        `fetching schema ${schemaId} failed: ${(error as Error).message}`,
        true,
        { cause: error },
      );
    }
    // The registry library hands back its own avsc Type; rebuild one from its JSON form with our avsc copy.
    const type = avro.Type.forSchema(JSON.parse(JSON.stringify(schema)) as avro.Schema);
    this.types.set(schemaId, type);
    return type;
  }
}

/** Validates the wire-format header; garbage bytes are rejected here before any registry call. */
export function readSchemaId(buffer: Buffer | null): number {
  if (!buffer || buffer.length < HEADER_BYTES) {
    throw new AvroCodecError(
      'NOT_AVRO',
      `record is ${buffer ? buffer.length : 0} bytes, shorter than the 5-byte header`,
    );
  }
  if (buffer.readUInt8(0) !== MAGIC_BYTE) {
    throw new AvroCodecError(
      'NOT_AVRO',
      `record starts with byte ${buffer.readUInt8(0)}, not the magic byte 0`,
    );
  }
  return buffer.readUInt32BE(1);
}
