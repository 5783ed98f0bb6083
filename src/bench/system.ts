// The contract between the driver and each system under test: open a run of one workload, start
// workflows by id in batches, report each one's end to the sink, and clean everything up afterwards.
import type { PercolatorConfig } from '../config/config.js';
import type { SystemName, WorkloadName } from './report.js';

export interface CompletionSink {
  completed(workflowId: string): void;
  failed(workflowId: string): void;
}

export interface BenchContext {
  config: PercolatorConfig;
  /** Unique to this system and workload: every topic, group and key the run creates starts with it. */
  prefix: string;
  /** The ~0.5 KB string every step passes along. */
  payload: string;
  log: (line: string) => void;
}

export interface SystemRun {
  /** Starts one workflow per id, in one batch where the system allows it. */
  start(ids: readonly string[]): Promise<void>;
  /** Mean time an agent handler took so far, in ms. */
  agentMs(): number;
  /** Processes that belong to this run beside this one (a peer's server): their CPU and RSS count. */
  extraPids(): number[];
  /** Stops everything the run started and deletes its topics, groups and keys. */
  close(): Promise<void>;
}

export interface BenchSystem {
  name: SystemName;
  /** How durable an acknowledged step is, for the report. */
  durability: string;
  /** Whether its state lives in the shared Redis (else the Redis memory figure means nothing for it). */
  usesRedis: boolean;
  /** Throws SystemUnavailable when the system cannot be installed or started here. */
  open(workload: WorkloadName, sink: CompletionSink, context: BenchContext): Promise<SystemRun>;
}

/** The system cannot run on this machine; the bench prints the reason and goes on with the others. */
export class SystemUnavailable extends Error {
  override readonly name = 'SystemUnavailable';
}

/** Times an echo handler's calls so the per-hop overhead can leave the agent's own time out. */
export class HandlerClock {
  private totalMs = 0;
  private calls = 0;

  time<T>(work: () => T): T {
    const started = performance.now();
    try {
      return work();
    } finally {
      this.totalMs += performance.now() - started;
      this.calls++;
    }
  }

  meanMs(): number {
    return this.calls === 0 ? 0 : this.totalMs / this.calls;
  }
}
