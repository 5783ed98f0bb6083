// Every sub-command registers itself here; one line per command keeps main.ts free of wiring detail.
import type { Command } from 'commander';

export function registerCommands(program: Command): void {
  void program;
}
