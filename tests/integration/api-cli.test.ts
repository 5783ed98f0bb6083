// The CLI over the admin API: workflow apply/list, run --wait --json and its exit codes, executions get/signal.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent, failingAgent, slowAgent } from '../../src/agents/testing/test-agents.js';
import { registerExecutionsCommand } from '../../src/cli/commands/executions.js';
import { registerRunCommand } from '../../src/cli/commands/run.js';
import { registerWorkflowCommand } from '../../src/cli/commands/workflow.js';
import { ApiClient, type CliIo } from '../../src/cli/http-client.js';
import { TestEngine } from '../support/engine.js';
import { ApiHarness } from './api-harness.js';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

describe('CLI over the admin API', () => {
  let engine: TestEngine;
  let api: ApiHarness;
  let token: string;

  /** Runs one CLI invocation in-process; returns its exit code and what it printed. */
  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    let code = 0;
    const io: CliIo = {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      client: () => new ApiClient({ baseUrl: api.url, credential: token }),
      setExitCode: (value) => {
        code = value;
      },
    };
    const program = new Command().exitOverride().configureOutput({ writeErr: (text) => err.push(text) });
    registerWorkflowCommand(program, io);
    registerRunCommand(program, io);
    registerExecutionsCommand(program, io);
    try {
      await program.parseAsync(['node', 'percolator', ...args]);
    } catch (error) {
      // main.ts turns a usage error into exit code 2.
      if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : 2;
      else throw error;
    }
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'api-cli', agents: [echoAgent, failingAgent, slowAgent] });
    api = await ApiHarness.start(engine);
    token = await api.token('admin', 'cli-user');
  });
  afterAll(async () => {
    await api?.stop();
    await engine?.stop();
  });

  const apply = async (base: string, steps: string): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'percolator-cli-'));
    const file = join(dir, `${base}.yaml`);
    const name = `${engine.prefix}.${base}`;
    await writeFile(file, `workflow:\n  name: ${name}\n  steps:\n${steps}`);
    const result = await cli('workflow', 'apply', '-f', file);
    expect(result.code, result.err).toBe(0);
    const printed = JSON.parse(result.out);
    expect(printed).toEqual({ id: expect.any(String), name, version: 1 });
    return name;
  };

  it('applies definitions and lists them', async () => {
    const name = await apply('listed', '    - {id: a, type: agent, agent_type: echo, action: echo}\n');
    const list = await cli('workflow', 'list');
    expect(list.out).toContain(name);
    const invalid = await cli('workflow', 'apply', '-f', '/no/such/file.yaml');
    expect(invalid.code).toBe(2);
  });

  it('run --wait --json exits 0 with the completed execution, 1 when it fails or outlives --timeout, 2 on bad usage', async () => {
    const echo = await apply(
      'echo',
      '    - {id: a, type: agent, agent_type: echo, action: echo, input: \'{"text": topic}\'}\n',
    );
    const ok = await cli('run', echo, '--input', '{"topic":"cli"}', '--wait', '--json');
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ status: 'completed', output: { text: 'cli' } });

    const failing = await apply(
      'failing',
      '    - {id: a, type: agent, agent_type: failing, action: failing}\n',
    );
    const failed = await cli('run', failing, '--wait', '--json');
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.out).status).toBe('failed');
    const explained = await cli('run', failing, '--wait');
    expect(explained.code).toBe(1);
    // Without --json the failing step and its error are said, not just "failed".
    expect(explained.err).toMatch(/step a failed: \S+/);

    const slow = await apply(
      'slow',
      '    - {id: a, type: agent, agent_type: slow, action: slow, input: \'{"delay_ms": 10000}\'}\n',
    );
    const late = await cli('run', slow, '--wait', '--json', '--timeout', '1s');
    expect(late.code).toBe(1);
    expect(late.err).toContain('did not finish');
    await cli('executions', 'cancel', JSON.parse(late.out).id);

    expect((await cli('run', echo, '--input', '{not json')).code).toBe(2);
    expect((await cli('run', echo, '--timeout', 'soon')).code).toBe(2);
    expect((await cli('run')).code).toBe(2);
    const missing = await cli('run', 'no-such-workflow', '--wait');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('404');
  });

  it('validate --online warns about an agent type no agent ever announced, suggesting the running one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'percolator-cli-'));
    const file = join(dir, 'typo.yaml');
    await writeFile(
      file,
      `workflow:\n  name: ${engine.prefix}.typo\n  steps:\n    - {id: a, type: agent, agent_type: echoo, action: echo}\n`,
    );
    const result = await run(
      process.execPath,
      [join(ROOT, 'bin/percolator.js'), 'validate', '--online', file],
      {
        env: { ...process.env, TOPIC_PREFIX: engine.prefix },
        timeout: 90_000,
      },
    );
    // A warning, not an error: the agent may just not be deployed yet.
    expect(result.stdout).toMatch(/typo\.yaml:4:\d+ warning: .*'echoo'.*\(did you mean 'echo'\?\)/);
    expect(result.stdout).toContain(`OK ${file}`);
  }, 120_000);

  it('gets and signals executions', async () => {
    const name = await apply('gate', '    - {id: approve, type: wait_for_event, event_type: go}\n');
    const started = await cli('run', name);
    const id = started.out.trim();
    await api.waitForExecution(id, (execution) => execution.status === 'waiting');
    const signalled = await cli('executions', 'signal', id, '--event', 'go', '--data', '{"ok":true}');
    expect(signalled.code, signalled.err).toBe(0);
    await api.waitForExecution(id);
    const got = await cli('executions', 'get', id);
    expect(JSON.parse(got.out)).toMatchObject({ id, status: 'completed', output: { ok: true } });
  });
});
