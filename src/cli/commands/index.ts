// Every sub-command registers itself here; one line per command keeps main.ts free of wiring detail.
import type { Command } from 'commander';
import { registerAgentsCommand } from './agents.js';
import { registerDemoCommand } from './demo.js';
import { registerStackCommand } from './stack.js';
import { registerMigrateCommand } from './migrate.js';
import { registerSchemasCommand } from './schemas.js';
import { registerServeCommand } from './serve.js';
import { registerTopicsCommand } from './topics.js';
import { registerValidateCommand } from './validate.js';
import { registerWorkflowCommand } from './workflow.js';
import { registerRunCommand } from './run.js';
import { registerExecutionsCommand } from './executions.js';
import { registerTokenCommand } from './token.js';
import { registerApiKeyCommand } from './apikey.js';
import { registerBenchCommand } from './bench.js';

export function registerCommands(program: Command): void {
  registerDemoCommand(program);
  registerServeCommand(program);
  registerStackCommand(program);
  registerMigrateCommand(program);
  registerTopicsCommand(program);
  registerSchemasCommand(program);
  registerValidateCommand(program);
  registerAgentsCommand(program);
  registerWorkflowCommand(program);
  registerRunCommand(program);
  registerExecutionsCommand(program);
  registerTokenCommand(program);
  registerApiKeyCommand(program);
  registerBenchCommand(program);
}
