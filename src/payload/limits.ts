// The documented limits of every JSON payload Percolator accepts (execution inputs, signal data, step
// outputs), checked the same way by the API and by the engine on records read from Kafka, which anyone with
// write access can produce. The check scans the JSON text once and never recurses, so a hostile document
// cannot overflow the stack of the code that checks it, and nothing downstream (JSON.stringify, JSONata,
// Postgres jsonb) ever sees a document that could.

export interface PayloadLimits {
  /** Largest JSON text, in UTF-8 bytes. */
  maxBytes: number;
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Longest string (or object key), in characters of the JSON text. */
  maxStringLength: number;
}

export const DEFAULT_PAYLOAD_LIMITS: PayloadLimits = {
  maxBytes: 900 * 1024,
  maxDepth: 64,
  maxStringLength: 512 * 1024,
};

export type PayloadLimitName = 'max_bytes' | 'max_depth' | 'max_string_length' | 'nul_character';

export interface PayloadViolation {
  /** Which limit was broken: the `limit` member of the API's 422 problem. */
  limit: PayloadLimitName;
  /** The limit's value (0 for nul_character). */
  max: number;
  /** A sentence naming the field, the limit and what was found. */
  message: string;
}

/**
 * Checks a JSON text against the limits; `field` names it in the message (e.g. `input`). Returns the first
 * violation, or undefined. Malformed JSON is not judged here: the caller's parser reports that.
 */
export function checkJsonText(
  text: string,
  field: string,
  limits: PayloadLimits = DEFAULT_PAYLOAD_LIMITS,
): PayloadViolation | undefined {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) {
    return violation(
      'max_bytes',
      limits.maxBytes,
      `${field} is ${bytes} bytes; the limit is ${limits.maxBytes}`,
    );
  }
  let depth = 0;
  let inString = false;
  let stringStart = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === BACKSLASH) {
        // Postgres jsonb refuses \u0000 (22P05), and ids with NUL break every store: refuse it at the door.
        if (text.startsWith('u0000', index + 1)) {
          return violation(
            'nul_character',
            0,
            `${field} contains a NUL character (\\u0000), which is not allowed`,
          );
        }
        index++;
      } else if (char === QUOTE) {
        inString = false;
        const length = index - stringStart - 1;
        if (length > limits.maxStringLength) return stringTooLong(field, length, limits);
      }
      continue;
    }
    if (char === QUOTE) {
      inString = true;
      stringStart = index;
    } else if (char === OPEN_BRACE || char === OPEN_BRACKET) {
      depth++;
      if (depth > limits.maxDepth) {
        return violation(
          'max_depth',
          limits.maxDepth,
          `${field} nests deeper than ${limits.maxDepth} levels of arrays and objects`,
        );
      }
    } else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) {
      depth--;
    }
  }
  if (inString && text.length - stringStart - 1 > limits.maxStringLength) {
    return stringTooLong(field, text.length - stringStart - 1, limits);
  }
  return undefined;
}

/**
 * The same limits for a value that is already parsed (YAML, or a body the API decoded). Serialises nothing
 * and walks the value with an explicit stack, so it is safe on any depth.
 */
export function checkJsonValue(
  value: unknown,
  field: string,
  limits: PayloadLimits = DEFAULT_PAYLOAD_LIMITS,
): PayloadViolation | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  let approximateBytes = 0;
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = checkString(current, field, limits);
      if (problem) return problem;
      approximateBytes += current.length + 2;
    } else if (current !== null && typeof current === 'object') {
      if (depth + 1 > limits.maxDepth) {
        return violation(
          'max_depth',
          limits.maxDepth,
          `${field} nests deeper than ${limits.maxDepth} levels of arrays and objects`,
        );
      }
      const entries = Array.isArray(current)
        ? current.map((item) => ['', item] as const)
        : Object.entries(current);
      for (const [key, item] of entries) {
        if (key !== '') {
          const problem = checkString(key, field, limits);
          if (problem) return problem;
          approximateBytes += key.length + 3;
        }
        stack.push({ value: item, depth: depth + 1 });
      }
      approximateBytes += 2;
    } else {
      approximateBytes += 8;
    }
    if (approximateBytes > limits.maxBytes) {
      return violation(
        'max_bytes',
        limits.maxBytes,
        `${field} is larger than the limit of ${limits.maxBytes} bytes`,
      );
    }
  }
  return undefined;
}

function checkString(text: string, field: string, limits: PayloadLimits): PayloadViolation | undefined {
  if (text.length > limits.maxStringLength) return stringTooLong(field, text.length, limits);
  if (text.includes('\u0000')) {
    return violation('nul_character', 0, `${field} contains a NUL character (\\u0000), which is not allowed`);
  }
  return undefined;
}

function stringTooLong(field: string, length: number, limits: PayloadLimits): PayloadViolation {
  return violation(
    'max_string_length',
    limits.maxStringLength,
    `${field} has a string of ${length} characters; the limit is ${limits.maxStringLength}`,
  );
}

function violation(limit: PayloadLimitName, max: number, message: string): PayloadViolation {
  return { limit, max, message };
}

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
