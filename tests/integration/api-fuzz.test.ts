/* eslint-disable @typescript-eslint/no-explicit-any -- the OpenAPI document is untyped JSON */
// Fuzzes every route of the API's own OpenAPI document with mutated paths, queries, headers and bodies, against
// a real engine on the real stack: no answer may be a 5xx, and every error must be a problem+json document.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { TestEngine } from '../support/engine.js';
import { ApiHarness } from './api-harness.js';

interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: string }[];
  hasBody: boolean;
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const RUNS = 2500;
const CONCURRENCY = 6;

/** Strings a hostile client would try in an id or a value. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    '\u0000',
    'a\u0000b',
    '{x}',
    '{',
    '}',
    'a\nb',
    '\r\n',
    '..',
    '../..',
    '%',
    '%zz',
    '%00',
    '%E0%A4%A',
    "'; DROP TABLE executions; --",
    '00000000-0000-0000-0000-000000000000',
    '😀',
    '\u202e',
    'x'.repeat(5000),
    'null',
    '-1',
    '1e309',
  ),
);

/** JSON bodies: valid values, deep nesting, NUL characters, long strings, and broken JSON text. */
function bodyText(known: { workflowId: string; executionId: string }): fc.Arbitrary<string> {
  const value = fc.jsonValue({ maxDepth: 4 });
  const shaped = fc.record(
    {
      input: value,
      data: value,
      trigger_type: fc.oneof(fc.string(), value),
      workflow_id: fc.oneof(fc.constant(known.workflowId), hostileText),
      event_type: fc.oneof(fc.constant('approval.granted'), hostileText),
      event_id: hostileText,
      reason: fc.oneof(hostileText, value),
      name: hostileText,
      roles: fc.oneof(fc.constant(['viewer']), fc.array(hostileText, { maxLength: 3 })),
      workflow: fc.oneof(
        value,
        fc.record({
          name: hostileText,
          steps: fc.oneof(
            value,
            fc.constant([{ id: 'a', type: 'agent', agent_type: 'echo', action: 'echo' }]),
          ),
        }),
      ),
      steps: value,
      definition: value,
    },
    { requiredKeys: [] },
  );
  const deep = fc.integer({ min: 60, max: 20_000 }).map((levels) => {
    const open = fc.sample(fc.constantFrom('[', '{"a":'), 1)[0]!;
    const close = open === '[' ? ']' : '}';
    return `{"input": ${open.repeat(levels)}1${close.repeat(levels)}}`;
  });
  const text = fc.oneof(
    { weight: 5, arbitrary: shaped.map((body) => JSON.stringify(body)) },
    { weight: 2, arbitrary: value.map((body) => JSON.stringify(body)) },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: fc.constant('{"input": {"a": "x\\u0000y"}}') },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  );
  // Cut or splice the text now and then: broken JSON must be a 400, not a crash.
  return fc
    .tuple(text, fc.nat(), fc.string({ maxLength: 5 }), fc.nat({ max: 9 }))
    .map(([body, at, extra, roll]) => {
      if (roll === 0) return body.slice(0, at % (body.length + 1));
      if (roll === 1) {
        const index = at % (body.length + 1);
        return body.slice(0, index) + extra + body.slice(index);
      }
      return body;
    });
}

