// Maps JSON pointers back to line:column in the source text, so a problem found on the parsed data can be shown
// where the user wrote it.
import { LineCounter } from 'yaml';
import { parsePointer, pointerOf } from './json-pointer.js';

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

export class SourceLocator {
  readonly #valueOffsets = new Map<string, number>();
  readonly #keyOffsets = new Map<string, number>();

  constructor(private readonly lines: LineCounter) {}

  recordValue(pointer: string, offset: number): void {
    if (!this.#valueOffsets.has(pointer)) this.#valueOffsets.set(pointer, offset);
  }

  recordKey(pointer: string, offset: number): void {
    if (!this.#keyOffsets.has(pointer)) this.#keyOffsets.set(pointer, offset);
  }

  positionOfOffset(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /**
   * Where `pointer` was written: its key when asked for (or when the value has no position of its own), else its
   * value. A pointer to something absent (a missing required key) falls back to its nearest present ancestor.
   */
  locate(pointer: string, target: 'key' | 'value' = 'value'): SourcePosition | undefined {
    const segments = parsePointer(pointer);
    for (let length = segments.length; length >= 0; length--) {
      const candidate = pointerOf(segments.slice(0, length));
      const preferred =
        target === 'key' && length === segments.length ? this.#keyOffsets : this.#valueOffsets;
      const offset =
        preferred.get(candidate) ?? this.#valueOffsets.get(candidate) ?? this.#keyOffsets.get(candidate);
      if (offset !== undefined) return this.positionOfOffset(offset);
    }
    return undefined;
  }
}

/** A line index for text the YAML parser has not seen (the parser fills one itself while it parses). */
export function countLines(text: string): LineCounter {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1))
    lines.addNewLine(index + 1);
  return lines;
}
