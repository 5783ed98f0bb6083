import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { ConfigError } from '../../../src/config/parse.js';

describe('loadConfig: OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('is unset by default, so no trace exporter runs', () => {
    expect(loadConfig({}).otelExporterOtlpEndpoint).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: '   ' }).otelExporterOtlpEndpoint).toBeUndefined();
  });

  it('takes an http or https URL', () => {
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).otelExporterOtlpEndpoint,
    ).toBe('http://collector:4318');
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: ' https://otel.example/ingest ' }).otelExporterOtlpEndpoint,
    ).toBe('https://otel.example/ingest');
  });

  it('refuses anything else, naming the variable', () => {
    let error: unknown;
    try {
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT="grpc://collector:4317": expected a URL with scheme http: or https:',
    ]);
  });
});
