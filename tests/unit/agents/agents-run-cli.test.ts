// `percolator agents run` starts the four built-in agents; the test agents only with --with-test-agents.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { testAgentTypes } from '../../../src/agents/catalog.js';
import { ensureBuilt } from '../../support/engine-process.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'bin/percolator.js'), ...args],
      {
        cwd: ROOT,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('percolator agents run', () => {
  it('knows the test agents apart from the built-in ones', () => {
    expect(testAgentTypes()).toEqual(['echo', 'failing', 'flaky', 'slow']);
  });

  it(
    'refuses a test agent without --with-test-agents, saying which flag it needs',
    { timeout: 60_000 },
    async () => {
      ensureBuilt();
      const refused = await cli('agents', 'run', 'echo');
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('unknown agent type echo');
      expect(refused.stderr).toContain('test agents need --with-test-agents');
      expect(refused.stderr).toContain('known: feedback-analyst, inventory, notifier, social-media-content');
      const help = await cli('agents', 'run', '--help');
      expect(help.stdout).toContain('--with-test-agents');
    },
  );
});
