// The console in a real Chromium against a real engine on the real stack: sign in, build a workflow from the
// palette by drag and drop, save and run it, watch the execution turn final with no reload; diagnostics at
// their line; a viewer sees no edit buttons; user text renders as text.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentRegistry, type RunningAgentRegistry } from '../../src/agents/registry/registry-reader.js';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { TestEngine } from '../support/engine.js';
import { waitUntil } from '../support/wait.js';
import { ApiHarness } from '../integration/api-harness.js';
import { launchChromium } from './chromium.js';

const FINAL_STEP = ['succeeded', 'failed', 'skipped', 'timed_out', 'cancelled', 'compensated'];

describe('web console in Chromium', () => {
  let engine: TestEngine;
  let registry: RunningAgentRegistry;
  let api: ApiHarness;
  let browser: Browser;

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'console', agents: [echoAgent] });
    registry = await startAgentRegistry({
      kafka: engine.kafka,
      codec: engine.codec,
      topicPrefix: engine.prefix,
      logger: engine.logger,
    });
    api = await ApiHarness.start(engine, { history: true, live: true, agents: registry.registry });
    browser = await launchChromium();
    // The palette's agent step takes its agent_type from the live registry: wait for the echo heartbeat.
    await waitUntil(async () => registry.registry.list().some((agent) => agent.type === 'echo'), 60_000);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await registry?.stop();
    await engine?.stop();
  });

  async function signedIn(role: 'admin' | 'viewer'): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    await page.goto(`${api.url}/workflows`);
    await page.getByTestId('login-token').waitFor();
    if (role === 'admin') await shot(page, 'sign-in');
    await page.getByTestId('login-token').fill(await api.token(role, `console-${role}`));
    await page.getByTestId('login-submit').click();
    await page.getByTestId('nav-workflows').waitFor();
    return page;
  }

  async function dropFromPalette(page: Page, kind: string, x: number, y: number): Promise<void> {
    await page
      .getByTestId(`palette-${kind}`)
      .dragTo(page.getByTestId('canvas'), { targetPosition: { x, y } });
  }

  /** With CONSOLE_SCREENSHOTS=<dir> (docs/images when refreshing the docs), the walk-through leaves pictures. */
  async function shot(page: Page, name: string): Promise<void> {
    const dir = process.env.CONSOLE_SCREENSHOTS;
    if (dir) await page.screenshot({ path: `${dir}/console-${name}.png` });
  }

  /** Connects two steps by dragging from one's output handle to the other's input handle, once the layout settled. */
  async function connectSteps(page: Page, from: string, to: string): Promise<void> {
    await page.locator('[data-testid=canvas][data-layout=ready]').waitFor({ timeout: 60_000 });
    const source = await page.getByTestId(`handle-out-${from}`).boundingBox();
    const target = await page.getByTestId(`handle-in-${to}`).boundingBox();
    if (!source || !target) throw new Error(`the handles of ${from} and ${to} are not visible`);
    await page.mouse.move(source.x + source.width / 2, source.y + source.height / 2);
    await page.mouse.down();
    await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 15 });
    await page.mouse.up();
  }

  it('builds a three-step workflow by drag and drop, saves and runs it, and the execution turns final live', async () => {
    const page = await signedIn('admin');
    await page.getByTestId('new-workflow').click();
    await page.getByTestId('canvas').waitFor();
    await dropFromPalette(page, 'agent', 150, 150);
    await page.getByTestId('node-agent_1').waitFor();
    await dropFromPalette(page, 'condition', 350, 150);
    await page.getByTestId('node-condition_1').waitFor();
    await dropFromPalette(page, 'end', 550, 150);
    await page.getByTestId('node-end_1').waitFor();
    // Layout settles after each drop; connect once the three are drawn.
    await connectSteps(page, 'agent_1', 'condition_1');
    await page.getByTestId('connection-0').waitFor();
    await connectSteps(page, 'condition_1', 'end_1');
    await page.getByTestId('connection-1').click();
    await page.getByTestId('edge-condition').fill("condition_1.passed and topic = 'console'");
    await page.getByTestId('edge-condition').press('Enter');
    await page.locator('.react-flow__edge-text', { hasText: 'condition_1.passed' }).waitFor();

    const name = `${engine.prefix}.designed`;
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.getByTestId('workflow-name').fill(name);
    await page.getByTestId('workflow-name').press('Enter');
    // The YAML is the source of truth: the graph's edits are in the editor's text.
    await page.getByTestId('yaml-editor').filter({ hasText: name }).waitFor();
    const yamlText = await page.getByTestId('yaml-editor').textContent();
    expect(yamlText).toContain('agent_type: echo');
    expect(yamlText).toContain("condition: condition_1.passed and topic = 'console'");
    expect(yamlText).toContain('# A new workflow.');

    await shot(page, 'designer');
    await page.getByTestId('save-workflow').click();
    await page.waitForURL(`**/workflows/${encodeURIComponent(name)}`);
    await page.getByTestId('run-workflow').click();
    await page.getByTestId('run-input').fill('{"topic": "console"}');
    await page.getByTestId('run-submit').click();
    await page.waitForURL('**/executions/**');
    const url = page.url();
    // Every node reaches its final status on this page, with no reload.
    await page.locator('[data-testid=execution-status][data-status=completed]').waitFor({ timeout: 60_000 });
    for (const step of ['agent_1', 'condition_1', 'end_1']) {
      const status = await page.getByTestId(`step-status-${step}`).getAttribute('data-status');
      expect(FINAL_STEP, `${step} is ${status}`).toContain(status);
      expect(status).toBe('succeeded');
    }
    expect(page.url()).toBe(url);
    await page.getByTestId('node-agent_1').click();
    await shot(page, 'execution');
    await page.getByTestId('nav-executions').click();
    await page.getByTestId('executions-list').waitFor();
    await shot(page, 'executions');
    await page.getByTestId('nav-agents').click();
    await page.getByTestId('agent-card-echo').waitFor();
    expect(await page.getByTestId('agent-card-echo').getAttribute('data-status')).toBe('online');
    await shot(page, 'agents');
    await page.getByTestId('nav-overview').click();
    await page.getByTestId('in-flight').waitFor();
    await shot(page, 'overview');
    await page.close();
  }, 180_000);

  it("shows the server validator's problem as a diagnostic at its line", async () => {
    const page = await signedIn('admin');
    await page.goto(`${api.url}/workflows/new`);
    await page.getByTestId('yaml-editor').waitFor();
    const broken = [
      'workflow:',
      '  name: broken',
      '  steps:',
      '    - id: first',
      '      type: transform',
      '      output: "1"',
      '    - id: second',
      '      type: teleport',
      '',
    ].join('\n');
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(broken);
    const diagnostic = page.locator('[data-testid=diagnostic][data-line="8"]');
    await diagnostic.waitFor({ timeout: 30_000 });
    expect(await diagnostic.textContent()).toContain('teleport');
    await page.getByTestId('node-second').waitFor();
    await page.getByTestId('node-problem-second').waitFor();
    await shot(page, 'diagnostic');
    await page.close();
  });

  it('shows a viewer no edit buttons', async () => {
    await api.request('POST', '/api/v1/workflows', {
      text: `workflow:\n  name: ${engine.prefix}.viewed\n  steps:\n    - {id: only, type: transform, output: "1"}\n`,
    });
    const page = await signedIn('viewer');
    await page.getByTestId('nav-workflows').click();
    await page.getByTestId(`workflow-${engine.prefix}.viewed`).click();
    await page.getByTestId('node-only').waitFor();
    for (const testId of ['new-workflow', 'save-workflow', 'run-workflow', 'palette-agent'])
      expect(await page.getByTestId(testId).count(), testId).toBe(0);
    await page.close();
  });

  it('renders HTML in step names and outputs as text', async () => {
    const name = `${engine.prefix}.html`;
    const created = await api.request('POST', '/api/v1/workflows', {
      text: [
        'workflow:',
        `  name: ${name}`,
        '  steps:',
        '    - id: shout',
        '      name: "<img src=x onerror=window.__pwned=1><b>bold</b>"',
        '      type: transform',
        `      output: "{ 'html': '<script>window.__pwned=2</script><img src=y onerror=window.__pwned=3>' }"`,
        '',
      ].join('\n'),
    });
    expect(created.status, created.text).toBe(201);
    const started = await api.request('POST', `/api/v1/workflows/${encodeURIComponent(name)}/execute`, {
      body: { input: {} },
      role: 'operator',
    });
    expect(started.status, started.text).toBe(202);
    const page = await signedIn('viewer');
    await page.goto(`${api.url}/executions/${started.body.execution_id}`);
    await page.locator('[data-testid=execution-status][data-status=completed]').waitFor({ timeout: 60_000 });
    await page.getByTestId('node-shout').click();
    await page.getByTestId('payload-output').waitFor();
    expect(await page.getByTestId('payload-output').textContent()).toContain(
      '<script>window.__pwned=2</script>',
    );
    expect(await page.getByTestId('node-shout').textContent()).toContain('<b>bold</b>');
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('[data-testid=node-shout] b, [data-testid=node-shout] img').count()).toBe(0);
    await page.close();
  });
});
