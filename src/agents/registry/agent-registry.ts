// What the engine knows about its agents, per agent type: instances from their heartbeats, outcomes from
// their results, and the health derived from both. It holds no I/O: feed it heartbeats and results (the
// registry reader does that from Kafka) and ask; every question takes the time it is asked at.
//
// It is the `AgentDirectory` the API serves (`GET /agents`, `GET /agents/{type}/health`) and the
// `AgentCatalog` the definitions validator checks agent actions against.
import type { ActionSchemas, AgentCatalog } from '../../definition/agent-catalog.js';
import type { AgentHeartbeat, AgentResult } from '../../kafka/envelopes.js';
import { declaredJsonSchema } from './declared-schema.js';
import { OutcomeWindow, type ResponseTimes } from './outcome-window.js';

/**
 * - `online`: at least one instance is heartbeating and there is room for more work;
 * - `busy`: every online instance works at its capacity (`in_flight >= capacity`);
 * - `error`: the failure rate over the window is above the threshold (with enough results to tell);
 * - `offline`: no instance has sent a heartbeat within `missedHeartbeats` intervals, or all have stopped.
 * When several hold, the first of offline, error, busy wins.
 */
export type AgentStatus = 'online' | 'offline' | 'busy' | 'error';

export interface AgentInstanceHealth {
  instanceId: string;
  version: string;
  /** `online` or `busy` while heartbeating; `offline` after missed heartbeats or a last heartbeat. */
  status: 'online' | 'busy' | 'offline';
  inFlight: number;
  capacity: number;
  /** `sent_at` of its last heartbeat, epoch ms. */
  lastHeartbeatAt: number;
  /** The heartbeat interval the registry assumes for it: the last gap seen, else the default. */
  heartbeatIntervalMs: number;
  /** True when its last heartbeat was the graceful-stop one (capacity 0). */
  stopped: boolean;
  actions: string[];
}

export interface AgentActionInfo {
  name: string;
  description: string | null;
}

/** The health of one agent type: the answer to `GET /agents/{type}/health`. */
export interface AgentHealth {
  type: string;
  status: AgentStatus;
  /** Versions of the online instances (of all instances when none is online), newest heartbeat first. */
  versions: string[];
  /** Actions advertised by the online instances (the latest known ones when none is online). */
  actions: AgentActionInfo[];
  instances: AgentInstanceHealth[];
  load: {
    /** Commands being worked on now, over online instances. */
    inFlight: number;
    /** Commands the online instances take at once. */
    capacity: number;
    /** inFlight / capacity, 0..1; null without capacity. */
    utilisation: number | null;
  };
  /** Response times (result `duration_ms`) over the window; null without results in it. */
  responseTimeMs: ResponseTimes | null;
  results: { succeeded: number; failed: number };
  /** failed / (succeeded + failed) over the window; null without results. Cancellations do not count. */
  errorRate: number | null;
  /** Share of the window (since the registry first saw the type) with at least one instance online, 0..1. */
  availability: number;
  windowMs: number;
  lastHeartbeatAt: number;
  /** When this answer was computed. */
  checkedAt: number;
}

/** One line of `GET /agents`. */
export interface AgentSummary {
  type: string;
  status: AgentStatus;
  versions: string[];
  actions: string[];
  instances: { online: number; total: number };
  load: { inFlight: number; capacity: number };
  errorRate: number | null;
  p95Ms: number | null;
  availability: number;
  lastHeartbeatAt: number;
}

/** What the API needs from the registry. */
export interface AgentDirectory {
  /** Every agent type seen, sorted by type. */
  list(): AgentSummary[];
  /** One type's health, or undefined when no instance of it was ever seen (or all were forgotten). */
  health(agentType: string): AgentHealth | undefined;
}

