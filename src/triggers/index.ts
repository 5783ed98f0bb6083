// Triggers: cron schedules (a leased scheduler) and Kafka event triggers, and the run times the API shows.
export { ActiveWorkflows } from './active-workflows.js';
export type { ActiveWorkflow, ActiveWorkflowsOptions } from './active-workflows.js';
export { Scheduler } from './scheduler/scheduler.js';
export type { SchedulerOptions, SchedulerStats } from './scheduler/scheduler.js';
export { nextRuns } from './scheduler/next-runs.js';
export type { NextRunsOptions } from './scheduler/next-runs.js';
export { nextRunsOf } from './scheduler/cron-schedule.js';
export type { NextRun } from './scheduler/cron-schedule.js';
export { EventTriggers } from './events/event-triggers.js';
export type { EventTriggersOptions, EventTriggerStats } from './events/event-triggers.js';
export { parseCloudEvent, eventIdentity, correlationKeyOf } from './events/cloud-event.js';
export type { CloudEvent, ParsedEvent } from './events/cloud-event.js';
export { scheduledExecutionId, eventExecutionId, eventSignalId, triggerId } from './ids.js';
