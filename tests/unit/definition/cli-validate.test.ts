import { Command, CommanderError } from 'commander';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerValidateCommand, runValidate, type ValidateIo } from '../../../src/cli/commands/validate.js';

const SEED = 'tests/fixtures/workflows/seed-content-creation.yaml';
const BROKEN = 'tests/fixtures/workflows/invalid/unknown-step-type.yaml';

function captureIo(): ValidateIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    readFile: (path) => readFile(path),
  };
}

// Runs the command as main.ts does (exitOverride), returning the exit code main.ts would set.
async function runCli(args: string[], io: ValidateIo): Promise<number> {
  const previous = process.exitCode;
  process.exitCode = undefined;
  const program = new Command()
    .name('percolator')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerValidateCommand(program, io);
  try {
    await program.parseAsync(['node', 'percolator', ...args]);
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  } finally {
    process.exitCode = previous;
  }
}

describe('percolator validate', () => {
  it('prints OK and exits 0 for a valid file', async () => {
    const io = captureIo();
    expect(await runCli(['validate', SEED], io)).toBe(0);
    expect(io.stdout).toEqual([`OK ${SEED}`]);
  });

  it('refuses an action a built-in agent does not offer, with nothing running, as the API does', async () => {
    const seed = await readFile(SEED, 'utf8');
    const typo = join(await mkdtemp(join(tmpdir(), 'validate-')), 'typo.yaml');
    await writeFile(typo, seed.replace('action: "create_content"', 'action: "create_contnet"'));
    const io = captureIo();
    expect(await runCli(['validate', typo], io)).toBe(1);
    expect(io.stdout.join('\n')).toMatch(/typo\.yaml:19:\d+ .*create_contnet.*create_content/);
  });

  it('refuses a field an action does not return and a mapping missing required inputs; the fixes pass', async () => {
    const wrongField = 'tests/fixtures/workflows/types/wrong-output-field.yaml';
    const missingInput = 'tests/fixtures/workflows/types/missing-required-input.yaml';
    const io = captureIo();
    expect(await runCli(['validate', wrongField, missingInput], io)).toBe(1);
    expect(io.stdout).toEqual([
      `${wrongField}:13:23 step \`analyze\` (feedback-analyst.analyze_feedback) has no output field \`sentimnt\`; did you mean \`sentiment\`?`,
      `${missingInput}:13:14 step \`order\` (inventory.update_inventory): update_inventory needs \`product_id\`, \`delta\` (or \`quantity_change\`)`,
    ]);
    const dir = await mkdtemp(join(tmpdir(), 'validate-'));
    const fixedField = join(dir, 'field.yaml');
    const fixedInput = join(dir, 'input.yaml');
    await writeFile(fixedField, (await readFile(wrongField, 'utf8')).replace('sentimnt', 'sentiment'));
    await writeFile(
      fixedInput,
      (await readFile(missingInput, 'utf8')).replace(
        "'order_quantity': forecast.recommended_order_quantity",
        "'product_id': product_id, 'delta': forecast.recommended_order_quantity",
      ),
    );
    const fixed = captureIo();
    expect(await runCli(['validate', fixedField, fixedInput], fixed)).toBe(0);
    expect(fixed.stdout).toEqual([`OK ${fixedField}`, `OK ${fixedInput}`]);
  });

  it('prints one located line per problem and exits 1 for an invalid file', async () => {
    const io = captureIo();
    expect(await runCli(['validate', SEED, BROKEN], io)).toBe(1);
    expect(io.stdout).toEqual([
      `OK ${SEED}`,
      `${BROKEN}:8:13 step 'generate': unknown step type 'agnet' (did you mean 'agent'?); valid types are agent, validation, condition, transform, delay, wait_for_event, sub_workflow, end, fail`,
    ]);
  });

  it('exits 2 when no file is given', async () => {
    expect(await runCli(['validate'], captureIo())).toBe(2);
  });

  it('exits 2 and says why when a file cannot be read', async () => {
    const io = captureIo();
    expect(await runCli(['validate', SEED, 'tests/fixtures/workflows/missing.yaml'], io)).toBe(2);
    expect(io.stderr).toEqual([
      'percolator validate: cannot read tests/fixtures/workflows/missing.yaml: no such file',
    ]);
  });

  it('prints warnings without failing the file', async () => {
    const io = captureIo();
    const file = 'tests/fixtures/workflows/warning-type-mismatch.yaml';
    expect(await runValidate([file], {}, io)).toBe(0);
    expect(io.stdout).toEqual([
      `${file}:3:9 warning: workflow type 'sequential' does not match the graph: the graph is parallel (step 'fetch' leads to summarize, translate) (computed type: parallel)`,
      `OK ${file}`,
    ]);
  });

  it('prints a machine-readable report with --json', async () => {
    const io = captureIo();
    expect(await runCli(['validate', '--json', SEED, BROKEN], io)).toBe(1);
    const report = JSON.parse(io.stdout.join('\n')) as {
      files: { file: string; valid: boolean; problems: unknown[] }[];
    };
    expect(report.files.map((file) => [file.file, file.valid])).toEqual([
      [SEED, true],
      [BROKEN, false],
    ]);
    expect(report.files[1]?.problems[0]).toEqual({
      severity: 'error',
      rule: 'unknown-step-type',
      message: expect.stringContaining("unknown step type 'agnet'") as unknown,
      pointer: '/workflow/steps/1/type',
      line: 8,
      column: 13,
    });
  });
});

// Each spawn starts a Node process that loads the whole CLI: about a second alone, several on a busy machine.
const SPAWNING_TEST_TIMEOUT_MS = 60_000;

describe('the percolator binary', () => {
  beforeAll(() => {
    // Build output may carry type errors from unrelated work in progress; emitting is what matters here.
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'ignore' });
    // A full tsc took over 120 s with both cores busy.
  }, 300_000);

  function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, ['bin/percolator.js', 'validate', ...args], {
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it(
    'exits 0, 1 and 2 as documented',
    () => {
      expect(run(SEED)).toEqual({ status: 0, stdout: `OK ${SEED}\n`, stderr: '' });
      const invalid = run(BROKEN);
      expect(invalid.status).toBe(1);
      expect(invalid.stdout).toMatch(
        /^tests\/fixtures\/workflows\/invalid\/unknown-step-type\.yaml:8:13 step 'generate'/,
      );
      expect(run().status).toBe(2);
      expect(run('no/such/file.yaml')).toMatchObject({
        status: 2,
        stderr: 'percolator validate: cannot read no/such/file.yaml: no such file\n',
      });
    },
    SPAWNING_TEST_TIMEOUT_MS,
  );

  it(
    'documents the exit codes in --help',
    () => {
      const help = spawnSync(process.execPath, ['bin/percolator.js', 'validate', '--help'], {
        encoding: 'utf8',
      });
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('2  usage error (e.g. no file given) or a file that cannot be read');
    },
    SPAWNING_TEST_TIMEOUT_MS,
  );
});
