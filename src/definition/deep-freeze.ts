// Freezes plain data all the way down, without recursion (definitions may be deep) and without touching anything
// that is already frozen (compiled expressions, shared defaults).

export function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item !== 'object' || item === null || Object.isFrozen(item)) continue;
    Object.freeze(item);
    for (const child of Object.values(item)) pending.push(child);
  }
  return value;
}

/** A read-only view of a Map: no `set`, no `delete`, no way back to the Map behind it. */
export function frozenMap<K, V>(entries: Iterable<readonly [K, V]>): ReadonlyMap<K, V> {
  const map = new Map<K, V>(entries);
  const view: ReadonlyMap<K, V> = {
    get: (key) => map.get(key),
    has: (key) => map.has(key),
    forEach: (callback, thisArg?: unknown) =>
      map.forEach((value, key) => callback.call(thisArg, value, key, view)),
    entries: () => map.entries(),
    keys: () => map.keys(),
    values: () => map.values(),
    size: map.size,
    [Symbol.iterator]: () => map[Symbol.iterator](),
  };
  return Object.freeze(view);
}
