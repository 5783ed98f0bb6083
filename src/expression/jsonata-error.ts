// JSONata throws plain objects (not Error instances) carrying a code, a position and a message; this module is
// the one place that knows their shape.

export interface JsonataFailure {
  readonly code: string;
  readonly message: string;
  /** 1-based character offset of the offending token's start, when JSONata reported one. */
  readonly position?: number;
}

export function toJsonataFailure(thrown: unknown): JsonataFailure {
  if (typeof thrown !== 'object' || thrown === null) {
    return { code: 'UNKNOWN', message: String(thrown) };
  }
  const record = thrown as { code?: unknown; message?: unknown; position?: unknown; token?: unknown };
  const code = typeof record.code === 'string' ? record.code : 'UNKNOWN';
  const message = typeof record.message === 'string' ? record.message : String(thrown);
  const position = startPosition(record.position, record.token);
  return position === undefined ? { code, message } : { code, message, position };
}

// JSONata's `position` is the offset just past the token it stopped at; users want where the token starts.
function startPosition(position: unknown, token: unknown): number | undefined {
  if (typeof position !== 'number' || !Number.isFinite(position)) return undefined;
  const tokenLength = typeof token === 'string' && token !== '(end)' ? token.length : 0;
  return Math.max(1, position - tokenLength + (tokenLength > 0 ? 1 : 0));
}
