// Small typed readers for environment values. Each throws ConfigError naming the variable and what it expected,
// so start-up stops with a message an operator can act on.

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly retriable = false;
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Collects every problem instead of stopping at the first, so one start-up attempt reports them all. */
export class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string, fallback: string): string {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? fallback : value.trim();
  }

  optionalString(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optionalString(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.problems.push(`${name}=${JSON.stringify(raw)}: expected an integer from ${min} to ${max}`);
      return fallback;
    }
    return Number(raw);
  }

  url(name: string, fallback: string, protocols: readonly string[]): string {
    return this.checkUrl(name, this.string(name, fallback), protocols);
  }

  optionalUrl(name: string, protocols: readonly string[]): string | undefined {
    const raw = this.optionalString(name);
    return raw === undefined ? undefined : this.checkUrl(name, raw, protocols);
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.string(name, fallback).toLowerCase();
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name}=${JSON.stringify(raw)}: expected one of ${allowed.join(', ')}`);
      return fallback;
    }
    return raw as T;
  }

  /** Comma-separated host:port list, as Kafka clients take it. */
  hostPorts(name: string, fallback: string): string[] {
    const raw = this.string(name, fallback);
    const entries = raw
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const bad = entries.filter(
      (entry) => !/^[A-Za-z0-9._-]+:\d{1,5}$/.test(entry) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(entry),
    );
    if (entries.length === 0 || bad.length > 0) {
      this.problems.push(`${name}=${JSON.stringify(raw)}: expected a comma-separated list of host:port`);
      return fallback.split(',');
    }
    return entries;
  }

  private checkUrl(name: string, raw: string, protocols: readonly string[]): string {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      this.problems.push(`${name}=${JSON.stringify(raw)}: expected a URL such as ${protocols[0]}//host:port`);
      return raw;
    }
    if (!protocols.includes(parsed.protocol)) {
      this.problems.push(
        `${name}=${JSON.stringify(raw)}: expected a URL with scheme ${protocols.join(' or ')}`,
      );
    }
    return raw;
  }
}
