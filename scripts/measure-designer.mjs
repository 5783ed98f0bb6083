#!/usr/bin/env node
/* global process, console, URL, Worker, performance -- a Node script (the last two run inside the page) */
// Speed figures of the designer, measured in Debian's Chromium against the built console (ui/dist, so run
// `make build` first): the gzipped size of each JavaScript file the console loads, and how long the layout web
// worker the designer ships (elkjs, layered) takes to lay out a 200-step workflow, cold (a fresh worker) and
// warm. The numbers for docs/console.md; nothing here is a test.
//
//   node scripts/measure-designer.mjs [--steps 200] [--runs 5]
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { launchChromium } from './chromium.mjs';

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '200' }, runs: { type: 'string', default: '5' } },
});
const steps = Number(values.steps);
const runs = Number(values.runs);
const dist = join(import.meta.dirname, '..', 'ui', 'dist');
const assets = join(dist, 'assets');

let files;
try {
  files = readdirSync(assets).filter((file) => file.endsWith('.js'));
} catch {
  console.error(`${assets} is missing: run make build first`);
  process.exit(1);
}
const entry = /src="\/assets\/([^"]+\.js)"/.exec(readFileSync(join(dist, 'index.html'), 'utf8'))?.[1];
console.log('JavaScript, gzipped (KB):');
for (const file of files) {
  const bytes = readFileSync(join(assets, file));
  const role =
    file === entry
      ? 'first load (every page)'
      : file.startsWith('layout.worker')
        ? 'layout worker (when a graph is drawn)'
        : 'on demand (designer, versions)';
  console.log(`  ${file}: ${(gzipSync(bytes).length / 1024).toFixed(1)} (${role})`);
}

const worker = files.find((file) => file.startsWith('layout.worker'));
const server = createServer((request, response) => {
  if (request.url === '/') {
    response.setHeader('Content-Type', 'text/html');
    response.end('<!doctype html><title>measure</title>');
    return;
  }
  try {
    const body = readFileSync(join(dist, decodeURIComponent(new URL(request.url, 'http://x').pathname)));
    response.setHeader('Content-Type', 'text/javascript');
    response.end(body);
  } catch {
    response.statusCode = 404;
    response.end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

// The same graph as the 200-step browser test: a chain, and every tenth step a conditioned branch five ahead.
const nodes = Array.from({ length: steps }, (_, n) => ({ id: `s${n + 1}`, width: 170, height: 54 }));
const edges = nodes.slice(1).map((node, n) => ({ id: `e${n}`, from: `s${n + 1}`, to: node.id }));
for (let n = 10; n + 5 <= steps; n += 10)
  edges.push({
    id: `b${n}`,
    from: `s${n}`,
    to: `s${n + 5}`,
    label: { text: 'skip = true', width: 89, height: 22 },
  });

const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(origin);
  const timings = await page.evaluate(
    async ({ url, request, runs }) => {
      const layoutWorker = new Worker(url, { type: 'module' });
      const once = (id) =>
        new Promise((resolve, reject) => {
          const started = performance.now();
          layoutWorker.onmessage = (message) =>
            message.data.positions
              ? resolve(performance.now() - started)
              : reject(new Error(message.data.error));
          layoutWorker.postMessage({ id, ...request });
        });
      const all = [];
      for (let run = 0; run <= runs; run += 1) all.push(Math.round(await once(run)));
      layoutWorker.terminate();
      return all;
    },
    { url: `${origin}/assets/${worker}`, request: { nodes, edges }, runs },
  );
  const [cold, ...warm] = timings;
  warm.sort((a, b) => a - b);
  console.log(
    `layout of ${steps} steps, ${edges.length} connections: cold ${cold} ms; warm median ${
      warm[Math.floor(warm.length / 2)]
    } ms, min ${warm[0]} ms, max ${warm.at(-1)} ms (${warm.length} runs)`,
  );
} finally {
  await browser.close();
  server.close();
}
