// The one registry of Percolator's Lua scripts (each lives in lua/ with a header: KEYS, ARGV, return codes).
// Every script is defined on an ioredis connection here and nowhere else. ioredis sends EVAL the first time a
// script runs on a socket and EVALSHA afterwards, and resends on NOSCRIPT (after a restart or SCRIPT FLUSH),
// also inside pipelines, so callers never load scripts themselves.
import type { ChainableCommander, Redis } from 'ioredis';
import { ACK_OUTBOX_LUA } from './lua/ack-outbox.js';
import { ADMIT_LUA, RELEASE_LUA, WITHDRAW_LUA } from './lua/admission.js';
import { LEASE_COMMIT_LUA, LEASE_HOLD_LUA, LEASE_RELEASE_LUA } from './lua/scheduler-lease.js';
import { TIMER_ACK_LUA } from './lua/timer-ack.js';
import { TIMER_CANCEL_LUA } from './lua/timer-cancel.js';
import { TIMER_CLAIM_LUA } from './lua/timer-claim.js';
import { TIMER_SCHEDULE_LUA } from './lua/timer-schedule.js';
import { TRANSITION_LUA } from './lua/transition.js';

type Arg = string | number | Buffer;

/** The scripts as commands of a client on which defineScripts() ran; `...Buffer` variants answer bytes. */
export interface ScriptCommands {
  percolatorReleaseBuffer(
    inflight: string,
    queue: string,
    parked: string,
    limit: number,
    ...ids: string[]
  ): Promise<Buffer[]>;
  percolatorWithdrawBuffer(
    inflight: string,
    queue: string,
    parked: string,
    id: string,
  ): Promise<Buffer | null>;
  percolatorLeaseHold(lease: string, epoch: string, token: string, ttlMs: number): Promise<string | null>;
  percolatorLeaseCommit(lease: string, last: string, leaseValue: string, ...pairs: string[]): Promise<number>;
  percolatorLeaseRelease(lease: string, leaseValue: string): Promise<number>;
}

/** A pipeline that also knows the scripts; each method queues one script call. */
export interface ScriptedPipeline extends ChainableCommander {
  percolatorTransitionBuffer(stateKey: string, outboxKey: string, ...args: Arg[]): ScriptedPipeline;
  percolatorAckOutbox(outboxKey: string, ...ids: string[]): ScriptedPipeline;
  percolatorTimerSchedule(due: string, inflight: string, data: string, ...args: Arg[]): ScriptedPipeline;
  percolatorTimerClaim(due: string, inflight: string, data: string, ...args: Arg[]): ScriptedPipeline;
  percolatorTimerAck(due: string, inflight: string, data: string, ...ids: string[]): ScriptedPipeline;
  percolatorTimerCancel(due: string, inflight: string, data: string, ...ids: string[]): ScriptedPipeline;
  percolatorAdmit(
    inflight: string,
    queue: string,
    parked: string,
    id: string,
    limit: number,
    record: Buffer,
  ): ScriptedPipeline;
}

const SCRIPTS: Record<string, { lua: string; numberOfKeys: number }> = {
  percolatorTransition: { lua: TRANSITION_LUA, numberOfKeys: 2 },
  percolatorAckOutbox: { lua: ACK_OUTBOX_LUA, numberOfKeys: 1 },
  percolatorTimerSchedule: { lua: TIMER_SCHEDULE_LUA, numberOfKeys: 3 },
  percolatorTimerClaim: { lua: TIMER_CLAIM_LUA, numberOfKeys: 3 },
  percolatorTimerAck: { lua: TIMER_ACK_LUA, numberOfKeys: 3 },
  percolatorTimerCancel: { lua: TIMER_CANCEL_LUA, numberOfKeys: 3 },
  percolatorAdmit: { lua: ADMIT_LUA, numberOfKeys: 3 },
  percolatorRelease: { lua: RELEASE_LUA, numberOfKeys: 3 },
  percolatorWithdraw: { lua: WITHDRAW_LUA, numberOfKeys: 3 },
  percolatorLeaseHold: { lua: LEASE_HOLD_LUA, numberOfKeys: 2 },
  percolatorLeaseCommit: { lua: LEASE_COMMIT_LUA, numberOfKeys: 2 },
  percolatorLeaseRelease: { lua: LEASE_RELEASE_LUA, numberOfKeys: 1 },
};

const registered = new WeakSet<Redis>();

/** Defines every script on `redis` (once per client) and returns it typed with the script commands. */
export function defineScripts(redis: Redis): Redis & ScriptCommands {
  if (!registered.has(redis)) {
    for (const [name, definition] of Object.entries(SCRIPTS)) redis.defineCommand(name, definition);
    registered.add(redis);
  }
  return redis as Redis & ScriptCommands;
}

/** Defines the scripts on `redis` once; returns a factory of pipelines that can call them. */
export function scriptedPipelines(redis: Redis): () => ScriptedPipeline {
  defineScripts(redis);
  return () => redis.pipeline() as ScriptedPipeline;
}
