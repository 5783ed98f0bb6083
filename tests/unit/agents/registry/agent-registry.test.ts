import { describe, expect, it } from 'vitest';
import { AgentRegistry, OutcomeWindow, percentile } from '../../../../src/agents/registry/index.js';
import { DEFAULT_FORGET_AFTER_MS } from '../../../../src/agents/registry/agent-registry.js';
import type { AgentHeartbeat, AgentResult } from '../../../../src/kafka/envelopes.js';

const T0 = 1_700_000_000_000;

function heartbeat(overrides: Partial<AgentHeartbeat> = {}): AgentHeartbeat {
  return {
    agent_type: 'writer',
    instance_id: 'writer-1',
    version: '1.0.0',
    actions: [
      { name: 'create_content', description: 'Writes', input_schema_json: null, output_schema_json: null },
      { name: 'enhance_content', description: null, input_schema_json: null, output_schema_json: null },
    ],
    in_flight: 0,
    capacity: 4,
    sent_at: T0,
    ...overrides,
  };
}

function result(overrides: Partial<AgentResult> = {}): AgentResult {
  return {
    command_id: 'c',
    execution_id: 'e',
    step_id: 's',
    attempt: 1,
    status: 'SUCCEEDED',
    output_json: '{}',
    error: null,
    agent_id: 'writer-1',
    agent_type: 'writer',
    duration_ms: 100,
    token_usage: null,
    completed_at: T0,
    ...overrides,
  };
}

function clock(start = T0) {
  const time = { now: start };
  return { time, now: () => time.now };
}

describe('percentile', () => {
  it('is the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1); // 1..100
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
  });
});

describe('OutcomeWindow', () => {
  it('computes percentiles of known durations over the window only', () => {
    const window = new OutcomeWindow({ windowMs: 60_000, maxEntries: 1000 });
    window.add({ at: T0 - 120_000, durationMs: 99_999, failed: true }); // outside the window
    for (let ms = 1; ms <= 200; ms++) window.add({ at: T0, durationMs: ms * 10, failed: ms % 10 === 0 });
    expect(window.responseTimes(T0)).toEqual({
      count: 200,
      p50: 1000,
      p95: 1900,
      p99: 1980,
      mean: 1005,
      max: 2000,
    });
    expect(window.counts(T0)).toEqual({ succeeded: 180, failed: 20 });
    expect(window.responseTimes(T0 + 61_000)).toBeNull();
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const window = new OutcomeWindow({ windowMs: 60_000, maxEntries: 3 });
    for (const durationMs of [1, 2, 3, 4, 5]) window.add({ at: T0, durationMs, failed: false });
    expect(window.current(T0).map((outcome) => outcome.durationMs)).toEqual([3, 4, 5]);
  });
});

