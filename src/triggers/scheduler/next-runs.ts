// What the API shows as a workflow's upcoming runs: the next times its schedule triggers fire.
import { compileWorkflow, type CompiledWorkflow } from '../../definition/index.js';
import { PercolatorError } from '../../errors.js';
import type { WorkflowRepository } from '../../store/workflow-repository.js';
import { nextRunsOf, type NextRun } from './cron-schedule.js';

export interface NextRunsOptions {
  /** Needed when the workflow is named by id or name: its active version is read from there. */
  repository?: Pick<WorkflowRepository, 'getActive'>;
  /** Runs strictly after this instant; default now. */
  from?: Date;
}

/**
 * The next `count` run times of a workflow's schedule triggers, soonest first. `target` is a compiled workflow,
 * or a workflow id or name whose active version is looked up (UNKNOWN_WORKFLOW when there is none, e.g. archived).
 */
export async function nextRuns(
  target: CompiledWorkflow | string,
  count: number,
  options: NextRunsOptions = {},
): Promise<NextRun[]> {
  if (typeof target !== 'string') return nextRunsOf(target, count, options.from);
  if (!options.repository) {
    throw new PercolatorError('INVALID_ARGUMENT', 'nextRuns by workflow id needs a repository', false);
  }
  const active = await options.repository.getActive(target);
  if (!active) throw new PercolatorError('UNKNOWN_WORKFLOW', `no active workflow ${target}`, false);
  const { workflow } = compileWorkflow(active.definition as Readonly<Record<string, unknown>>);
  if (!workflow) {
    throw new PercolatorError(
      'INVALID_STORED_WORKFLOW',
      `${active.name} v${active.version} does not compile`,
      false,
    );
  }
  return nextRunsOf(workflow, count, options.from);
}
