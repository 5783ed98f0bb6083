// Turns whatever JSONata returned into plain JSON data, refusing values that cannot cross a Kafka record
// (functions, non-finite numbers) and anything whose JSON text would exceed the size limit.

export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export type PlainJsonResult =
  | { readonly ok: true; readonly value: JsonValue | undefined }
  | { readonly ok: false; readonly reason: string };

/**
 * Copies `value` into fresh arrays and null-prototype objects (so a key such as `__proto__` is just a key),
 * measuring the JSON length on the way and giving up as soon as it passes `maxBytes`.
 */
export function toPlainJson(value: unknown, maxBytes: number): PlainJsonResult {
  if (value === undefined) return { ok: true, value: undefined };
  let budget = maxBytes;
  const spend = (bytes: number): boolean => {
    budget -= bytes;
    return budget >= 0;
  };
  const tooLarge = { ok: false, reason: `the result is larger than ${maxBytes} bytes of JSON` } as const;

  const copyScalar = (item: unknown): { ok: true; value: JsonValue } | { ok: false; reason: string } => {
    if (item === null || item === undefined) return spend(4) ? { ok: true, value: null } : tooLarge;
    if (typeof item === 'boolean') return spend(5) ? { ok: true, value: item } : tooLarge;
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) return { ok: false, reason: `the result contains the number ${item}` };
      return spend(String(item).length) ? { ok: true, value: item } : tooLarge;
    }
    if (typeof item === 'string') return spend(item.length + 2) ? { ok: true, value: item } : tooLarge;
    return { ok: false, reason: `the result contains a ${typeof item}, which is not JSON data` };
  };

  // Iterative copy: results may be deep, and the orchestrator must not overflow its stack on user data. Shared or
  // even circular references need no special case: every object spends budget, so the copy always ends.
  type Frame = { source: unknown; assign: (copy: JsonValue) => void };
  let root: JsonValue | undefined;
  const stack: Frame[] = [{ source: value, assign: (copy) => (root = copy) }];
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    const { source } = frame;
    if (typeof source === 'function' || isJsonataFunction(source)) {
      return { ok: false, reason: 'the result is a function, which is not JSON data' };
    }
    if (typeof source !== 'object' || source === null) {
      const scalar = copyScalar(source);
      if (!scalar.ok) return scalar;
      frame.assign(scalar.value);
      continue;
    }
    if (Array.isArray(source)) {
      const copy: JsonValue[] = new Array<JsonValue>(source.length).fill(null);
      if (!spend(2 + Math.max(0, source.length - 1))) return tooLarge;
      source.forEach((item: unknown, index) => {
        stack.push({ source: item, assign: (element) => (copy[index] = element) });
      });
      frame.assign(copy);
      continue;
    }
    const copy = Object.create(null) as Record<string, JsonValue>;
    const entries = Object.entries(source).filter(
      ([, item]) => item !== undefined && typeof item !== 'function',
    );
    if (!spend(2 + Math.max(0, entries.length - 1))) return tooLarge;
    for (const [key, item] of entries) {
      if (!spend(key.length + 3)) return tooLarge;
      stack.push({ source: item, assign: (element) => (copy[key] = element) });
    }
    frame.assign(copy);
  }
  return { ok: true, value: root };
}

// JSONata lambdas and partial applications are plain objects carrying a marker, not JS functions.
function isJsonataFunction(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return record['_jsonata_lambda'] === true || record['_jsonata_function'] === true;
}
