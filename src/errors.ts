// Infrastructure errors carry a stable `code` and whether retrying can help; one retry helper reads `retriable`.

export class PercolatorError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PercolatorError';
  }
}

export function isRetriable(error: unknown): boolean {
  return error instanceof PercolatorError ? error.retriable : false;
}

export interface RetryOptions {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** Retries only errors that say they are retriable, with capped exponential backoff. */
export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  let delay = options.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= options.attempts || !isRetriable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, options.maxDelayMs);
    }
  }
}