describe('AgentRegistry', () => {
  it('knows nothing before a heartbeat, then the type online with its actions', () => {
    const { now } = clock();
    const registry = new AgentRegistry({ now });
    expect(registry.list()).toEqual([]);
    expect(registry.health('writer')).toBeUndefined();
    expect(registry.actionsOf('writer')).toBeUndefined();

    registry.observeHeartbeat(heartbeat({ in_flight: 1 }));
    expect(registry.actionsOf('writer')).toEqual(['create_content', 'enhance_content']);
    expect(registry.health('writer')).toMatchObject({
      type: 'writer',
      status: 'online',
      versions: ['1.0.0'],
      load: { inFlight: 1, capacity: 4, utilisation: 0.25 },
      responseTimeMs: null,
      errorRate: null,
      availability: 1,
      instances: [{ instanceId: 'writer-1', status: 'online', heartbeatIntervalMs: 5000, stopped: false }],
    });
    expect(registry.list()).toEqual([
      {
        type: 'writer',
        status: 'online',
        versions: ['1.0.0'],
        actions: ['create_content', 'enhance_content'],
        instances: { online: 1, total: 1 },
        load: { inFlight: 1, capacity: 4 },
        errorRate: null,
        p95Ms: null,
        availability: 1,
        lastHeartbeatAt: T0,
      },
    ]);
  });

  it('goes offline after three missed intervals, learning the interval from the heartbeats', () => {
    const { time, now } = clock();
    const registry = new AgentRegistry({ now, heartbeatIntervalMs: 5000 });
    registry.observeHeartbeat(heartbeat({ sent_at: T0 }));
    time.now = T0 + 1000;
    registry.observeHeartbeat(heartbeat({ sent_at: T0 + 1000 })); // a 1 s interval
    time.now = T0 + 1000 + 3000;
    expect(registry.health('writer')?.status).toBe('online');
    time.now = T0 + 1000 + 3001;
    expect(registry.health('writer')).toMatchObject({
      status: 'offline',
      load: { inFlight: 0, capacity: 0, utilisation: null },
      instances: [{ status: 'offline', heartbeatIntervalMs: 1000 }],
    });
    // Still known, with its last actions, for the validator.
    expect(registry.actionsOf('writer')).toEqual(['create_content', 'enhance_content']);
  });

  it('takes a capacity-0 heartbeat as a stop: offline at once', () => {
    const { time, now } = clock();
    const registry = new AgentRegistry({ now });
    registry.observeHeartbeat(heartbeat());
    time.now = T0 + 500;
    registry.observeHeartbeat(heartbeat({ sent_at: T0 + 500, capacity: 0, in_flight: 0 }));
    expect(registry.health('writer')).toMatchObject({ status: 'offline', instances: [{ stopped: true }] });
  });

  it('is busy when every online instance works at capacity, and sums instances', () => {
    const { now } = clock();
    const registry = new AgentRegistry({ now });
    registry.observeHeartbeat(heartbeat({ instance_id: 'a', in_flight: 4, capacity: 4 }));
    registry.observeHeartbeat(heartbeat({ instance_id: 'b', in_flight: 1, capacity: 2 }));
    expect(registry.health('writer')).toMatchObject({ status: 'online', load: { inFlight: 5, capacity: 6 } });
    registry.observeHeartbeat(heartbeat({ instance_id: 'b', in_flight: 2, capacity: 2, sent_at: T0 + 1 }));
    expect(registry.health('writer')).toMatchObject({
      status: 'busy',
      load: { inFlight: 6, capacity: 6, utilisation: 1 },
    });
    expect(registry.list()[0]?.instances).toEqual({ online: 2, total: 2 });
  });

  it('is in error above the failure threshold once there are enough results; cancellations do not count', () => {
    const { now } = clock();
    const registry = new AgentRegistry({ now, errorRateThreshold: 0.5, minResultsForError: 5 });
    registry.observeHeartbeat(heartbeat());
    const failed = (code: string) =>
      result({ status: 'FAILED', error: { code, message: 'x', retriable: true, retry_after_ms: null } });
    for (let index = 0; index < 3; index++) registry.observeResult(failed('HTTP_500'));
    expect(registry.health('writer')).toMatchObject({ status: 'online', errorRate: 1 });
    for (let index = 0; index < 10; index++) registry.observeResult(failed('CANCELLED'));
    registry.observeResult(result());
    registry.observeResult(failed('DEADLINE_EXCEEDED'));
    expect(registry.health('writer')).toMatchObject({
      status: 'error',
      results: { succeeded: 1, failed: 4 },
      errorRate: 0.8,
    });
    for (let index = 0; index < 4; index++) registry.observeResult(result());
    expect(registry.health('writer')?.status).toBe('online');
  });

  it('reports response-time percentiles from known observations', () => {
    const { now } = clock();
    const registry = new AgentRegistry({ now });
    registry.observeHeartbeat(heartbeat());
    for (let ms = 1; ms <= 100; ms++)
      registry.observeOutcome('writer', { at: T0, durationMs: ms, failed: false });
    expect(registry.health('writer')?.responseTimeMs).toEqual({
      count: 100,
      p50: 50,
      p95: 95,
      p99: 99,
      mean: 50.5,
      max: 100,
    });
    expect(registry.list()[0]?.p95Ms).toBe(95);
  });

  it('measures availability over the window since the type was first seen', () => {
    const { time, now } = clock();
    const registry = new AgentRegistry({ now, heartbeatIntervalMs: 1000, windowMs: 60_000 });
    // Heartbeats every second for 10 s, then silence: online until 13 s (three intervals after the last).
    for (let second = 0; second <= 10; second++) {
      time.now = T0 + second * 1000;
      registry.observeHeartbeat(heartbeat({ sent_at: time.now }));
    }
    time.now = T0 + 20_000;
    expect(registry.health('writer')?.availability).toBe(0.65);
    time.now = T0 + 13_000;
    expect(registry.health('writer')?.availability).toBe(1);
  });

  it('uses the online instances for actions and versions, and forgets long-gone instances', () => {
    const { time, now } = clock();
    const registry = new AgentRegistry({ now, forgetAfterMs: 60_000 });
    registry.observeHeartbeat(heartbeat({ instance_id: 'old', version: '0.9.0', actions: [] }));
    time.now = T0 + 30_000;
    registry.observeHeartbeat(heartbeat({ instance_id: 'new', version: '1.0.0', sent_at: time.now }));
    expect(registry.health('writer')?.versions).toEqual(['1.0.0']);
    time.now = T0 + 100_000;
    expect(registry.health('writer')?.instances.map((instance) => instance.instanceId)).toEqual(['new']);
    time.now = T0 + 200_000;
    expect(registry.health('writer')).toBeUndefined();
    expect(registry.list()).toEqual([]);
  });

  it('drops an instance five minutes after it went silent or stopped, by default', () => {
    const { time, now } = clock();
    const registry = new AgentRegistry({ now });
    registry.observeHeartbeat(heartbeat({ instance_id: 'crashed' }));
    registry.observeHeartbeat(heartbeat({ instance_id: 'stopped' }));
    registry.observeHeartbeat(heartbeat({ instance_id: 'stopped', sent_at: T0 + 1_000, capacity: 0 }));
    // Heartbeats every 5 s: 'crashed' counts as online until 15 s after its last one.
    for (let at = T0; at <= T0 + 310_000; at += 5_000) {
      registry.observeHeartbeat(heartbeat({ instance_id: 'alive', sent_at: at }));
    }
    time.now = T0 + 15_000 + DEFAULT_FORGET_AFTER_MS - 1_000;
    // The stopped one went offline at its last heartbeat, 14 s before the crashed one.
    expect(registry.list()[0]?.instances).toEqual({ online: 1, total: 2 });
    expect(registry.health('writer')?.instances.map((instance) => instance.instanceId)).toEqual([
      'alive',
      'crashed',
    ]);
    time.now = T0 + 15_000 + DEFAULT_FORGET_AFTER_MS + 1_000;
    expect(registry.health('writer')?.instances.map((instance) => instance.instanceId)).toEqual(['alive']);
  });

  it('leaves actions unknown for an agent advertising none (a bridge whose service lists nothing)', () => {
    const registry = new AgentRegistry({ now: () => T0 });
    registry.observeHeartbeat(heartbeat({ agent_type: 'bridged', actions: [] }));
    expect(registry.health('bridged')?.status).toBe('online');
    expect(registry.actionsOf('bridged')).toBeUndefined();
  });

  it('ignores a heartbeat older than the one it has, and forgets an instance on a tombstone', () => {
    const registry = new AgentRegistry({ now: () => T0 + 10 });
    registry.observeHeartbeat(heartbeat({ sent_at: T0 + 5, in_flight: 2 }));
    registry.observeHeartbeat(heartbeat({ sent_at: T0, in_flight: 0 }));
    expect(registry.health('writer')?.load.inFlight).toBe(2);
    registry.forgetInstance('writer', 'writer-1');
    expect(registry.health('writer')).toBeUndefined();
  });
});
