import { describe, expect, it } from 'vitest';
import { registrationFailure, RegistrationRaceError } from '../../../src/kafka/avro-codec.js';
import { PercolatorError } from '../../../src/errors.js';

const subject = 'io.percolator.v1.AgentCommand';
const base = 'http://registry:8081/apis/ccompat/v7';

/** Shaped as @kafkajs/confluent-schema-registry's ResponseError. */
function responseError(status: number, method: string, path: string, message: string) {
  return Object.assign(new Error(`Confluent_Schema_Registry - ${message}`), {
    name: 'ResponseError',
    status,
    url: `${method} ${base}${path}`,
  });
}

describe('registrationFailure', () => {
  it('a 409 "rule already exists" on setting the new subject\'s compatibility means another process set it', () => {
    const error = responseError(
      409,
      'put',
      `/config/${subject}`,
      "A rule named 'COMPATIBILITY' already exists.",
    );
    expect(registrationFailure(subject, error)).toBe('rule-set-by-racer');
  });

  it('any other "already exists" conflict is a race worth retrying', () => {
    const error = responseError(
      409,
      'post',
      `/subjects/${subject}/versions`,
      `Artifact ${subject} already exists`,
    );
    const failure = registrationFailure(subject, error);
    expect(failure).toBeInstanceOf(RegistrationRaceError);
    expect((failure as PercolatorError).retriable).toBe(true);
  });

  it('an incompatible schema (also 409) is final and says which subject', () => {
    const error = responseError(
      409,
      'post',
      `/subjects/${subject}/versions`,
      'Schema being registered is incompatible with an earlier schema',
    );
    const failure = registrationFailure(subject, error) as PercolatorError;
    expect(failure.retriable).toBe(false);
    expect(failure.message).toContain(`registering ${subject} failed: `);
    expect(failure.message).toContain('incompatible');
  });

  it('a registry error (5xx) or no answer is retriable; a client-side check is not', () => {
    const serverError = responseError(503, 'post', `/subjects/${subject}/versions`, 'unavailable');
    expect((registrationFailure(subject, serverError) as PercolatorError).retriable).toBe(true);
    // The client turns a refused connection into a 400 whose text is the socket error.
    const refused = responseError(
      400,
      'get',
      `/config/${subject}`,
      'Error, status 400: connect ECONNREFUSED 127.0.0.1:8081',
    );
    expect((registrationFailure(subject, refused) as PercolatorError).retriable).toBe(true);
    const badRequest = responseError(400, 'post', `/subjects/${subject}/versions`, 'Invalid schema');
    expect((registrationFailure(subject, badRequest) as PercolatorError).retriable).toBe(false);
    const mismatch = Object.assign(new Error('Compatibility does not match the configuration'), {
      name: 'ConfluentSchemaRegistryCompatibilityError',
    });
    expect((registrationFailure(subject, mismatch) as PercolatorError).retriable).toBe(false);
  });
});
