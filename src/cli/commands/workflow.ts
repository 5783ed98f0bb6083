// `percolator workflow apply -f FILE` and `percolator workflow list`, over the admin API.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { EXIT_USAGE, defaultIo, guarded, type CliIo } from '../http-client.js';

export function registerWorkflowCommand(program: Command, io: CliIo = defaultIo): void {
  const workflow = program
    .command('workflow')
    .description('manage workflow definitions through the admin API');
  workflow
    .command('apply')
    .description('create the workflow in FILE, or a new version of it; prints {id, name, version}')
    .requiredOption('-f, --file <file>', 'a YAML or JSON definition')
    .action(async (options: { file: string }) => {
      let text: string;
      try {
        text = await readFile(options.file, 'utf8');
      } catch (error) {
        io.err(`percolator: cannot read ${options.file}: ${(error as Error).message}`);
        io.setExitCode(EXIT_USAGE);
        return;
      }
      const isJson = extname(options.file).toLowerCase() === '.json';
      await guarded(io, async () => {
        const saved = await io
          .client()
          .request<{ id: string; name: string; version: number }>('POST', '/api/v1/workflows', {
            text,
            contentType: isJson ? 'application/json' : 'application/yaml',
          });
        io.out(JSON.stringify({ id: saved.id, name: saved.name, version: saved.version }));
      });
    });
  workflow
    .command('list')
    .description('list the active workflows')
    .option('--json', 'print the API answer as JSON')
    .action(async (options: { json?: boolean }) => {
      await guarded(io, async () => {
        const { items } = await io
          .client()
          .request<{ items: Record<string, unknown>[] }>('GET', '/api/v1/workflows');
        if (options.json) {
          io.out(JSON.stringify(items, null, 2));
          return;
        }
        for (const item of items)
          io.out(`${String(item.id)}  v${String(item.active_version)}  ${String(item.name)}`);
      });
    });
}
