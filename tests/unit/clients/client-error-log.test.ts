// A dependency that is down makes its client fail many times a second: the log says so once, then sums up.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { clientErrorLog } from '../../../src/clients/client-error-log.js';
import { createLogger } from '../../../src/observability/logger.js';

function capture(): { lines: Record<string, unknown>[]; logger: ReturnType<typeof createLogger> } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info' }, stream) };
}

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });

describe('clientErrorLog', () => {
  it('logs the first error at once as JSON, then one summary per interval, then the recovery', async () => {
    const { lines, logger } = capture();
    let now = 0;
    const log = clientErrorLog({ logger, dependency: 'redis', intervalMs: 10_000, now: () => now });
    log.error(refused());
    for (now = 100; now < 9_900; now += 100) log.error(refused());
    now = 10_050;
    log.error(refused());
    now = 12_000;
    log.recovered();
    log.recovered();
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => line.msg)).toEqual([
      'redis connection error; retrying',
      'redis still unreachable; retrying',
      'redis reachable again',
    ]);
    expect(lines[0]).toMatchObject({ level: 50, dependency: 'redis', err: { code: 'ECONNREFUSED' } });
    expect(lines[1]).toMatchObject({ suppressed: 98, downForMs: 10_050 });
    expect(lines[2]).toMatchObject({ level: 30, downForMs: 12_000 });
  });
});