export interface AgentRegistryOptions {
  /** Assumed heartbeat interval until an instance's own is seen. Default 5 000 ms (the SDK's). */
  heartbeatIntervalMs?: number;
  /** An instance is offline after this many intervals without a heartbeat. Default 3. */
  missedHeartbeats?: number;
  /** The window of response times, error rate and availability. Default 5 minutes. */
  windowMs?: number;
  /** Outcomes kept per type at most. Default 10 000. */
  maxOutcomesPerType?: number;
  /** The failure rate above which a type is in `error`. Default 0.5. */
  errorRateThreshold?: number;
  /** Results in the window needed before the error rate can put a type in `error`. Default 5. */
  minResultsForError?: number;
  /** Instances offline (stopped, or silent for missedHeartbeats intervals) are dropped after this long. Default 5 minutes. */
  forgetAfterMs?: number;
  now?: () => number;
}

/**
 * How long an instance that went offline stays listed (as offline) before the registry drops it: long
 * enough to see that it died, short enough that a fleet restarted a few times does not list every
 * instance it ever had. A type whose instances are all dropped is no longer listed.
 */
export const DEFAULT_FORGET_AFTER_MS = 5 * 60_000;

/** Result error codes that say nothing about the agent's health. */
const NOT_AGENT_FAILURES = new Set(['CANCELLED']);
/** Bounds on a learnt heartbeat interval, so one odd gap does not declare an agent dead or immortal. */
const MIN_INTERVAL_MS = 50;
const MAX_INTERVAL_MS = 5 * 60_000;

interface Instance {
  heartbeat: AgentHeartbeat;
  intervalMs: number;
  /** Times this instance counted as online, merged, oldest first: [from, to). */
  coverage: [number, number][];
}

interface TypeRecord {
  instances: Map<string, Instance>;
  outcomes: OutcomeWindow;
  firstSeenAt: number;
}

export class AgentRegistry implements AgentDirectory, AgentCatalog {
  private readonly types = new Map<string, TypeRecord>();
  /** Every type a heartbeat announced, kept after its instances are forgotten: "ever announced". */
  private readonly announced = new Set<string>();
  private readonly defaultIntervalMs: number;
  private readonly missed: number;
  private readonly windowMs: number;
  private readonly maxOutcomes: number;
  private readonly errorThreshold: number;
  private readonly minResults: number;
  private readonly forgetAfterMs: number;
  private readonly now: () => number;

  constructor(options: AgentRegistryOptions = {}) {
    this.defaultIntervalMs = options.heartbeatIntervalMs ?? 5_000;
    this.missed = options.missedHeartbeats ?? 3;
    this.windowMs = options.windowMs ?? 5 * 60_000;
    this.maxOutcomes = options.maxOutcomesPerType ?? 10_000;
    this.errorThreshold = options.errorRateThreshold ?? 0.5;
    this.minResults = options.minResultsForError ?? 5;
    this.forgetAfterMs = options.forgetAfterMs ?? DEFAULT_FORGET_AFTER_MS;
    this.now = options.now ?? Date.now;
  }

  private record(type: string, at: number): TypeRecord {
    let record = this.types.get(type);
    if (!record) {
      record = {
        instances: new Map(),
        outcomes: new OutcomeWindow({ windowMs: this.windowMs, maxEntries: this.maxOutcomes }),
        firstSeenAt: at,
      };
      this.types.set(type, record);
    }
    return record;
  }

  /** Takes an instance's heartbeat; an older one than what is known is ignored. */
  observeHeartbeat(heartbeat: AgentHeartbeat): void {
    this.announced.add(heartbeat.agent_type);
    const record = this.record(heartbeat.agent_type, Math.min(heartbeat.sent_at, this.now()));
    record.firstSeenAt = Math.min(record.firstSeenAt, heartbeat.sent_at);
    const known = record.instances.get(heartbeat.instance_id);
    if (known && known.heartbeat.sent_at > heartbeat.sent_at) return;
    let intervalMs = known?.intervalMs ?? this.defaultIntervalMs;
    if (known && heartbeat.sent_at > known.heartbeat.sent_at) {
      intervalMs = clamp(heartbeat.sent_at - known.heartbeat.sent_at, MIN_INTERVAL_MS, MAX_INTERVAL_MS);
    }
    const coverage = known?.coverage ?? [];
    const start = heartbeat.sent_at;
    const last = coverage[coverage.length - 1];
    if (heartbeat.capacity === 0) {
      // The graceful-stop heartbeat: the instance stops counting as online from now.
      if (last && last[1] > start) last[1] = Math.max(last[0], start);
    } else {
      const end = start + intervalMs * this.missed;
      if (last && last[1] >= start) last[1] = Math.max(last[1], end);
      else coverage.push([start, end]);
    }
    record.instances.set(heartbeat.instance_id, { heartbeat, intervalMs, coverage });
  }

