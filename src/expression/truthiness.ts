// The rule that turns a condition's result into yes/no. It is JSONata's own `$boolean()` rule, so a condition
// means the same thing whether it is written `x` or `$boolean(x)`.

export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.some((item: unknown) => isTruthy(item));
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return false;
}
