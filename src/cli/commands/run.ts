// `percolator run NAME_OR_ID [--input JSON] [--wait] [--timeout DUR] [--json]`: starts an execution through the
// admin API and, with --wait, follows it to the end. Exit codes: 0 completed (or accepted without --wait),
// 1 failed, cancelled, timed out or not finished within --timeout, 2 usage.
import type { Command } from 'commander';
import { parseDuration } from '../../definition/index.js';
import {
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  defaultIo,
  encodeRef,
  guarded,
  type CliIo,
} from '../http-client.js';

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'timed_out']);

interface RunOptions {
  input?: string;
  wait?: boolean;
  timeout: string;
  json?: boolean;
  idempotencyKey?: string;
  pollMs?: string;
}

export function registerRunCommand(program: Command, io: CliIo = defaultIo): void {
  program
    .command('run')
    .description('start an execution of a workflow (by name or id) through the admin API')
    .argument('<workflow>', 'workflow name or id')
    .option('--input <json>', 'the execution input, as JSON', '{}')
    .option('--wait', 'wait until the execution ends')
    .option('--timeout <duration>', 'with --wait: give up after this long (e.g. 30s, 5m)', '5m')
    .option('--json', 'print JSON (with --wait: the final execution)')
    .option('--idempotency-key <key>', 'send an Idempotency-Key so a repeated command starts one execution')
    .action(async (workflow: string, options: RunOptions) => {
      let input: unknown;
      try {
        input = JSON.parse(options.input ?? '{}');
      } catch (error) {
        io.err(`percolator: --input is not valid JSON: ${(error as Error).message}`);
        io.setExitCode(EXIT_USAGE);
        return;
      }
      const timeout = parseDuration(options.timeout);
      if (!timeout.ok) {
        io.err(`percolator: --timeout ${options.timeout}: ${timeout.reason}`);
        io.setExitCode(EXIT_USAGE);
        return;
      }
      await guarded(io, async () => {
        const client = io.client();
        const accepted = await client.request<{ execution_id: string; status: string }>(
          'POST',
          `/api/v1/workflows/${encodeRef(workflow)}/execute`,
          { json: { input, trigger_type: 'cli' } },
          options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {},
        );
        if (!options.wait) {
          io.out(options.json ? JSON.stringify(accepted) : accepted.execution_id);
          io.setExitCode(EXIT_OK);
          return;
        }
        const deadline = Date.now() + timeout.ms;
        let execution: Record<string, unknown>;
        let delay = 100;
        for (;;) {
          execution = await client.request('GET', `/api/v1/executions/${encodeRef(accepted.execution_id)}`);
          if (TERMINAL.has(String(execution.status)) || Date.now() >= deadline) break;
          await new Promise((resolve) => setTimeout(resolve, delay));
          delay = Math.min(delay * 2, 1000);
        }
        const status = String(execution.status);
        const finished = TERMINAL.has(status);
        if (options.json) io.out(JSON.stringify(execution, null, 2));
        else io.out(`${accepted.execution_id} ${status}${finished ? '' : ' (still running at --timeout)'}`);
        if (!finished)
          io.err(`percolator: execution ${accepted.execution_id} did not finish within ${options.timeout}`);
        else if (status !== 'completed' && !options.json) io.err(`percolator: ${failureReason(execution)}`);
        io.setExitCode(status === 'completed' ? EXIT_OK : EXIT_FAILED);
      });
    });
}

/** Why an execution did not complete: the failing step and its error, else the execution's own error. */
export function failureReason(execution: Record<string, unknown>): string {
  const steps = (execution.steps ?? {}) as Record<string, { status?: string; error?: unknown }>;
  const failed = Object.entries(steps).find(
    ([, step]) => step.status === 'failed' || step.status === 'timed_out',
  );
  if (failed) return `step ${failed[0]} ${failed[1].status}: ${describeError(failed[1].error)}`;
  return `execution ${String(execution.status)}: ${describeError(execution.error)}`;
}

function describeError(error: unknown): string {
  if (error === null || error === undefined) return 'no error recorded';
  if (typeof error === 'string') return error;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof message === 'string') return typeof code === 'string' ? `${code}: ${message}` : message;
  return JSON.stringify(error);
}
