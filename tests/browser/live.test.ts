// The live dashboard in a real Chromium against a real engine: the execution page survives a cut connection
// and catches up from the server's replay (no reload, no REST refill, no event twice); an API-key user gets
// live updates and bulk-cancels and bulk-retries from the list; the alert centre shows a failed execution and a
// dead letter and acknowledges them; the overview draws the trends. The browser reaches the API through a TCP
// relay the test can cut, as a network would.
import type { Browser, Page, WebSocket as PageSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { TestEngine } from '../support/engine.js';
import { TcpRelay } from '../support/tcp-relay.js';
import { waitUntil } from '../support/wait.js';
import { ApiHarness } from '../integration/api-harness.js';
import { launchChromium } from './chromium.js';

interface Frame {
  type?: string;
  execution_id?: string;
  seq?: number;
  resumed?: boolean;
  replayed?: number;
}

describe('live dashboard in Chromium', () => {
  let engine: TestEngine;
  let api: ApiHarness;
  let relay: TcpRelay;
  let browser: Browser;
  let url: string;
  let gated: string;
  let doomed: string;

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'live-dashboard', agents: [] });
    api = await ApiHarness.start(engine, { history: true, live: true, alerts: true });
    relay = await TcpRelay.start({ host: '127.0.0.1', port: Number(new URL(api.url).port) });
    url = `http://${relay.address}`;
    browser = await launchChromium();
    gated = await engine.register({
      workflow: {
        name: 'gated',
        steps: [
          { id: 'before', type: 'transform', output: "{ 'ready': true }" },
          { id: 'gate', type: 'wait_for_event', event_type: 'go' },
          { id: 'after', type: 'transform', output: "{ 'done': true }" },
        ],
      },
    });
    doomed = await engine.register({
      workflow: { name: 'doomed', steps: [{ id: 'stop', type: 'fail', message: 'doomed on purpose' }] },
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
    await api?.stop();
    await engine?.stop();
  });

  async function signIn(credential: string, path: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    await page.goto(`${url}${path}`);
    await page.getByTestId('login-token').fill(credential);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('nav-overview').waitFor();
    return page;
  }

  /** Every message each /ws socket of the page received, socket by socket. */
  function recordSockets(page: Page): Frame[][] {
    const sockets: Frame[][] = [];
    page.on('websocket', (socket: PageSocket) => {
      const frames: Frame[] = [];
      sockets.push(frames);
      socket.on('framereceived', (frame) => frames.push(JSON.parse(String(frame.payload)) as Frame));
    });
    return sockets;
  }

  async function shot(page: Page, name: string): Promise<void> {
    const dir = process.env.CONSOLE_SCREENSHOTS;
    if (dir) await page.screenshot({ path: `${dir}/console-${name}.png` });
  }

  const start = async (workflow: string): Promise<string> => {
    const started = await api.request('POST', `/api/v1/workflows/${encodeURIComponent(workflow)}/execute`, {
      body: { input: {} },
      role: 'operator',
    });
    expect(started.status, started.text).toBe(202);
    return started.body.execution_id as string;
  };

  it('catches up after the connection drops mid-execution, from the replay, with no reload', async () => {
    const id = await start(gated);
    const page = await signIn(await api.token('viewer'), `/executions/${id}`);
    const sockets = recordSockets(page);
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations += 1;
    });
    await page.reload();
    navigations = 0;
    await page.locator('[data-testid=step-status-gate][data-status=waiting]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('step-status-after').getAttribute('data-status')).toBe('pending');

    const historyReads: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/history')) historyReads.push(request.url());
    });
    // The network goes away; the execution goes on without the page.
    await relay.cut();
    await page.locator('[data-testid=live-state][data-state=reconnecting]').waitFor();
    const signal = await api.request('POST', `/api/v1/executions/${id}/signal`, {
      body: { event_type: 'go', data: { by: 'test' } },
      role: 'operator',
    });
    expect(signal.status, signal.text).toBe(202);
    await engine.waitFor(id);
    expect(await page.getByTestId('execution-status').getAttribute('data-status')).not.toBe('completed');
    await relay.restore();

    await page.locator('[data-testid=execution-status][data-status=completed]').waitFor({ timeout: 60_000 });
    for (const step of ['before', 'gate', 'after'])
      expect(await page.getByTestId(`step-status-${step}`).getAttribute('data-status'), step).toBe(
        'succeeded',
      );
    await page.locator('[data-testid=live-state][data-state=live]').waitFor();

    // It was the server's replay that filled the gap: the new socket resumed, and REST was not asked.
    const resumedSocket = sockets.at(-1)!;
    expect(sockets.length).toBeGreaterThanOrEqual(2);
    expect(resumedSocket[0]).toMatchObject({ type: 'subscribed', resumed: true });
    expect(resumedSocket[0]!.replayed).toBeGreaterThan(0);
    expect(historyReads).toEqual([]);
    expect(navigations).toBe(0);
    // No event twice, none missing: the seqs the page received are 1..n once each.
    const seqs = sockets
      .flat()
      .filter((frame) => frame.execution_id === id)
      .map((frame) => frame.seq!);
    let recorded: { seq: number; type: string }[] = [];
    await waitUntil(async () => {
      recorded = (await api.request('GET', `/api/v1/executions/${id}/history`, { role: 'viewer' })).body
        .items;
      return recorded.some((event) => event.type === 'ExecutionCompleted');
    }, 30_000);
    const firstLive = Math.min(...seqs);
    expect(seqs).toEqual(recorded.map((event) => event.seq).filter((seq) => seq >= firstLive));
    await page.close();
  }, 180_000);

  it('gives an API-key user live updates, bulk cancel and bulk retry', async () => {
    const created = await api.request('POST', '/api/v1/api-keys', {
      body: { name: `${engine.prefix}-operator`, roles: ['operator'] },
    });
    expect(created.status, created.text).toBe(201);
    const page = await signIn(created.body.key as string, '/executions');
    await page.getByTestId('nav-executions').click();
    await page.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: 30_000 });

    // New executions appear through /ws alone (the list is not fetched again).
    const ids = [await start(gated), await start(gated)];
    for (const id of ids)
      await page
        .locator(`[data-testid=execution-row-${id}] [data-status=waiting]`)
        .waitFor({ timeout: 60_000 });

    for (const id of ids) await page.getByTestId(`select-${id}`).check();
    await page.getByTestId('bulk-cancel').click();
    expect(await page.getByTestId('bulk-confirm').textContent()).toContain('Cancel 2 running executions');
    await shot(page, 'bulk');
    await page.getByTestId('bulk-confirm-yes').click();
    await page.locator('[data-testid=bulk-result][data-done="2"]').waitFor();
    for (const id of ids)
      await page
        .locator(`[data-testid=execution-row-${id}] [data-status=cancelled]`)
        .waitFor({ timeout: 60_000 });

    for (const id of ids) await page.getByTestId(`select-${id}`).check();
    await page.getByTestId('bulk-retry').click();
    await page.getByTestId('bulk-confirm-yes').click();
    await page.locator('[data-testid=bulk-result][data-done="2"]').waitFor();
    // Two new executions of the same workflow arrive live, waiting at the gate again.
    await waitUntil(
      async () =>
        (await page.locator('.virtual-row', { hasText: gated }).locator('[data-status=waiting]').count()) >=
        2,
      60_000,
    );
    await page.close();
  }, 180_000);

  it('lists a failed execution and a dead letter in the alert centre, and acknowledges them', async () => {
    const failed = await start(doomed);
    await engine.waitFor(failed);
    const [garbage] = await engine.produceAndAwaitConsumed(topicNames(engine.prefix).executions, [
      { key: 'not-an-execution', value: Buffer.from('<b>not avro</b>') },
    ]);
    // The API's dead-letter feed reads the topic in its own time.
    let kinds: string[] = [];
    await waitUntil(async () => {
      const listed = (await api.request('GET', '/api/v1/alerts', { role: 'viewer' })).body.items as {
        kind: string;
        details: { source_offset?: number };
      }[];
      kinds = listed.map((entry) => `${entry.kind}@${entry.details.source_offset ?? ''}`);
      return listed.some(
        (entry) => entry.kind === 'dead_letter' && entry.details.source_offset === Number(garbage!.offset),
      );
    }, 90_000).catch((error: Error) => {
      throw new Error(`${error.message}; listed: ${kinds.join(', ')}`);
    });
    const page = await signIn(await api.token('operator'), '/alerts');
    await page.getByTestId('nav-alerts').click();
    const item = page.getByTestId(`alert-failed_execution:${failed}`);
    await item.waitFor({ timeout: 60_000 });
    expect(await item.textContent()).toContain('doomed on purpose');
    const letter = page.locator('[data-kind=dead_letter]', { hasText: `offset ${garbage!.offset}` });
    await letter.first().waitFor({ timeout: 60_000 });
    await shot(page, 'alerts');

    await page.getByTestId(`alert-ack-failed_execution:${failed}`).click();
    await page
      .locator(`[data-testid="alert-failed_execution:${failed}"][data-status=acknowledged]`)
      .waitFor();
    await letter.first().getByRole('button', { name: 'Close' }).click();
    await waitUntil(async () => (await letter.count()) === 0, 30_000);
    // It stays acknowledged for the next reader.
    const items = (await api.request('GET', '/api/v1/alerts', { role: 'viewer' })).body.items as {
      id: string;
      status: string;
    }[];
    expect(items.find((entry) => entry.id === `failed_execution:${failed}`)?.status).toBe('acknowledged');
    await page.close();
  }, 180_000);

  it('draws the trends on the overview from the history', async () => {
    const page = await signIn(await api.token('viewer'), '/');
    await page.getByTestId('trends').waitFor();
    await page.getByTestId('trends-range').selectOption('1 h');
    await page.locator('[data-testid=trend-throughput]:not([data-points="0"])').waitFor({ timeout: 60_000 });
    await page
      .locator('[data-testid=trend-failure-rate]:not([data-points="0"])')
      .waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid=trend-duration] canvas').count()).toBeGreaterThan(0);
    await shot(page, 'trends');
    await page.close();
  }, 120_000);
});