describe('admin API fuzzing', () => {
  let engine: TestEngine;
  let api: ApiHarness;
  let operations: Operation[];
  const tokens: Record<string, string> = {};
  const known = { workflowId: '', workflowName: '', executionId: '', apiKeyId: '' };

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'api-fuzz', agents: [echoAgent] });
    api = await ApiHarness.start(engine, { alerts: true });
    for (const role of ['viewer', 'operator', 'admin'] as const) tokens[role] = await api.token(role);
    const created = await api.request('POST', '/api/v1/workflows', {
      body: {
        workflow: {
          name: `${engine.prefix}.fuzzed`,
          steps: [
            { id: 'say', type: 'agent', agent_type: 'echo', action: 'echo' },
            { id: 'wait', type: 'wait_for_event', event_type: 'approval.granted' },
          ],
        },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    known.workflowId = created.body.id;
    known.workflowName = created.body.name;
    const started = await api.request('POST', `/api/v1/workflows/${known.workflowId}/execute`, { body: {} });
    known.executionId = started.body.execution_id;
    const key = await api.request('POST', '/api/v1/api-keys', {
      body: { name: `${engine.prefix}-fuzz`, roles: ['viewer'] },
    });
    known.apiKeyId = key.body.id;

    const document = (await api.request('GET', '/api/v1/openapi.json', { role: null })).body;
    operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(
      ([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({
          method: method.toUpperCase(),
          path,
          parameters: (operation.parameters ?? []) as { name: string; in: string }[],
          hasBody: operation.requestBody !== undefined || method !== 'get',
        })),
    );
    expect(operations.length).toBeGreaterThan(20);
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
    await engine?.stop();
  });

  const requestOf = (known: {
    workflowId: string;
    workflowName: string;
    executionId: string;
    apiKeyId: string;
  }): fc.Arbitrary<FuzzRequest> =>
    fc
      .record({
        operation: fc.constantFrom(...operations),
        ids: fc.array(
          fc.oneof(
            {
              weight: 3,
              arbitrary: fc.constantFrom(known.workflowId, known.executionId, known.apiKeyId),
            },
            { weight: 1, arbitrary: fc.constant(known.workflowName) },
            { weight: 4, arbitrary: hostileText },
          ),
          { minLength: 2, maxLength: 2 },
        ),
        rawId: fc.boolean(),
        query: fc.array(
          fc.tuple(
            fc.oneof(
              fc.string({ maxLength: 12 }),
              fc.constantFrom(
                'limit',
                'status',
                'cursor',
                'since',
                'until',
                'workflow_id',
                'include_archived',
              ),
            ),
            hostileText,
          ),
          { maxLength: 3 },
        ),
        // Mostly authorised, so most requests reach the handlers.
        credential: fc.constantFrom(
          'admin',
          'admin',
          'admin',
          'admin',
          'operator',
          'operator',
          'viewer',
          'none',
          'garbage',
          'api-key',
        ),
        contentType: fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'application/yaml',
          'text/plain',
          'application/octet-stream',
          'application/merge-patch+json',
          '',
        ),
        idempotencyKey: fc.option(
          fc.string({
            unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
            maxLength: 250,
          }),
        ),
        body: fc.option(bodyText(known), { freq: 4 }),
      })
      .map(({ operation, ids, rawId, query, credential, contentType, idempotencyKey, body }) => {
        let index = 0;
        const path = operation.path.replace(/\{\w+\}/g, () => {
          const id = ids[index++ % ids.length]!;
          // Raw ids keep their percent signs, so the server sees broken escapes too.
          return rawId &&
            /^[\x21-\x7e]*$/.test(id) &&
            !id.includes('/') &&
            !id.includes('?') &&
            !id.includes('#')
            ? id
            : encodeURIComponent(id);
        });
        const search = query.map(
          ([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`,
        );
        const headers: Record<string, string> = {};
        if (credential === 'garbage') headers.authorization = 'Bearer x.y.z';
        else if (credential === 'api-key') headers['x-api-key'] = 'pk_not_a_key';
        else if (credential !== 'none') headers.authorization = `Bearer ${tokens[credential]}`;
        if (idempotencyKey !== null) headers['idempotency-key'] = idempotencyKey;
        if (body !== null && contentType !== '') headers['content-type'] = contentType;
        return {
          method: operation.method,
          path: `${path}${search.length > 0 ? `?${search.join('&')}` : ''}`,
          headers,
          ...(body !== null && operation.method !== 'GET' ? { body } : {}),
        };
      });

  it(`answers ${RUNS} mutated requests over every route without a 5xx, each error a problem document`, async () => {
    const requests = fc.sample(requestOf(known), { numRuns: RUNS, seed: Date.now() });
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const request = requests[next++]!;
        const response = await fetch(`${api.url}${request.path}`, {
          method: request.method,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
        });
        const text = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const described = `${request.method} ${request.path.slice(0, 200)} ${JSON.stringify(request.headers['content-type'])} ${JSON.stringify(request.body?.slice(0, 200))} -> ${response.status} ${text.slice(0, 300)}`;
        if (response.status >= 500) failures.push(described);
        else if (
          response.status >= 400 &&
          !response.headers.get('content-type')?.includes('application/problem+json')
        )
          failures.push(`not a problem document: ${described}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.info(
      `API fuzz: ${requests.length} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(failures.slice(0, 20)).toEqual([]);
    // The fuzzing reached the handlers, not only the door: some calls succeeded and some were refused.
    expect([...statuses.keys()].some((status) => status < 300)).toBe(true);
    expect([...statuses.keys()].some((status) => status === 400 || status === 422)).toBe(true);
  }, 240_000);
});
