// Prints an execution's lifecycle events as they arrive: one line per step outcome, and on a terminal a
// spinner line below them naming what is running. Without a terminal (CI, a pipe) only the plain lines.

/** The part of a lifecycle event the printer reads. */
export interface ProgressEvent {
  type: string;
  stepId: string | null;
  attempt: number | null;
  /** Epoch ms, the engine's time of the event. */
  timestamp: number;
  data: Record<string, unknown>;
}

export interface StepInfo {
  type: string;
  agentType?: string;
  action?: string;
}

export interface ProgressPrinterOptions {
  write: (text: string) => void;
  /** Draw the spinner line (only on a terminal). */
  tty: boolean;
  steps: ReadonlyMap<string, StepInfo>;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const TERMINAL = new Set([
  'ExecutionCompleted',
  'ExecutionFailed',
  'ExecutionCancelled',
  'ExecutionTimedOut',
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}

/** A few words about a step's output. */
export function summariseOutput(step: StepInfo | undefined, output: unknown): string {
  if (step?.type === 'condition' && isObject(output) && typeof output.passed === 'boolean') {
    return output.passed ? 'passed' : 'not passed';
  }
  if (step?.type === 'validation') return 'input valid';
  if (isObject(output)) {
    const parts: string[] = [];
    if (typeof output.quality_score === 'number') {
      parts.push(
        typeof output.previous_score === 'number'
          ? `quality_score ${output.previous_score} → ${output.quality_score}`
          : `quality_score ${output.quality_score}`,
      );
    }
    if (typeof output.generator === 'string') parts.push(`by ${output.generator}`);
    if (parts.length > 0) return parts.join(', ');
    const keys = Object.keys(output);
    return keys.length === 0 ? '{}' : `{${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}}`;
  }
  return JSON.stringify(output) ?? 'null';
}

export class ProgressPrinter {
  private readonly running = new Map<string, string>();
  private startedAt: number | undefined;
  private readonly width: number;
  private frame = 0;
  private spinner: NodeJS.Timeout | undefined;
  private spinnerShown = false;
  private readonly wallStart = Date.now();

  constructor(private readonly options: ProgressPrinterOptions) {
    this.width = Math.max('execution'.length, ...[...options.steps.keys()].map((id) => id.length));
    if (options.tty) {
      this.spinner = setInterval(() => this.drawSpinner(), 80);
      this.spinner.unref();
    }
  }

  private line(stepId: string, text: string, at: number): void {
    this.clearSpinner();
    const offset = this.startedAt === undefined ? '' : `+${seconds(Math.max(0, at - this.startedAt))}`;
    this.options.write(`  ${offset.padStart(8)}  ${stepId.padEnd(this.width)}  ${text}\n`);
    this.drawSpinner();
  }

  private clearSpinner(): void {
    if (this.spinnerShown) {
      this.options.write('\r\x1b[2K');
      this.spinnerShown = false;
    }
  }

  private drawSpinner(): void {
    if (!this.options.tty || !this.spinner) return;
    const what =
      this.running.size > 0
        ? [...this.running.entries()].map(([step, detail]) => `${step} (${detail})`).join(', ')
        : this.startedAt === undefined
          ? 'waiting for the orchestrator to pick the execution up'
          : 'routing to the next step';
    this.frame = (this.frame + 1) % FRAMES.length;
    this.options.write(`\r\x1b[2K  ${FRAMES[this.frame]} ${what}  ${seconds(Date.now() - this.wallStart)}`);
    this.spinnerShown = true;
  }

  /** Prints what the event says; returns true for the execution's final event. */
  event(event: ProgressEvent): boolean {
    const stepId = event.stepId ?? '';
    const step = this.options.steps.get(stepId);
    const at = event.timestamp;
    switch (event.type) {
      case 'ExecutionStarted':
        this.startedAt = at;
        this.line('execution', 'started', at);
        break;
      case 'StepScheduled': {
        if (typeof event.data.commandId !== 'string') break; // steps without an agent finish at once
        const target = step?.agentType ? `${step.agentType}.${step.action ?? '?'}` : (step?.type ?? 'step');
        const detail = `${target}, attempt ${event.attempt ?? 1}`;
        this.running.set(stepId, detail);
        this.line(stepId, `started     ${detail}`, at);
        break;
      }
      case 'StepSucceeded':
        this.running.delete(stepId);
        this.line(stepId, `succeeded   ${summariseOutput(step, event.data.output)}`, at);
        break;
      case 'StepSkipped':
        this.running.delete(stepId);
        this.line(stepId, 'skipped     its condition does not hold', at);
        break;
      case 'StepFailed':
      case 'StepTimedOut': {
        this.running.delete(stepId);
        const error = isObject(event.data.error) ? event.data.error : {};
        const verb = event.type === 'StepFailed' ? 'failed' : 'timed out';
        this.line(
          stepId,
          `${verb.padEnd(11)} ${String(error.code ?? '')} ${String(error.message ?? '')}`.trimEnd(),
          at,
        );
        break;
      }
      case 'StepRetryScheduled': {
        const retryAt = typeof event.data.retryAt === 'number' ? event.data.retryAt : at;
        this.line(stepId, `retrying    attempt ${(event.attempt ?? 1) + 1} in ${seconds(retryAt - at)}`, at);
        break;
      }
      case 'ExecutionCompleted':
        this.line('execution', `completed in ${seconds(at - (this.startedAt ?? at))}`, at);
        break;
      case 'ExecutionFailed': {
        const error = isObject(event.data.error) ? event.data.error : {};
        const where = typeof error.stepId === 'string' ? ` at ${error.stepId}` : '';
        this.line(
          'execution',
          `failed${where}: ${String(error.code ?? '')} ${String(error.message ?? '')}`,
          at,
        );
        break;
      }
      case 'ExecutionCancelled':
        this.line('execution', `cancelled: ${String(event.data.reason ?? '')}`, at);
        break;
      case 'ExecutionTimedOut':
        this.line('execution', 'timed out', at);
        break;
      default:
        break;
    }
    return TERMINAL.has(event.type);
  }

  stop(): void {
    clearInterval(this.spinner);
    this.spinner = undefined;
    this.clearSpinner();
  }
}
