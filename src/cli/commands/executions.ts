// `percolator executions get|cancel|signal ID`, over the admin API.
import type { Command } from 'commander';
import { EXIT_USAGE, defaultIo, encodeRef, guarded, type CliIo } from '../http-client.js';

export function registerExecutionsCommand(program: Command, io: CliIo = defaultIo): void {
  const executions = program
    .command('executions')
    .description('inspect and steer executions through the admin API');
  executions
    .command('get')
    .description('print an execution with its steps, as JSON')
    .argument('<id>', 'execution id')
    .action(async (id: string) => {
      await guarded(io, async () => {
        io.out(
          JSON.stringify(await io.client().request('GET', `/api/v1/executions/${encodeRef(id)}`), null, 2),
        );
      });
    });
  executions
    .command('cancel')
    .description('ask a running execution to cancel')
    .argument('<id>', 'execution id')
    .option('--reason <text>', 'why; recorded with the cancellation')
    .action(async (id: string, options: { reason?: string }) => {
      await guarded(io, async () => {
        const body = options.reason ? { reason: options.reason } : {};
        const answer = await io
          .client()
          .request('POST', `/api/v1/executions/${encodeRef(id)}/cancel`, { json: body });
        io.out(JSON.stringify(answer));
      });
    });
  executions
    .command('signal')
    .description('deliver an event to a waiting execution')
    .argument('<id>', 'execution id')
    .requiredOption('--event <type>', 'the event type the execution waits for')
    .option('--data <json>', 'the event payload, as JSON', 'null')
    .action(async (id: string, options: { event: string; data: string }) => {
      let data: unknown;
      try {
        data = JSON.parse(options.data);
      } catch (error) {
        io.err(`percolator: --data is not valid JSON: ${(error as Error).message}`);
        io.setExitCode(EXIT_USAGE);
        return;
      }
      await guarded(io, async () => {
        const answer = await io.client().request('POST', `/api/v1/executions/${encodeRef(id)}/signal`, {
          json: { event_type: options.event, data },
        });
        io.out(JSON.stringify(answer));
      });
    });
}
