// Front door for definition sources: bytes, text or an already-parsed object. Enforces the size limit, strict
// UTF-8, and routes JSON through a precise syntax check before the YAML reader (JSON is YAML, so one reader
// gives positions for both).
import { findJsonSyntaxError } from './json-syntax.js';
import type { DefinitionLimits } from './limits.js';
import { readObject } from './object-reader.js';
import type { PlainValue } from './plain-data.js';
import type { ProblemList } from './problem.js';
import { SourceLocator, countLines } from './source-locator.js';
import { decodeUtf8 } from './utf8.js';
import { readYaml } from './yaml-reader.js';

export type SourceFormat = 'yaml' | 'json' | 'auto';

/** Text or bytes of a YAML/JSON definition, or a definition already parsed from JSON. */
export type DefinitionSource = string | Uint8Array | Readonly<Record<string, unknown>>;

export interface SourceRead {
  readonly data: PlainValue | undefined;
  /** Present when the source was text: turns pointers into line:column. */
  readonly locator?: SourceLocator;
}

export function readSource(
  source: DefinitionSource,
  format: SourceFormat,
  limits: DefinitionLimits,
  problems: ProblemList,
): SourceRead {
  if (source instanceof Uint8Array) return readBytes(source, format, limits, problems);
  if (typeof source === 'string') {
    // A string of n UTF-16 units is at least n bytes; only measure exactly when that shortcut is inconclusive.
    const bytes = source.length > limits.maxSourceBytes ? source.length : Buffer.byteLength(source, 'utf8');
    if (bytes > limits.maxSourceBytes) return tooLarge(bytes, limits, problems);
    return readText(source, format, limits, problems);
  }
  return { data: readObject(source, limits, problems) };
}

function readBytes(
  bytes: Uint8Array,
  format: SourceFormat,
  limits: DefinitionLimits,
  problems: ProblemList,
): SourceRead {
  if (bytes.length > limits.maxSourceBytes) return tooLarge(bytes.length, limits, problems);
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) {
    const before = bytes.subarray(0, decoded.byteOffset);
    const line = before.filter((byte) => byte === 0x0a).length + 1;
    const column = decoded.byteOffset - (before.lastIndexOf(0x0a) + 1) + 1;
    problems.add({
      severity: 'error',
      rule: 'invalid-utf8',
      message: `the source is not valid UTF-8: invalid byte 0x${(bytes[decoded.byteOffset] ?? 0).toString(16).padStart(2, '0')} at byte offset ${decoded.byteOffset}`,
      pointer: '',
      line,
      column,
    });
    return { data: undefined };
  }
  return readText(decoded.text, format, limits, problems);
}

function readText(
  raw: string,
  format: SourceFormat,
  limits: DefinitionLimits,
  problems: ProblemList,
): SourceRead {
  const text = raw.startsWith('\uFEFF') ? raw.slice(1) : raw;
  const isJson = format === 'json' || (format === 'auto' && /^\s*[[{]/.test(text));
  if (!isJson) return readYaml(text, limits, problems);
  const syntaxError = findJsonSyntaxError(text);
  if (syntaxError) {
    const locator = new SourceLocator(countLines(text));
    const { line, column } = locator.positionOfOffset(syntaxError.offset);
    problems.add({
      severity: 'error',
      rule: 'json-syntax',
      message: `invalid JSON: ${syntaxError.message}`,
      pointer: '',
      line,
      column,
    });
    return { data: undefined, locator };
  }
  // Valid JSON holds tabs only as whitespace between tokens, where YAML rejects them as indentation. Swapping each
  // for a space keeps every offset, so positions still match the user's file.
  return readYaml(text.replace(/\t/g, ' '), limits, problems);
}

function tooLarge(bytes: number, limits: DefinitionLimits, problems: ProblemList): SourceRead {
  problems.error(
    '',
    'source-too-large',
    `the source is ${bytes} bytes; the limit is ${limits.maxSourceBytes} bytes (${formatSize(limits.maxSourceBytes)})`,
  );
  return { data: undefined };
}

function formatSize(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}
