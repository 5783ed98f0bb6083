// Reads YAML (and JSON, which is YAML) text into plain data plus a pointer → position index. The `yaml` package
// parses; this module bounds what it is given and converts its nodes itself so limits and forbidden keys hold.
import {
  Document,
  Lexer,
  LineCounter,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  type Node as YamlNode,
  type ParsedNode,
} from 'yaml';
import { childPointer } from './json-pointer.js';
import type { DefinitionLimits } from './limits.js';
import { FORBIDDEN_KEYS, newPlainObject, type PlainValue } from './plain-data.js';
import type { ProblemList } from './problem.js';
import { SourceLocator, countLines } from './source-locator.js';

export interface ReadSource {
  readonly data: PlainValue | undefined;
  readonly locator: SourceLocator;
}

// Markers the lexer interleaves with real source slices; they occupy no characters of the text.
const LEXER_MARKERS = new Set(['\u0002', '\u0018', '\u001f']);

export function readYaml(text: string, limits: DefinitionLimits, problems: ProblemList): ReadSource {
  const tooComplex = prescan(text, limits);
  if (tooComplex) {
    const locator = new SourceLocator(countLines(text));
    const { line, column } = locator.positionOfOffset(tooComplex.offset);
    problems.add({
      severity: 'error',
      rule: tooComplex.rule,
      message: tooComplex.message,
      pointer: '',
      line,
      column,
    });
    return { data: undefined, locator };
  }
  const lines = new LineCounter();
  const locator = new SourceLocator(lines);
  const document = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: false, // checked in `convert`, in linear time; the parser's own check is quadratic
    version: '1.2',
    schema: 'core',
    strict: true,
    keepSourceTokens: false,
  });
  for (const error of document.errors) {
    const { line, column } = locator.positionOfOffset(error.pos[0]);
    problems.add({
      severity: 'error',
      rule: 'yaml-syntax',
      message: `YAML syntax error: ${firstLine(error.message)}`,
      pointer: '',
      line,
      column,
    });
  }
  if (document.errors.length > 0) return { data: undefined, locator };
  for (const warning of document.warnings) {
    const { line, column } = locator.positionOfOffset(warning.pos[0]);
    problems.add({
      severity: 'warning',
      rule: 'yaml-warning',
      message: firstLine(warning.message),
      pointer: '',
      line,
      column,
    });
  }
  const converter = new Converter(document, locator, limits, problems);
  const data = document.contents === null ? null : converter.convert(document.contents, '', 0);
  return { data: converter.aborted ? undefined : data, locator };
}

interface Prescan {
  readonly offset: number;
  readonly rule: string;
  readonly message: string;
}

// The parser allocates heavily on very deep flow nesting (it can exhaust memory) and takes seconds on hundreds of
// thousands of nodes, so the cheap lexer looks first.
function prescan(text: string, limits: DefinitionLimits): Prescan | undefined {
  let offset = 0;
  let tokens = 0;
  let flowDepth = 0;
  let blockIndicatorsOnLine = 0;
  for (const token of new Lexer().lex(text)) {
    tokens++;
    if (tokens > limits.maxTokens) {
      return {
        offset,
        rule: 'source-too-complex',
        message: `the source has more than ${limits.maxTokens} YAML tokens; split the workflow into sub-workflows`,
      };
    }
    if (token === '[' || token === '{') flowDepth++;
    else if (token === ']' || token === '}') flowDepth = Math.max(0, flowDepth - 1);
    else if (token === '-' || token === '?') blockIndicatorsOnLine++;
    else if (token.startsWith('\n') || token.startsWith('\r')) blockIndicatorsOnLine = 0;
    if (flowDepth + blockIndicatorsOnLine > limits.maxDepth) {
      return {
        offset,
        rule: 'too-deep',
        message: `the document is nested more than ${limits.maxDepth} levels deep`,
      };
    }
    if (!LEXER_MARKERS.has(token)) offset += token.length;
  }
  return undefined;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/\s+at line \d+, column \d+:?$/, '');
}

class Converter {
  aborted = false;
  #nodes = 0;
  readonly #anchors = new Map<string, YamlNode>();

