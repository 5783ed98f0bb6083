// Turns whatever ioredis throws into a PercolatorError that says whether a retry can help.
import { ReplyError, type ChainableCommander } from 'ioredis';
import { PercolatorError } from '../errors.js';

// Reply errors that describe a passing condition of the server rather than a bug in the request.
const TRANSIENT_REPLIES = ['BUSY', 'LOADING', 'TRYAGAIN', 'CLUSTERDOWN', 'MASTERDOWN', 'READONLY', 'OOM'];

export function toStateError(error: unknown, action: string): PercolatorError {
  if (error instanceof PercolatorError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ReplyError) {
    const transient = TRANSIENT_REPLIES.some((prefix) => message.startsWith(prefix));
    return new PercolatorError(
      transient ? 'STATE_UNAVAILABLE' : 'STATE_REDIS_ERROR',
      `${action}: ${message}`,
      transient,
      { cause: error },
    );
  }
  // Anything that is not a reply is about the connection (closed, refused, timed out, retries exhausted).
  return new PercolatorError('STATE_UNAVAILABLE', `${action}: ${message}`, true, { cause: error });
}

/** Runs a pipeline and returns its results in order, or throws its first failure as a PercolatorError. */
export async function execPipeline(pipeline: ChainableCommander, action: string): Promise<unknown[]> {
  let results: [error: Error | null, result: unknown][] | null;
  try {
    results = await pipeline.exec();
  } catch (error) {
    throw toStateError(error, action);
  }
  if (results === null) throw new PercolatorError('STATE_UNAVAILABLE', `${action}: pipeline discarded`, true);
  return results.map(([error, result]) => {
    if (error) throw toStateError(error, action);
    return result;
  });
}
