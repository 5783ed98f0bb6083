// The last lines of a service's log, quoted in every failure so the cause is on screen, not one `cat` away.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

const MAX_BYTES = 64 * 1024;

export function tailLines(file: string, lines = 20): string[] {
  if (!existsSync(file)) return [];
  const size = statSync(file).size;
  const length = Math.min(size, MAX_BYTES);
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  return lastLines(buffer.toString('utf8'), lines);
}

export function lastLines(text: string, lines: number): string[] {
  return text.replace(/\s+$/, '').split('\n').slice(-lines);
}

/** "<message>; log: <file>" followed by its tail, ready to be thrown as one StackError message. */
export function withLogTail(message: string, file: string, lines = 20): string {
  const tail = tailLines(file, lines);
  if (tail.length === 0) return `${message}\n  log: ${file} (empty)`;
  return `${message}\n  log: ${file}, last ${tail.length} lines:\n${tail.map((line) => `    | ${line}`).join('\n')}`;
}