  /** Forgets an instance (a tombstone on the compacted heartbeats topic). */
  forgetInstance(agentType: string, instanceId: string): void {
    const record = this.types.get(agentType);
    record?.instances.delete(instanceId);
    if (record && record.instances.size === 0) this.types.delete(agentType);
  }

  /** Counts an outcome of a command; `failed` outcomes feed the error rate. */
  observeOutcome(agentType: string, outcome: { at: number; durationMs: number; failed: boolean }): void {
    this.record(agentType, outcome.at).outcomes.add({
      at: outcome.at,
      durationMs: Math.max(0, outcome.durationMs),
      failed: outcome.failed,
    });
  }

  /** Counts a result from the results topic. A cancellation is not held against the agent. */
  observeResult(result: AgentResult): void {
    const code = result.error?.code;
    if (result.status === 'FAILED' && code && NOT_AGENT_FAILURES.has(code)) return;
    this.observeOutcome(result.agent_type, {
      at: result.completed_at,
      durationMs: result.duration_ms,
      failed: result.status === 'FAILED',
    });
  }

  announcedTypes(): readonly string[] {
    return [...this.announced].sort();
  }

  /** The schemas the newest heartbeat declaring `action` announced (JSON Schema, or Avro translated). */
  actionSchemas(agentType: string, action: string): ActionSchemas | undefined {
    const instances = [...(this.types.get(agentType)?.instances.values() ?? [])].sort(
      (a, b) => b.heartbeat.sent_at - a.heartbeat.sent_at,
    );
    for (const { heartbeat } of instances) {
      const declared = heartbeat.actions.find((entry) => entry.name === action);
      if (!declared) continue;
      const input = declaredJsonSchema(declared.input_schema_json);
      const output = declaredJsonSchema(declared.output_schema_json);
      if (input === undefined && output === undefined) return undefined;
      return { ...(input === undefined ? {} : { input }), ...(output === undefined ? {} : { output }) };
    }
    return undefined;
  }

  actionsOf(agentType: string): readonly string[] | undefined {
    const health = this.health(agentType);
    if (!health || health.actions.length === 0) return undefined;
    return health.actions.map((action) => action.name);
  }

  list(): AgentSummary[] {
    const now = this.now();
    return [...this.types.keys()].sort().flatMap((type) => {
      const health = this.healthAt(type, now);
      if (!health) return [];
      const online = health.instances.filter((instance) => instance.status !== 'offline').length;
      return [
        {
          type,
          status: health.status,
          versions: health.versions,
          actions: health.actions.map((action) => action.name),
          instances: { online, total: health.instances.length },
          load: { inFlight: health.load.inFlight, capacity: health.load.capacity },
          errorRate: health.errorRate,
          p95Ms: health.responseTimeMs?.p95 ?? null,
          availability: health.availability,
          lastHeartbeatAt: health.lastHeartbeatAt,
        },
      ];
    });
  }

  health(agentType: string): AgentHealth | undefined {
    return this.healthAt(agentType, this.now());
  }

