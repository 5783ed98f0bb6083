// JSON for people: like JSON.stringify(value, null, 2), but an array or object that fits on one line of
// the given width stays on one line, so a nested output reads as a page rather than a long column.

/** `value` on one line, with a space after each separator as people write it. */
function oneLine(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(oneLine).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}: ${oneLine(item)}`).join(', ')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** `value` as indented JSON; `used` is how much of the first line is already taken. */
export function formatJson(value: unknown, width = 100, indent = '', used = indent.length): string {
  const flat = oneLine(value);
  if (used + flat.length <= width || typeof value !== 'object' || value === null) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => `${inner}${formatJson(item, width, inner)}`).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([key, item]) => {
    const head = `${inner}${JSON.stringify(key)}: `;
    return `${head}${formatJson(item, width, inner, head.length)}`;
  });
  return `{\n${lines.join(',\n')}\n${indent}}`;
}
