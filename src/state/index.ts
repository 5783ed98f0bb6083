// The Redis state layer's public surface: execution state with its outbox, and durable timers.
export {
  ExecutionStore,
  EXECUTION_STORE_DEFAULTS,
  resolveExecutionStoreConfig,
  type ExecutionStoreConfig,
  type ExecutionStoreOptions,
  type OutboxAck,
  type StoredExecution,
  type Transition,
} from './execution-store.js';
export {
  decodeOutboxRecord,
  encodeOutboxRecord,
  type OutboxEntry,
  type OutboxRecord,
} from './outbox-framing.js';
export { TransitionCode, interpretTransitionReply, type TransitionResult } from './transition-result.js';
export {
  TimerStore,
  TIMER_STORE_DEFAULTS,
  allocateClaims,
  resolveTimerStoreConfig,
  timerId,
  type ClaimedTimer,
  type Timer,
  type TimerIdParts,
  type TimerRef,
  type TimerStoreConfig,
  type TimerStoreOptions,
} from './timers.js';
export { Admission, type AdmissionOptions, type AdmittedStart } from './admission.js';
export { WaitIndex, type WaitRegistration } from './wait-index.js';
