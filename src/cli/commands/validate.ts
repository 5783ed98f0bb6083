// `percolator validate FILE... [--json] [--online]`: checks workflow definitions for editors, CI pipelines and
// humans. Agent actions are checked against the built-in agents' catalog offline, and with --online also
// against the agents announced to the engine (whose types a step must name, or it gets a warning).
// Exit codes: 0 all valid, 1 some invalid, 2 usage error or unreadable file.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { compileWorkflow, hasErrors, type AgentCatalog, type Problem } from '../../definition/index.js';
import { liveAgentCatalog, validationCatalog, type LiveCatalog } from '../agent-catalogs.js';

export const EXIT_VALID = 0;
export const EXIT_INVALID = 1;
export const EXIT_UNUSABLE = 2;

export interface ValidateIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly readFile: (path: string) => Promise<Uint8Array>;
}

export interface ValidateOptions {
  readonly json?: boolean;
  /** Also check against the agents announced to the engine, read from Kafka (a consumer join: seconds). */
  readonly online?: boolean;
}

/** Reading the announced agents takes a Kafka round trip or two; a Kafka that does not answer costs this much. */
const LIVE_CATALOG_TIMEOUT_MS = 10_000;

type FileReport =
  | { readonly file: string; readonly valid: boolean; readonly problems: readonly Problem[] }
  | { readonly file: string; readonly valid: false; readonly error: string };

const defaultIo: ValidateIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  readFile: (path) => readFile(path),
};

export function registerValidateCommand(program: Command, io: ValidateIo = defaultIo): void {
  program
    .command('validate')
    .description('check workflow definition files (YAML or JSON) and report every problem with its location')
    .argument('<files...>', 'definition files to check')
    .option('--json', 'print a machine-readable report: {files: [{file, valid, problems}]}')
    .option(
      '--online',
      'also check agent types and actions against the agents announced to the engine (reads Kafka)',
    )
    .addHelpText(
      'after',
      `
Output:
  OK <file>                                for a valid file (warnings, if any, are listed before it)
  <file>:<line>:<col> <message>            for each error
  <file>:<line>:<col> warning: <message>   for each warning (warnings do not make a file invalid)

Agents:
  An action a built-in agent (social-media-content, feedback-analyst, inventory, notifier) does not
  offer is an error, as the API says; this needs nothing running. With --online, the agents announced to
  the engine are also read from Kafka (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX), as the API
  does: their actions are checked too, and a step whose agent_type no agent ever announced gets a
  warning. When Kafka does not answer within 10 s, a note on stderr says so and the check goes on
  without them.

Exit codes:
  0  every file is valid
  1  at least one file is invalid (syntax errors included)
  2  usage error (e.g. no file given) or a file that cannot be read`,
    )
    .action(async (files: string[], options: ValidateOptions) => {
      process.exitCode = await runValidate(files, options, io);
    });
}

export async function runValidate(
  files: readonly string[],
  options: ValidateOptions,
  io: ValidateIo = defaultIo,
): Promise<number> {
  let live: LiveCatalog | undefined;
  if (options.online && files.length > 0) {
    live = await liveAgentCatalog(loadConfig(), LIVE_CATALOG_TIMEOUT_MS);
    if ('unavailable' in live) {
      io.err(
        `percolator validate: the announced agents could not be read (${live.unavailable}); ` +
          'checking against the built-in agents only',
      );
    }
  }
  const catalog = validationCatalog(live);
  const reports: FileReport[] = [];
  for (const file of files) reports.push(await validateFile(file, io, catalog));
  if (options.json) {
    io.out(JSON.stringify({ files: reports }, null, 2));
  } else {
    for (const report of reports) printReport(report, io);
  }
  if (reports.some((report) => 'error' in report)) return EXIT_UNUSABLE;
  return reports.every((report) => report.valid) ? EXIT_VALID : EXIT_INVALID;
}

async function validateFile(file: string, io: ValidateIo, agentCatalog: AgentCatalog): Promise<FileReport> {
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(file);
  } catch (error) {
    return { file, valid: false, error: readFailure(error) };
  }
  const format = extname(file).toLowerCase() === '.json' ? 'json' : 'auto';
  const { problems } = compileWorkflow(bytes, { format, agentCatalog });
  return { file, valid: !hasErrors(problems), problems };
}

function printReport(report: FileReport, io: ValidateIo): void {
  if ('error' in report) {
    io.err(`percolator validate: cannot read ${report.file}: ${report.error}`);
    return;
  }
  for (const problem of report.problems) {
    const where =
      problem.line === undefined
        ? `${report.file}:${problem.pointer || '/'}`
        : `${report.file}:${problem.line}:${problem.column ?? 1}`;
    io.out(`${where} ${problem.severity === 'warning' ? 'warning: ' : ''}${problem.message}`);
  }
  if (report.valid) io.out(`OK ${report.file}`);
}

function readFailure(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
