import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  childTraceparent,
  formatTraceparent,
  newTraceparent,
  otlpTracesUrl,
  parseTraceparent,
  startTracing,
  traceIdOf,
} from '../../../src/observability/tracing.js';

const VALID = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const hex = (length: number) =>
  fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).filter((id) => /[^0]/.test(id));

describe('W3C traceparent helpers', () => {
  it('newTraceparent: version 00, 16-byte trace id, 8-byte span id, sampled flag', () => {
    const header = newTraceparent();
    expect(header).toMatch(VALID);
    expect(header.endsWith('-01')).toBe(true);
    expect(newTraceparent({ sampled: false }).endsWith('-00')).toBe(true);
    const context = parseTraceparent(header)!;
    expect(context.traceId).not.toBe('0'.repeat(32));
    expect(context.spanId).not.toBe('0'.repeat(16));
  });

  it('newTraceparent: a new trace each time', () => {
    const ids = new Set(Array.from({ length: 200 }, () => traceIdOf(newTraceparent())));
    expect(ids.size).toBe(200);
  });

  it('childTraceparent keeps the trace id and the sampled flag, with a new span id', () => {
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const child = childTraceparent(parent);
    expect(child).toMatch(VALID);
    expect(child.slice(3, 35)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(child.slice(36, 52)).not.toBe('00f067aa0ba902b7');
    expect(child.endsWith('-01')).toBe(true);
    expect(childTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00').endsWith('-00')).toBe(
      true,
    );
    // A grandchild is still in the same trace.
    expect(traceIdOf(childTraceparent(child))).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('childTraceparent of any valid parent stays in its trace (property)', () => {
    fc.assert(
      fc.property(hex(32), hex(16), fc.integer({ min: 0, max: 255 }), (traceId, spanId, flags) => {
        const parent = formatTraceparent({ traceId, spanId, flags });
        const child = parseTraceparent(childTraceparent(parent))!;
        expect(child.traceId).toBe(traceId);
        expect(child.version).toBe('00');
        expect(child.flags).toBe(flags & 1);
      }),
    );
  });

  it('childTraceparent of a missing or invalid parent starts a new trace', () => {
    for (const bad of [
      undefined,
      null,
      '',
      'garbage',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
      '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
    ]) {
      expect(parseTraceparent(bad)).toBeUndefined();
      const child = childTraceparent(bad);
      expect(child).toMatch(VALID);
      expect(traceIdOf(child)).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    }
  });

  it('reads the first four fields of a later version and answers in version 00', () => {
    const later = 'cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-what-comes-next';
    expect(parseTraceparent(later)).toEqual({
      version: 'cc',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      flags: 9,
    });
    const child = childTraceparent(later);
    expect(child).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  });
});

describe('startTracing', () => {
  it('starts nothing without an endpoint', async () => {
    const tracing = await startTracing({});
    expect(tracing.exporting).toBe(false);
    expect(tracing.tracesUrl).toBeUndefined();
    await tracing.shutdown();
  });

  it('puts traces under /v1/traces of the endpoint', () => {
    expect(otlpTracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(otlpTracesUrl('https://otel.example/base/')).toBe('https://otel.example/base/v1/traces');
  });
});