  constructor(
    private readonly document: Document.Parsed,
    private readonly locator: SourceLocator,
    private readonly limits: DefinitionLimits,
    private readonly problems: ProblemList,
  ) {}

  convert(node: unknown, pointer: string, depth: number): PlainValue {
    if (this.aborted) return null;
    if (++this.#nodes > this.limits.maxNodes) {
      this.problems.error(
        pointer,
        'too-many-nodes',
        `the document expands to more than ${this.limits.maxNodes} values (check for aliases that multiply content)`,
      );
      this.aborted = true;
      return null;
    }
    const range = (node as Partial<ParsedNode>).range;
    if (range) this.locator.recordValue(pointer, range[0]);
    if (isAlias(node)) return this.#expandAlias(node.source, pointer, depth);
    if (node && typeof node === 'object' && 'anchor' in node && typeof node.anchor === 'string') {
      this.#anchors.set(node.anchor, node as YamlNode);
    }
    if (depth > this.limits.maxDepth) {
      this.problems.error(pointer, 'too-deep', `nested more than ${this.limits.maxDepth} levels deep`);
      this.aborted = true;
      return null;
    }
    if (isScalar(node)) return this.#scalar(node.value, pointer);
    if (isSeq(node))
      return node.items.map((item, index) => this.convert(item, childPointer(pointer, index), depth + 1));
    if (isMap(node)) return this.#map(node.items, pointer, depth);
    this.problems.error(pointer, 'unsupported-value', 'this kind of YAML value is not supported here');
    return null;
  }

  #expandAlias(name: string, pointer: string, depth: number): PlainValue {
    const target = this.#anchors.get(name);
    if (!target) {
      this.problems.error(pointer, 'yaml-syntax', `alias *${name} refers to no anchor defined before it`);
      return null;
    }
    return this.convert(target, pointer, depth + 1);
  }

  #scalar(value: unknown, pointer: string): PlainValue {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number') {
      if (Number.isFinite(value)) return value;
      this.problems.error(pointer, 'unsupported-value', `${value} is not a finite number`);
      return null;
    }
    if (typeof value === 'bigint') return Number(value);
    this.problems.error(
      pointer,
      'unsupported-value',
      'only strings, numbers, booleans and null are supported',
    );
    return null;
  }

  #map(pairs: readonly { key: unknown; value: unknown }[], pointer: string, depth: number): PlainValue {
    const result = newPlainObject();
    for (const pair of pairs) {
      const keyNode = pair.key;
      const keyRange = (keyNode as Partial<ParsedNode> | null)?.range;
      if (!isScalar(keyNode) || (keyNode.value !== null && typeof keyNode.value === 'object')) {
        const at = keyRange ? this.locator.positionOfOffset(keyRange[0]) : undefined;
        this.problems.add({
          severity: 'error',
          rule: 'invalid-key',
          message: 'map keys must be plain strings',
          pointer,
          ...(at ? { line: at.line, column: at.column } : {}),
        });
        continue;
      }
      const key = String(keyNode.value);
      const keyPointer = childPointer(pointer, key);
      if (FORBIDDEN_KEYS.has(key)) {
        if (keyRange) this.locator.recordKey(keyPointer, keyRange[0]);
        this.problems.add({
          severity: 'error',
          rule: 'forbidden-key',
          message: `the key '${key}' is not allowed (it could tamper with object prototypes); rename it`,
          pointer: keyPointer,
          target: 'key',
        });
        continue;
      }
      if (Object.hasOwn(result, key)) {
        const at = keyRange ? this.locator.positionOfOffset(keyRange[0]) : undefined;
        this.problems.add({
          severity: 'error',
          rule: 'duplicate-key',
          message: `the key '${key}' appears more than once in this map`,
          pointer: keyPointer,
          ...(at ? { line: at.line, column: at.column } : {}),
        });
        continue;
      }
      if (keyRange) this.locator.recordKey(keyPointer, keyRange[0]);
      result[key] = pair.value === null ? null : this.convert(pair.value, keyPointer, depth + 1);
    }
    return result;
  }
}
