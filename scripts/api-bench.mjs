#!/usr/bin/env node
/* global process, console, fetch -- a Node script outside the TypeScript build */
// Measures the admin API of a running server at a fixed request rate (not a test): p50/p99 latency of workflow
// creation and of execute-accepted (202). Usage:
//   PERCOLATOR_URL=http://127.0.0.1:8080 PERCOLATOR_TOKEN=<admin token> node scripts/api-bench.mjs [--rate 200] [--seconds 10]
// Creation posts a distinct definition per request (each is a new workflow); execution targets one workflow whose
// echo step needs an agent only to finish, not to be accepted.
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] !== undefined ? Number(args[index + 1]) : fallback;
};
const rate = option('rate', 200);
const seconds = option('seconds', 10);
const baseUrl = process.env.PERCOLATOR_URL ?? 'http://127.0.0.1:8080';
const credential = process.env.PERCOLATOR_TOKEN;
const auth = credential
  ? credential.startsWith('pk_')
    ? { 'x-api-key': credential }
    : { authorization: `Bearer ${credential}` }
  : {};
const run = randomBytes(3).toString('hex');
const definition = (name) =>
  JSON.stringify({
    workflow: { name, steps: [{ id: 'say', type: 'agent', agent_type: 'echo', action: 'echo' }] },
  });

async function measure(title, options) {
  const result = await autocannon({
    url: baseUrl,
    connections: 50,
    overallRate: rate,
    duration: seconds,
    headers: { 'content-type': 'application/json', ...auth },
    ...options,
  });
  const ok = result['2xx'];
  const other = result.non2xx + result.errors + result.timeouts;
  console.log(
    `${title.padEnd(18)} rate ${rate}/s for ${seconds}s: ${ok} ok, ${other} not ok; ` +
      `latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
  );
}

let created = 0;
await measure('create workflow', {
  requests: [
    {
      method: 'POST',
      path: '/api/v1/workflows',
      setupRequest: (request) => ({ ...request, body: definition(`bench.${run}.${created++}`) }),
    },
  ],
});

const setup = await fetch(`${baseUrl}/api/v1/workflows`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', ...auth },
  body: definition(`bench.${run}.target`),
});
if (!setup.ok) {
  console.error(`cannot create the target workflow: HTTP ${setup.status} ${await setup.text()}`);
  process.exit(1);
}
const { id } = await setup.json();
await measure('execute accepted', {
  requests: [
    { method: 'POST', path: `/api/v1/workflows/${id}/execute`, body: JSON.stringify({ input: { n: 1 } }) },
  ],
});
