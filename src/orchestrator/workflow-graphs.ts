// Compiled, pinned workflow graphs by (workflow id, version). Versions are immutable, so a graph once compiled
// is kept for the life of the process (bounded by an LRU so that a long-lived engine cannot grow without limit).
import { compileWorkflow } from '../definition/index.js';
import type { WorkflowGraph } from '../core/graph.js';
import { pinWorkflow } from '../core/pin-workflow.js';
import { PercolatorError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { WorkflowRepository, WorkflowVersionRecord } from '../store/workflow-repository.js';

export class WorkflowGraphs {
  private readonly graphs = new Map<string, Promise<WorkflowGraph>>();

  constructor(
    private readonly repository: WorkflowRepository,
    private readonly metrics?: Metrics,
    private readonly capacity = 1000,
  ) {}

  /** The graph of a stored version; throws UNKNOWN_WORKFLOW when there is none. */
  pinned(workflowId: string, version: number): Promise<WorkflowGraph> {
    const key = `${workflowId}@${version}`;
    const cached = this.graphs.get(key);
    if (cached) {
      this.graphs.delete(key);
      this.graphs.set(key, cached);
      return cached;
    }
    const loading = this.load(workflowId, version);
    loading.catch(() => this.graphs.delete(key));
    this.graphs.set(key, loading);
    if (this.graphs.size > this.capacity) this.graphs.delete(this.graphs.keys().next().value as string);
    return loading;
  }

  /** The graph a start request runs: the version it names, or the workflow's active version. */
  async forStart(start: {
    workflowId: string;
    workflowName: string;
    version: number | null;
  }): Promise<WorkflowGraph> {
    if (start.version !== null && start.workflowId) return this.pinned(start.workflowId, start.version);
    const active = await this.repository.getActive(start.workflowId || start.workflowName);
    if (!active) {
      throw new PercolatorError(
        'UNKNOWN_WORKFLOW',
        `no active workflow ${start.workflowId || start.workflowName}`,
        false,
      );
    }
    if (start.version !== null && start.version !== active.version)
      return this.pinned(active.workflowId, start.version);
    return this.pinned(active.workflowId, active.version);
  }

  private async load(workflowId: string, version: number): Promise<WorkflowGraph> {
    const lookup = () => this.repository.getVersion(workflowId, version);
    const record = this.metrics
      ? await this.metrics.time(this.metrics.postgresQuery, 'load_workflow_version', lookup)
      : await lookup();
    if (!record)
      throw new PercolatorError('UNKNOWN_WORKFLOW', `no workflow ${workflowId} version ${version}`, false);
    return compileRecord(record);
  }
}

function compileRecord(record: WorkflowVersionRecord): WorkflowGraph {
  const { workflow, problems } = compileWorkflow(record.definition as Readonly<Record<string, unknown>>);
  if (!workflow) {
    // Stored versions were validated when saved; failing here means the language changed under them.
    const first = problems.find((problem) => problem.severity === 'error');
    throw new PercolatorError(
      'INVALID_STORED_WORKFLOW',
      `${record.name} v${record.version} no longer compiles: ${first?.pointer ?? ''} ${first?.message ?? ''}`,
      false,
    );
  }
  return pinWorkflow(workflow, { workflowId: record.workflowId, version: record.version });
}
