// What one transition came to. Refusals are expected outcomes and therefore data; this file holds the one
// function that maps the percolatorTransition script's return codes to them.
import { PercolatorError } from '../errors.js';
import { outboxEntriesFrom, outboxId, type OutboxEntry } from './outbox-framing.js';

/** Return codes of the percolatorTransition script (see its header). */
export const TransitionCode = {
  Applied: 1,
  VersionConflict: -1,
  DuplicateInput: -2,
} as const;

export type TransitionResult =
  | {
      outcome: 'applied';
      executionId: string;
      version: number;
      /** Ids of the records this transition appended, in order; ack them once published. */
      outboxIds: string[];
    }
  | {
      /** The stored version is not the one the caller loaded: a zombie after a rebalance, or a race. */
      outcome: 'conflict';
      executionId: string;
      /** 0 when the execution does not exist. */
      storedVersion: number;
    }
  | {
      /** The input took effect before; re-publish `outbox`, which holds what is still unacknowledged. */
      outcome: 'duplicate';
      executionId: string;
      storedVersion: number;
      outbox: OutboxEntry[];
    };

/**
 * Maps a the percolatorTransition script reply (fetched with the Buffer variant of the command) to a result. `appended` is
 * how many records the transition carried, to name the outbox ids it created.
 */
export function interpretTransitionReply(
  executionId: string,
  reply: unknown,
  appended: number,
): TransitionResult {
  if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') {
    throw unexpected(executionId, reply);
  }
  const [code, version] = reply as [number, number];
  switch (code) {
    case TransitionCode.Applied:
      return {
        outcome: 'applied',
        executionId,
        version,
        outboxIds: Array.from({ length: appended }, (_, n) => outboxId(version, n)),
      };
    case TransitionCode.VersionConflict:
      return { outcome: 'conflict', executionId, storedVersion: version };
    case TransitionCode.DuplicateInput:
      return {
        outcome: 'duplicate',
        executionId,
        storedVersion: version,
        outbox: outboxEntries(reply.slice(2)),
      };
    default:
      throw unexpected(executionId, reply);
  }
}

/** Entries from a flat list of id, framed record, ... (HGETALL's shape), in publishing order. */
export function outboxEntries(flat: unknown[]): OutboxEntry[] {
  const pairs: [string, Buffer][] = [];
  for (let n = 0; n + 1 < flat.length; n += 2) {
    const id = flat[n];
    const frame = flat[n + 1];
    if (!Buffer.isBuffer(id) || !Buffer.isBuffer(frame)) {
      throw new PercolatorError('STATE_UNEXPECTED_REPLY', 'outbox entries must come back as buffers', false);
    }
    pairs.push([id.toString('utf8'), frame]);
  }
  return outboxEntriesFrom(pairs);
}

function unexpected(executionId: string, reply: unknown): PercolatorError {
  return new PercolatorError(
    'STATE_UNEXPECTED_REPLY',
    `transition of ${executionId} answered ${JSON.stringify(reply)}`,
    false,
  );
}
