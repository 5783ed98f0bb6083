// The CLI's client of the admin API: JSON in and out, the configured credential attached, problem documents
// turned into errors that say what the server said; and what the API commands share (output, exit codes).
import { loadConfig } from '../config/config.js';

export interface ApiClientOptions {
  baseUrl: string;
  /** A bearer token, or an API key (`pk_...`), sent as X-API-Key. */
  credential?: string;
  fetch?: typeof fetch;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Record<string, unknown> | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export class ApiClient {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ApiClientOptions) {
    this.fetch = options.fetch ?? fetch;
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: { json: unknown } | { text: string; contentType: string },
    headers: Record<string, string> = {},
  ): Promise<T> {
    const all: Record<string, string> = { accept: 'application/json', ...headers };
    const credential = this.options.credential;
    if (credential) {
      if (credential.startsWith('pk_')) all['x-api-key'] = credential;
      else all.authorization = `Bearer ${credential}`;
    }
    let payload: string | undefined;
    if (body && 'json' in body) {
      payload = JSON.stringify(body.json);
      all['content-type'] = 'application/json';
    } else if (body) {
      payload = body.text;
      all['content-type'] = body.contentType;
    }
    const url = new URL(path, this.options.baseUrl);
    let response: Response;
    try {
      response = await this.fetch(url, {
        method,
        headers: all,
        ...(payload === undefined ? {} : { body: payload }),
      });
    } catch (error) {
      throw new ApiError(0, undefined, `cannot reach ${url.origin}: ${(error as Error).message}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const problem =
        typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
      throw new ApiError(response.status, problem, describeProblem(response.status, problem, text));
    }
    return parsed as T;
  }
}

function describeProblem(status: number, problem: Record<string, unknown> | undefined, text: string): string {
  if (!problem) return `HTTP ${status}: ${text.slice(0, 200)}`;
  const lines = [`HTTP ${status} ${String(problem.title ?? '')}: ${String(problem.detail ?? '')}`];
  if (Array.isArray(problem.errors)) {
    for (const entry of problem.errors as Record<string, unknown>[]) {
      const where =
        entry.line === undefined
          ? String(entry.pointer ?? '')
          : `${String(entry.line)}:${String(entry.column)}`;
      lines.push(`  ${where} ${String(entry.message ?? '')}${entry.rule ? ` [${String(entry.rule)}]` : ''}`);
    }
  }
  return lines.join('\n');
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Builds the API client; tests point it elsewhere. */
  client(): ApiClient;
  setExitCode(code: number): void;
}

export const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  client: () => {
    const config = loadConfig();
    return new ApiClient({
      baseUrl: config.percolatorUrl,
      ...(config.percolatorToken ? { credential: config.percolatorToken } : {}),
    });
  },
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/** Runs an action, printing an API failure on stderr with exit code 1 instead of a stack. */
export async function guarded(io: CliIo, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof Error && error.name === 'ApiError') {
      io.err(`percolator: ${error.message}`);
      io.setExitCode(EXIT_FAILED);
      return;
    }
    throw error;
  }
}

export function encodeRef(ref: string): string {
  return encodeURIComponent(ref);
}
