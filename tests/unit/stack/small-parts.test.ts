import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StackError } from '../../../src/stack/errors.js';
import { parseJavaMajor } from '../../../src/stack/java.js';
import { lastLines, tailLines, withLogTail } from '../../../src/stack/log-tail.js';
import { processMarker } from '../../../src/stack/processes.js';
import { formatState } from '../../../src/stack/report.js';
import { waitUntilUp } from '../../../src/stack/wait.js';

describe('parseJavaMajor', () => {
  it('reads modern and legacy version strings', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment')).toBe(17);
    expect(parseJavaMajor('openjdk version "25.0.3" 2026-04-21 LTS')).toBe(25);
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor('java version "1.8.0_392"')).toBe(8);
    expect(parseJavaMajor('command not found')).toBeUndefined();
  });
});

describe('log tails', () => {
  it('keeps the last lines without the trailing newline', () => {
    expect(lastLines('a\nb\nc\n', 2)).toEqual(['b', 'c']);
  });

  it('quotes the end of a log file under the message, and says when it is empty or missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stack-tail-'));
    const log = join(dir, 'x.log');
    writeFileSync(log, Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n'));
    expect(tailLines(log, 3)).toEqual(['line 28', 'line 29', 'line 30']);
    const message = withLogTail('kafka failed', log, 2);
    expect(message).toBe(`kafka failed\n  log: ${log}, last 2 lines:\n    | line 29\n    | line 30`);
    expect(withLogTail('x', join(dir, 'missing.log'))).toContain('(empty)');
  });
});

describe('formatState', () => {
  it('prints name, address, up/down, pid and note in columns', () => {
    expect(
      formatState({ name: 'kafka', address: '127.0.0.1:9092', up: true, pid: 42, note: 'already up' }),
    ).toBe('kafka     127.0.0.1:9092         up    pid 42      already up');
    expect(formatState({ name: 'redis', address: '127.0.0.1:6379', up: false })).toBe(
      'redis     127.0.0.1:6379         down  -',
    );
  });
});

describe('processMarker', () => {
  it('names the service and the stack folder', () => {
    expect(processMarker('kafka', '/repo/.stack')).toBe('-Dpercolator.stack=kafka@/repo/.stack');
  });
});

describe('waitUntilUp', () => {
  const address = { host: '127.0.0.1', port: 1 };
  const log = join(mkdtempSync(join(tmpdir(), 'stack-wait-')), 'svc.log');
  writeFileSync(log, 'boom: port in use\n');

  it('returns as soon as the probe answers', async () => {
    let calls = 0;
    const probe = async () => ({ up: ++calls >= 2, detail: 'ok' });
    await expect(
      waitUntilUp({ name: 'svc', address, probe, timeoutMs: 5_000, logFile: log, intervalMs: 1 }),
    ).resolves.toEqual({ up: true, detail: 'ok' });
  });

  it('gives up at the deadline naming the service, address, last answer and log', async () => {
    const probe = async () => ({ up: false, detail: 'ECONNREFUSED' });
    const waiting = waitUntilUp({ name: 'svc', address, probe, timeoutMs: 20, logFile: log, intervalMs: 5 });
    await expect(waiting).rejects.toBeInstanceOf(StackError);
    await expect(waiting).rejects.toThrow(
      /svc did not answer on 127\.0\.0\.1:1 within 0 s \(last answer: ECONNREFUSED\)/,
    );
    await expect(waiting).rejects.toThrow(/boom: port in use/);
  });

  it('stops waiting at once when the process has exited', async () => {
    const began = Date.now();
    const probe = async () => ({ up: false });
    await expect(
      waitUntilUp({
        name: 'svc',
        address,
        probe,
        timeoutMs: 60_000,
        logFile: log,
        exited: () => 'exited with code 1',
      }),
    ).rejects.toThrow(/svc: its java process exited with code 1 during start-up/);
    // At once, not after the 60 s start-up timeout.
    expect(Date.now() - began).toBeLessThan(10_000);
  });
});