  private healthAt(type: string, now: number): AgentHealth | undefined {
    const record = this.types.get(type);
    if (!record) return undefined;
    this.forgetStale(record, now);
    if (record.instances.size === 0) return undefined;

    const instances = [...record.instances.values()]
      .sort((a, b) => b.heartbeat.sent_at - a.heartbeat.sent_at)
      .map((instance) => this.instanceHealth(instance, now));
    const online = instances.filter((instance) => instance.status !== 'offline');
    const inFlight = online.reduce((sum, instance) => sum + instance.inFlight, 0);
    const capacity = online.reduce((sum, instance) => sum + instance.capacity, 0);
    const counts = record.outcomes.counts(now);
    const total = counts.succeeded + counts.failed;
    const errorRate = total === 0 ? null : counts.failed / total;

    let status: AgentStatus = 'online';
    if (online.length === 0) status = 'offline';
    else if (errorRate !== null && total >= this.minResults && errorRate > this.errorThreshold)
      status = 'error';
    else if (capacity > 0 && inFlight >= capacity) status = 'busy';

    const advertising = online.length > 0 ? online : instances.slice(0, 1);
    const actions = new Map<string, AgentActionInfo>();
    for (const instance of advertising) {
      const heartbeat = record.instances.get(instance.instanceId)!.heartbeat;
      for (const action of heartbeat.actions) {
        if (!actions.has(action.name)) {
          actions.set(action.name, { name: action.name, description: action.description ?? null });
        }
      }
    }
    const versions = [
      ...new Set((online.length > 0 ? online : instances).map((instance) => instance.version)),
    ];

    return {
      type,
      status,
      versions,
      actions: [...actions.values()].sort((a, b) => a.name.localeCompare(b.name)),
      instances,
      load: { inFlight, capacity, utilisation: capacity > 0 ? Math.min(1, inFlight / capacity) : null },
      responseTimeMs: record.outcomes.responseTimes(now),
      results: counts,
      errorRate,
      availability: this.availability(record, now),
      windowMs: this.windowMs,
      lastHeartbeatAt: instances[0]!.lastHeartbeatAt,
      checkedAt: now,
    };
  }

  private instanceHealth(instance: Instance, now: number): AgentInstanceHealth {
    const { heartbeat, intervalMs } = instance;
    const stopped = heartbeat.capacity === 0;
    const alive = !stopped && now - heartbeat.sent_at <= intervalMs * this.missed;
    return {
      instanceId: heartbeat.instance_id,
      version: heartbeat.version,
      status: !alive ? 'offline' : heartbeat.in_flight >= heartbeat.capacity ? 'busy' : 'online',
      inFlight: alive ? heartbeat.in_flight : 0,
      capacity: alive ? heartbeat.capacity : 0,
      lastHeartbeatAt: heartbeat.sent_at,
      heartbeatIntervalMs: intervalMs,
      stopped,
      actions: heartbeat.actions.map((action) => action.name),
    };
  }

  /** Drops instances offline for longer than forgetAfterMs and coverage older than the window. */
  private forgetStale(record: TypeRecord, now: number): void {
    const from = now - this.windowMs;
    for (const [id, instance] of record.instances) {
      const lastOnline = instance.coverage[instance.coverage.length - 1]?.[1] ?? instance.heartbeat.sent_at;
      if (now - Math.max(lastOnline, instance.heartbeat.sent_at) > this.forgetAfterMs) {
        record.instances.delete(id);
        continue;
      }
      while (instance.coverage.length > 1 && instance.coverage[0]![1] < from) instance.coverage.shift();
    }
  }

  /** The share of [max(window start, first seen), now] covered by at least one online instance. */
  private availability(record: TypeRecord, now: number): number {
    const from = Math.max(now - this.windowMs, Math.min(record.firstSeenAt, now));
    if (now <= from) {
      return [...record.instances.values()].some(
        (instance) => this.instanceHealth(instance, now).status !== 'offline',
      )
        ? 1
        : 0;
    }
    const spans = [...record.instances.values()]
      .flatMap((instance) => instance.coverage)
      .map(([start, end]): [number, number] => [Math.max(start, from), Math.min(end, now)])
      .filter(([start, end]) => end > start)
      .sort((a, b) => a[0] - b[0]);
    let covered = 0;
    let reach = from;
    for (const [start, end] of spans) {
      if (end <= reach) continue;
      covered += end - Math.max(start, reach);
      reach = end;
    }
    return Math.round((covered / (now - from)) * 10_000) / 10_000;
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
