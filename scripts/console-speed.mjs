#!/usr/bin/env node
/* global process, console, fetch, document, window, MutationObserver, performance, sessionStorage, setTimeout -- a Node script outside the TypeScript build; the page callbacks run in Chromium */
// Measures the console's speed in Debian's Chromium against a running server (not a test):
//  - time to first render of the overview: first contentful paint, and the moment its figures are on screen,
//    with a cold cache (a new browser context each time) and a warm one;
//  - event to screen: executions started at a fixed rate while the executions list is open; for each, the time
//    from the append of its ExecutionCompleted event to the events topic (`appended_at` on /ws) to the row
//    showing "completed", split at the moment the page's socket received it.
// Usage: PERCOLATOR_URL=http://127.0.0.1:8080 [PERCOLATOR_TOKEN=<admin token or API key>] \
//          node scripts/console-speed.mjs [--rate 100] [--seconds 10] [--loads 10]
import { randomBytes } from 'node:crypto';
import { launchChromium } from './chromium.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] !== undefined ? Number(args[index + 1]) : fallback;
};
const rate = option('rate', 100);
const seconds = option('seconds', 10);
const loads = option('loads', 10);
const baseUrl = process.env.PERCOLATOR_URL ?? 'http://127.0.0.1:8080';
const credential = process.env.PERCOLATOR_TOKEN ?? '';
const headers = credential
  ? credential.startsWith('pk_')
    ? { 'x-api-key': credential }
    : { authorization: `Bearer ${credential}` }
  : {};

const quantile = (values, q) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
};
const summary = (values) =>
  `p50 ${quantile(values, 0.5).toFixed(0)} ms, p95 ${quantile(values, 0.95).toFixed(0)} ms, ` +
  `p99 ${quantile(values, 0.99).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms (n=${values.length})`;

async function call(method, path, body) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Every page starts signed in: the credential is where the console keeps it. */
async function newPage(context) {
  const page = await context.newPage();
  if (credential) {
    const stored = JSON.stringify({
      kind: credential.startsWith('pk_') ? 'api-key' : 'bearer',
      value: credential,
    });
    await page.addInitScript((value) => sessionStorage.setItem('percolator.credential', value), stored);
  }
  return page;
}

async function firstRender(browser, warm) {
  const fcp = [];
  const figures = [];
  const shared = warm ? await browser.newContext() : undefined;
  if (shared) await (await newPage(shared)).goto(`${baseUrl}/`);
  for (let i = 0; i < loads; i++) {
    const context = shared ?? (await browser.newContext());
    const page = await newPage(context);
    await page.goto(`${baseUrl}/`);
    await page.waitForFunction(() =>
      /\d/.test(document.querySelector('[data-testid=in-flight]')?.textContent ?? ''),
    );
    const timing = await page.evaluate(() => ({
      now: performance.now(),
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    }));
    fcp.push(timing.fcp);
    figures.push(timing.now);
    await page.close();
    if (!shared) await context.close();
  }
  await shared?.close();
  return { fcp, figures };
}

async function eventToScreen(browser) {
  const name = `console-speed-${randomBytes(3).toString('hex')}`;
  await call('POST', '/api/v1/workflows', {
    workflow: {
      name,
      steps: [
        { id: 'one', type: 'transform', output: '1' },
        { id: 'two', type: 'transform', output: '2' },
      ],
    },
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 4000 } });
  const page = await newPage(context);
  // When each ExecutionCompleted reaches the page's socket, to split the latency into delivery and drawing.
  await page.addInitScript(() => {
    window.__arrivedAt = {};
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (message) => {
          if (!String(message.data).includes('"ExecutionCompleted"')) return;
          const event = JSON.parse(String(message.data));
          window.__arrivedAt[event.execution_id] ??= {
            at: Date.now(),
            appended: Date.parse(event.appended_at),
          };
        });
      }
    };
  });
  await page.goto(`${baseUrl}/executions?workflow=${encodeURIComponent(name)}`);
  await page.waitForSelector('[data-testid=live-state][data-state=live]');
  // Wall-clock time at which each row first shows "completed" (rows are keyed by their test id).
  await page.evaluate(() => {
    window.__completedAt = {};
    const look = () => {
      for (const chip of document.querySelectorAll('[data-testid^=execution-row-] [data-status=completed]')) {
        const id = chip
          .closest('[data-testid^=execution-row-]')
          .dataset.testid.slice('execution-row-'.length);
        window.__completedAt[id] ??= Date.now();
      }
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  const ids = [];
  const total = Math.round(rate * seconds);
  const began = Date.now();
  for (let i = 0; i < total; i++) {
    const due = began + (i * 1000) / rate;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    ids.push(call('POST', `/api/v1/workflows/${encodeURIComponent(name)}/execute`, { input: { i } }));
  }
  // A start the API refuses (503 under load) is counted, not measured.
  const answers = await Promise.allSettled(ids);
  const refused = answers.filter((answer) => answer.status === 'rejected').length;
  const started = answers
    .filter((answer) => answer.status === 'fulfilled')
    .map((answer) => answer.value.execution_id);
  const deadline = Date.now() + 60_000;
  let seen = {};
  while (Date.now() < deadline) {
    seen = await page.evaluate(() => window.__completedAt);
    if (started.every((id) => seen[id] !== undefined)) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const arrived = await page.evaluate(() => window.__arrivedAt);
  const latencies = [];
  const delivery = [];
  const drawing = [];
  const engine = [];
  for (const id of started) {
    const socket = arrived[id];
    if (seen[id] === undefined || socket === undefined) continue;
    latencies.push(seen[id] - socket.appended);
    delivery.push(socket.at - socket.appended);
    drawing.push(seen[id] - socket.at);
  }
  // For scale: from the event's own timestamp (the input the orchestrator answered) to its append.
  for (const id of started.slice(0, 50)) {
    const socket = arrived[id];
    if (socket === undefined) continue;
    const history = await call('GET', `/api/v1/executions/${encodeURIComponent(id)}/history`);
    const done = history.items.find((event) => event.type === 'ExecutionCompleted');
    if (done) engine.push(socket.appended - Date.parse(done.occurred_at));
  }
  await context.close();
  return {
    latencies,
    delivery,
    drawing,
    engine,
    refused,
    started: started.length,
    shown: Object.keys(seen).length,
  };
}

const browser = await launchChromium();
try {
  const cold = await firstRender(browser, false);
  const warm = await firstRender(browser, true);
  console.log(
    `overview, cold cache: first contentful paint ${summary(cold.fcp)}; figures on screen ${summary(cold.figures)}`,
  );
  console.log(
    `overview, warm cache: first contentful paint ${summary(warm.fcp)}; figures on screen ${summary(warm.figures)}`,
  );
  const live = await eventToScreen(browser);
  console.log(
    `ExecutionCompleted, append to the events topic -> row shows "completed", at ${rate}/s for ${seconds} s: ` +
      `${live.shown}/${live.started} rows (${live.refused} starts refused); ${summary(live.latencies)}`,
  );
  console.log(`  of which append -> the page's socket: ${summary(live.delivery)}`);
  console.log(`  and socket -> screen: ${summary(live.drawing)}`);
  console.log(
    `  (before it, the engine: the input's timestamp -> the event's append: ${summary(live.engine)})`,
  );
} finally {
  await browser.close();
}
