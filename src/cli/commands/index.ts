// Every sub-command registers itself here; one line per command keeps main.ts free of wiring detail.
import type { Command } from 'commander';
import { registerDemoCommand } from './demo.js';

export function registerCommands(program: Command): void {
  registerDemoCommand(program);
}
