// Registers the state layer's Lua scripts on an ioredis connection. ioredis sends EVAL the first time a
// script runs on a socket and EVALSHA afterwards, and resends on NOSCRIPT (after a restart or SCRIPT FLUSH),
// also inside pipelines, so callers never load scripts themselves.
import type { ChainableCommander, Redis } from 'ioredis';
import { ACK_OUTBOX_LUA } from './lua/ack-outbox.js';
import { TIMER_ACK_LUA } from './lua/timer-ack.js';
import { TIMER_CANCEL_LUA } from './lua/timer-cancel.js';
import { TIMER_CLAIM_LUA } from './lua/timer-claim.js';
import { TIMER_SCHEDULE_LUA } from './lua/timer-schedule.js';
import { TRANSITION_LUA } from './lua/transition.js';

type Arg = string | number | Buffer;

/** A pipeline that also knows the scripts; each method queues one script call. */
export interface ScriptedPipeline extends ChainableCommander {
  percolatorTransitionBuffer(stateKey: string, outboxKey: string, ...args: Arg[]): ScriptedPipeline;
  percolatorAckOutbox(outboxKey: string, ...ids: string[]): ScriptedPipeline;
  percolatorTimerSchedule(due: string, inflight: string, data: string, ...args: Arg[]): ScriptedPipeline;
  percolatorTimerClaim(due: string, inflight: string, data: string, ...args: Arg[]): ScriptedPipeline;
  percolatorTimerAck(due: string, inflight: string, data: string, ...ids: string[]): ScriptedPipeline;
  percolatorTimerCancel(due: string, inflight: string, data: string, ...ids: string[]): ScriptedPipeline;
}

const SCRIPTS: Record<string, { lua: string; numberOfKeys: number }> = {
  percolatorTransition: { lua: TRANSITION_LUA, numberOfKeys: 2 },
  percolatorAckOutbox: { lua: ACK_OUTBOX_LUA, numberOfKeys: 1 },
  percolatorTimerSchedule: { lua: TIMER_SCHEDULE_LUA, numberOfKeys: 3 },
  percolatorTimerClaim: { lua: TIMER_CLAIM_LUA, numberOfKeys: 3 },
  percolatorTimerAck: { lua: TIMER_ACK_LUA, numberOfKeys: 3 },
  percolatorTimerCancel: { lua: TIMER_CANCEL_LUA, numberOfKeys: 3 },
};

const registered = new WeakSet<Redis>();

/** Defines the scripts on `redis` once; returns a factory of pipelines that can call them. */
export function scriptedPipelines(redis: Redis): () => ScriptedPipeline {
  if (!registered.has(redis)) {
    for (const [name, definition] of Object.entries(SCRIPTS)) redis.defineCommand(name, definition);
    registered.add(redis);
  }
  return () => redis.pipeline() as ScriptedPipeline;
}
