// Reads request bodies with a size limit (413 beyond it): JSON, or YAML/plain text for definitions. JSON text is
// held to the payload limits before it is parsed (422 naming the limit).
import type Koa from 'koa';
import { DEFAULT_PAYLOAD_LIMITS, type PayloadLimits } from '../payload/limits.js';
import { assertBodyText, assertText } from './payload-guard.js';
import { HttpProblem } from './problem.js';

export type ParsedBody =
  { kind: 'json'; value: unknown } | { kind: 'text'; value: string } | { kind: 'none' };

const JSON_TYPES = ['application/json', 'application/*+json'];
const TEXT_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain'];

/**
 * Reads the body once; `acceptText` admits YAML/plain text (definitions), otherwise only JSON is accepted.
 * `payloadFields` names the body's free-form members, for the messages of the payload limits.
 */
export async function readBody(
  ctx: Koa.Context,
  limitBytes: number,
  acceptText: boolean,
  payloadLimits: PayloadLimits = DEFAULT_PAYLOAD_LIMITS,
  payloadFields: readonly string[] = [],
): Promise<ParsedBody> {
  const declared = Number(ctx.get('content-length') || NaN);
  if (declared > limitBytes) throw tooLarge(limitBytes);
  if (!ctx.request.type && !(declared > 0) && ctx.get('transfer-encoding') === '') return { kind: 'none' };
  const isJson = ctx.request.is(JSON_TYPES) !== false;
  const isText = acceptText && ctx.request.is(TEXT_TYPES) !== false;
  if (!isJson && !isText) {
    const raw = await readRaw(ctx, limitBytes);
    if (raw.length === 0) return { kind: 'none' };
    throw new HttpProblem(
      415,
      'unsupported-media-type',
      `send the body as application/json${acceptText ? ' or application/yaml' : ''}`,
    );
  }
  const text = (await readRaw(ctx, limitBytes)).toString('utf8');
  if (isText) {
    assertText(text);
    return { kind: 'text', value: text };
  }
  if (text.trim() === '') return { kind: 'none' };
  assertBodyText(text, payloadLimits, payloadFields);
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch (error) {
    throw new HttpProblem(400, 'malformed-json', `the body is not valid JSON: ${(error as Error).message}`);
  }
}

async function readRaw(ctx: Koa.Context, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limitBytes) {
      // Stop reading; the connection closes after the answer instead of draining an unbounded body.
      ctx.set('Connection', 'close');
      throw tooLarge(limitBytes);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limitBytes: number): HttpProblem {
  return new HttpProblem(413, 'body-too-large', `the request body exceeds the limit of ${limitBytes} bytes`, {
    limit_bytes: limitBytes,
  });
}
