import { describe, expect, it } from 'vitest';
import {
  correlationKeyOf,
  eventIdentity,
  parseCloudEvent,
  type KafkaRecordView,
} from '../../../src/triggers/events/cloud-event.js';

function record(
  value: Buffer | string | null,
  headers: Record<string, string> = {},
  key: string | null = null,
) {
  return {
    topic: 'p.events.inbound',
    partition: 2,
    offset: '41',
    key,
    value: typeof value === 'string' ? Buffer.from(value) : value,
    headers,
  } satisfies KafkaRecordView;
}

describe('CloudEvents on Kafka', () => {
  it('binary mode: attributes in ce_ headers, JSON data in the value', async () => {
    const parsed = await parseCloudEvent(
      record(JSON.stringify({ brand_id: 'b1' }), {
        ce_specversion: '1.0',
        ce_type: 'campaign.content_requested',
        ce_id: 'e-1',
        ce_source: '/crm',
        ce_subject: 'brand-b1',
        ce_tenant: 'acme',
        'content-type': 'application/json',
      }),
    );
    expect(parsed).toEqual({
      ok: true,
      mode: 'binary',
      event: {
        specversion: '1.0',
        type: 'campaign.content_requested',
        id: 'e-1',
        source: '/crm',
        subject: 'brand-b1',
        tenant: 'acme',
        datacontenttype: 'application/json',
        data: { brand_id: 'b1' },
      },
    });
  });

  it('binary mode without a content type reads JSON, and an empty value as null data', async () => {
    expect(await parseCloudEvent(record('[1,2]', { ce_type: 't' }))).toMatchObject({
      ok: true,
      event: { data: [1, 2] },
    });
    expect(await parseCloudEvent(record(null, { ce_type: 't' }))).toMatchObject({
      ok: true,
      event: { data: null },
    });
    expect(
      await parseCloudEvent(record('hello', { ce_type: 't', 'content-type': 'text/plain' })),
    ).toMatchObject({
      ok: true,
      event: { data: 'hello' },
    });
  });

  it('structured mode by content type or by a specversion in the body', async () => {
    const body = JSON.stringify({ specversion: '1.0', type: 't.x', id: 'e-2', source: 's', data: { a: 1 } });
    const byHeader = await parseCloudEvent(
      record(body, { 'content-type': 'application/cloudevents+json; charset=utf-8' }),
    );
    expect(byHeader).toEqual({
      ok: true,
      mode: 'structured',
      event: { specversion: '1.0', type: 't.x', id: 'e-2', source: 's', data: { a: 1 } },
    });
    expect(await parseCloudEvent(record(body))).toEqual(byHeader);
  });

  it('structured mode with data_base64 of JSON', async () => {
    const body = JSON.stringify({
      specversion: '1.0',
      type: 't',
      datacontenttype: 'application/json',
      data_base64: Buffer.from('{"n":3}').toString('base64'),
    });
    expect(await parseCloudEvent(record(body))).toMatchObject({ ok: true, event: { data: { n: 3 } } });
  });

  it('refuses records that are not events, with a reason code', async () => {
    const cases: [KafkaRecordView, string][] = [
      [record(Buffer.from([0xde, 0xad, 0xbe, 0xef])), 'EVENT_NO_TYPE'],
      [record('{"hello":"world"}'), 'EVENT_NO_TYPE'],
      [record(null), 'EVENT_NO_TYPE'],
      [record('{not json', { ce_type: 't' }), 'EVENT_INVALID_JSON'],
      [
        record('{"specversion":"1.0","data":{}}', { 'content-type': 'application/cloudevents+json' }),
        'EVENT_NO_TYPE',
      ],
      [record('{oops', { 'content-type': 'application/cloudevents+json' }), 'EVENT_INVALID_JSON'],
      [
        record('x', { ce_type: 't', 'content-type': 'application/octet-stream' }),
        'EVENT_UNSUPPORTED_CONTENT',
      ],
      [record('{}', { ce_type: 't', 'content-type': 'application/avro' }), 'EVENT_INVALID_AVRO'],
      [record(Buffer.from([0, 0, 0, 0, 1, 2]), { ce_type: 't' }), 'EVENT_INVALID_AVRO'],
      [record('{"specversion":"1.0","type":"t","id":7}'), 'EVENT_INVALID_ATTRIBUTE'],
    ];
    for (const [input, code] of cases) {
      const parsed = await parseCloudEvent(input);
      expect(parsed, JSON.stringify(input.value?.toString())).toMatchObject({ ok: false, code });
    }
  });

  it('identity: source and id, else the record key, else the record position', async () => {
    const withId = await parseCloudEvent(record('{}', { ce_type: 't', ce_id: '1', ce_source: 's' }, 'k'));
    const noId = await parseCloudEvent(record('{}', { ce_type: 't' }, 'k'));
    const bare = await parseCloudEvent(record('{}', { ce_type: 't' }));
    if (!withId.ok || !noId.ok || !bare.ok) throw new Error('expected events');
    expect(eventIdentity(withId.event, record(null, {}, 'k'))).toBe('id:s:1');
    expect(eventIdentity(noId.event, record(null, {}, 'k'))).toBe('key:k');
    expect(eventIdentity(bare.event, record(null))).toBe('record:p.events.inbound/2/41');
  });

  it('correlation key: the correlationkey extension, else subject, else the record key', async () => {
    const view = record('{}', {}, 'the-key');
    const all = await parseCloudEvent(
      record('{}', { ce_type: 't', ce_correlationkey: 'c', ce_subject: 's' }),
    );
    const subject = await parseCloudEvent(record('{}', { ce_type: 't', ce_subject: 's' }));
    const none = await parseCloudEvent(record('{}', { ce_type: 't' }));
    if (!all.ok || !subject.ok || !none.ok) throw new Error('expected events');
    expect(correlationKeyOf(all.event, view)).toBe('c');
    expect(correlationKeyOf(subject.event, view)).toBe('s');
    expect(correlationKeyOf(none.event, view)).toBe('the-key');
    expect(correlationKeyOf(none.event, record('{}'))).toBeUndefined();
  });
});
