// Accepts a definition that arrived already parsed (an API's JSON body) and copies it into plain data under the
// same limits as text: bounded depth and size, no prototype keys, JSON values only.
import { childPointer } from './json-pointer.js';
import type { DefinitionLimits } from './limits.js';
import { FORBIDDEN_KEYS, newPlainObject, type PlainValue } from './plain-data.js';
import type { ProblemList } from './problem.js';

export function readObject(
  value: unknown,
  limits: DefinitionLimits,
  problems: ProblemList,
): PlainValue | undefined {
  let nodes = 0;
  let aborted = false;

  const copy = (item: unknown, pointer: string, depth: number): PlainValue => {
    if (aborted) return null;
    if (++nodes > limits.maxNodes) {
      problems.error(pointer, 'too-many-nodes', `the document has more than ${limits.maxNodes} values`);
      aborted = true;
      return null;
    }
    if (item === null || typeof item === 'string' || typeof item === 'boolean') return item;
    if (typeof item === 'number') {
      if (Number.isFinite(item)) return item;
      problems.error(pointer, 'unsupported-value', `${item} is not a finite number`);
      return null;
    }
    if (typeof item !== 'object') {
      problems.error(pointer, 'unsupported-value', `a ${typeof item} is not JSON data`);
      return null;
    }
    // Depth also catches reference cycles, which JSON cannot express but an object graph can.
    if (depth > limits.maxDepth) {
      problems.error(pointer, 'too-deep', `nested more than ${limits.maxDepth} levels deep`);
      aborted = true;
      return null;
    }
    if (Array.isArray(item))
      return item.map((element, index) => copy(element, childPointer(pointer, index), depth + 1));
    const prototype = Object.getPrototypeOf(item) as unknown;
    if (prototype !== Object.prototype && prototype !== null) {
      problems.error(
        pointer,
        'unsupported-value',
        'only plain objects, arrays and JSON scalars are supported',
      );
      return null;
    }
    const result = newPlainObject();
    for (const [key, element] of Object.entries(item)) {
      const keyPointer = childPointer(pointer, key);
      if (FORBIDDEN_KEYS.has(key)) {
        problems.error(
          keyPointer,
          'forbidden-key',
          `the key '${key}' is not allowed (it could tamper with object prototypes); rename it`,
          'key',
        );
        continue;
      }
      if (element === undefined) continue;
      result[key] = copy(element, keyPointer, depth + 1);
    }
    return result;
  };

  const data = copy(value, '', 0);
  return aborted ? undefined : data;
}
