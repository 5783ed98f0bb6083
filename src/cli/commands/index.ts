// Every sub-command registers itself here; one line per command keeps main.ts free of wiring detail.
import type { Command } from 'commander';
import { registerDemoCommand } from './demo.js';
import { registerSchemasCommand } from './schemas.js';
import { registerTopicsCommand } from './topics.js';
import { registerValidateCommand } from './validate.js';

export function registerCommands(program: Command): void {
  registerDemoCommand(program);
  registerTopicsCommand(program);
  registerSchemasCommand(program);
  registerValidateCommand(program);
}
