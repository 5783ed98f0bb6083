// Defaults for a step's retry policy: one attempt (no retry) unless the definition asks for more.
import { parseDuration } from './duration.js';
import type { RetryPolicy } from './compiled-types.js';
import type { RetryPolicyDefinition } from './types.js';

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 1,
  backoffFactor: 2,
  initialIntervalMs: 1000,
  maxIntervalMs: 5 * 60 * 1000,
  jitter: true,
  nonRetryableErrors: Object.freeze([]) as readonly string[],
});

export function resolveRetryPolicy(definition: RetryPolicyDefinition | undefined): RetryPolicy {
  if (definition === undefined) return DEFAULT_RETRY_POLICY;
  const initialIntervalMs = millis(definition.initial_interval) ?? DEFAULT_RETRY_POLICY.initialIntervalMs;
  // A long initial interval with the default ceiling would be clamped below itself; the ceiling follows instead.
  const maxIntervalMs =
    millis(definition.max_interval) ?? Math.max(DEFAULT_RETRY_POLICY.maxIntervalMs, initialIntervalMs);
  return Object.freeze({
    maxAttempts: definition.max_attempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
    backoffFactor: definition.backoff_factor ?? DEFAULT_RETRY_POLICY.backoffFactor,
    initialIntervalMs,
    maxIntervalMs,
    jitter: definition.jitter ?? DEFAULT_RETRY_POLICY.jitter,
    nonRetryableErrors: Object.freeze([...(definition.non_retryable_errors ?? [])]),
  });
}

export function millis(duration: string | undefined): number | undefined {
  if (duration === undefined) return undefined;
  const parsed = parseDuration(duration);
  return parsed.ok ? parsed.ms : undefined;
}
