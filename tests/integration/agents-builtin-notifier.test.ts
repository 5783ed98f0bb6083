// The notifier agent against real Postgres, a local webhook receiver and a local SMTP server standing in for
// a mail relay.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltinAgentDeps } from '../../src/agents/builtin/deps.js';
import { createNotifierAgent } from '../../src/agents/builtin/notifier/agent.js';
import type { AgentDefinition } from '../../src/agents/sdk/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { migrate } from '../../src/store/migrate.js';
import { testServices } from '../support/services.js';
import { handlerContext, invoke, localHttpServer } from '../unit/agents/builtin/support.js';

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

/** A real SMTP server on the loopback interface that keeps what it receives; `refuse` answers RCPT with 550. */
async function localSmtpServer(refuse: (address: string) => boolean = () => false) {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refuse(address.address)) {
        const error = Object.assign(new Error('mailbox unavailable'), { responseCode: 550 });
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('notifier agent', () => {
  const services = testServices();
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const closers: (() => Promise<void>)[] = [];
  let pool: pg.Pool;

  function agentWith(config: BuiltinAgentDeps['config'] = {}): AgentDefinition {
    return createNotifierAgent(
      { pool, config, logger, llm: null },
      { webhookAttempts: 3, webhookBackoffMs: 20 },
    );
  }

  beforeAll(async () => {
    await migrate({ databaseUrl: services.databaseUrl });
    pool = new pg.Pool({ connectionString: services.databaseUrl, max: 4 });
  });

  afterAll(async () => {
    await Promise.allSettled(closers.map((close) => close()));
    await pool?.end();
  });

  it('logs a notification by default, at the level of its severity', async () => {
    const ctx = handlerContext();
    const output = await invoke(
      agentWith(),
      'send_notification',
      { message: 'Stock of sku-1 is low', subject: 'Low stock', severity: 'warning', data: { sku: 'sku-1' } },
      ctx,
    );
    expect(output).toEqual({
      delivered: 1,
      deliveries: [{ channel: 'log', status: 'sent', detail: { level: 'warn' } }],
      subject: 'Low stock',
      severity: 'warning',
    });
    const line = lines.find((entry) => entry.executionId === ctx.executionId);
    expect(line).toMatchObject({
      level: 40,
      msg: 'notification: Low stock',
      notification: { message: 'Stock of sku-1 is low', severity: 'warning', data: { sku: 'sku-1' } },
    });
  });

  it('posts to a webhook, retrying a 500, and fails a 404 for good and repeated 503s retriably', async () => {
    const server = await localHttpServer((request, index) => {
      if (request.url === '/gone') return { status: 404, body: { error: 'no such hook' } };
      if (request.url === '/down') return { status: 503, body: { error: 'down' } };
      return index === 0 ? { status: 500, body: { error: 'oops' } } : { status: 200, body: { ok: true } };
    });
    closers.push(server.close);
    const ctx = handlerContext();
    const output = await invoke(
      agentWith(),
      'send_notification',
      {
        channels: ['webhook', 'log'],
        message: 'Workflow finished',
        webhook_url: `${server.url}/hook`,
        recipients: ['ops'],
      },
      ctx,
    );
    expect(output.delivered).toBe(2);
    expect((output.deliveries as { detail: unknown }[])[0]).toEqual({
      channel: 'webhook',
      status: 'sent',
      detail: { url: `${server.url}/hook`, http_status: 200, attempts: 2 },
    });
    expect(server.received).toHaveLength(2);
    expect(server.received[1]!.headers['idempotency-key']).toBe(ctx.idempotencyKey);
    expect(server.received[1]!.body).toMatchObject({
      subject: 'Workflow finished',
      message: 'Workflow finished',
      severity: 'info',
      recipients: ['ops'],
      execution_id: ctx.executionId,
      step_id: 'step',
    });

    await expect(
      invoke(agentWith(), 'send_notification', {
        channel: 'webhook',
        message: 'x',
        webhook_url: `${server.url}/gone`,
      }),
    ).rejects.toMatchObject({ code: 'WEBHOOK_REJECTED', retriable: false });
    const before = server.received.length;
    await expect(
      invoke(agentWith(), 'send_notification', {
        channel: 'webhook',
        message: 'x',
        webhook_url: `${server.url}/down`,
      }),
    ).rejects.toMatchObject({ code: 'WEBHOOK_FAILED', retriable: true });
    expect(server.received.length - before).toBe(3);
    await expect(
      invoke(agentWith(), 'send_notification', { channel: 'webhook', message: 'x' }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('sends e-mail over SMTP_URL, and reports a refused mailbox as final', async () => {
    const smtp = await localSmtpServer((address) => address.startsWith('nobody@'));
    closers.push(smtp.close);
    const agent = agentWith({ smtpUrl: smtp.url });
    const ctx = handlerContext();
    const output = await invoke(
      agent,
      'send_notification',
      {
        channel: 'email',
        subject: 'Reorder sku-9',
        message: 'Stock fell to 3; order 40 more.',
        severity: 'error',
        recipients: ['buyer@shop.example', 'ops@shop.example'],
        from: 'alerts@shop.example',
      },
      ctx,
    );
    expect(output.deliveries).toEqual([
      {
        channel: 'email',
        status: 'sent',
        detail: {
          message_id: expect.any(String),
          accepted: ['buyer@shop.example', 'ops@shop.example'],
          rejected: [],
        },
      },
    ]);
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.from).toBe('alerts@shop.example');
    expect(mail.to).toEqual(['buyer@shop.example', 'ops@shop.example']);
    expect(mail.raw).toContain('Subject: [error] Reorder sku-9');
    expect(mail.raw).toContain('Stock fell to 3; order 40 more.');
    expect(mail.raw).toContain(`X-Percolator-Execution: ${ctx.executionId}`);

    await expect(
      invoke(agent, 'send_notification', {
        channel: 'email',
        message: 'x',
        recipients: ['nobody@shop.example'],
      }),
    ).rejects.toMatchObject({ code: 'EMAIL_REJECTED', retriable: false });
    await expect(
      invoke(agentWith(), 'send_notification', {
        channel: 'email',
        message: 'x',
        recipients: ['a@b.example'],
      }),
    ).rejects.toMatchObject({ code: 'CHANNEL_NOT_CONFIGURED', retriable: false });
  });

  it('stores an alert with its severity once per command', async () => {
    const ctx = handlerContext({ workflowName: 'restock' });
    const input = {
      title: 'Stock out: sku-4',
      message: 'No units left',
      severity: 'critical',
      labels: { sku: 'sku-4' },
    };
    const first = await invoke(agentWith(), 'create_alert', input, ctx);
    expect(first).toMatchObject({
      title: 'Stock out: sku-4',
      severity: 'critical',
      status: 'open',
      source: 'restock',
      already_created: false,
    });
    const again = await invoke(agentWith(), 'create_alert', input, ctx);
    expect(again).toMatchObject({ alert_id: first.alert_id, already_created: true });
    const rows = await pool.query('SELECT * FROM alerts WHERE idempotency_key = $1', [ctx.idempotencyKey]);
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]).toMatchObject({
      severity: 'critical',
      labels: { sku: 'sku-4' },
      execution_id: ctx.executionId,
    });
    await expect(
      invoke(agentWith(), 'create_alert', { title: 't', severity: 'panic' }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('records status entries and answers with the previous status of the subject', async () => {
    const subject = `order-${randomUUID()}`;
    const first = await invoke(agentWith(), 'update_status', { subject, status: 'received' });
    expect(first).toMatchObject({ subject, status: 'received', previous_status: null, changed: true });
    const ctx = handlerContext();
    const second = await invoke(
      agentWith(),
      'update_status',
      { subject, status: 'shipped', message: 'via courier' },
      ctx,
    );
    expect(second).toMatchObject({
      status: 'shipped',
      previous_status: 'received',
      message: 'via courier',
      changed: true,
    });
    const replay = await invoke(agentWith(), 'update_status', { subject, status: 'shipped' }, ctx);
    expect(replay).toMatchObject({
      status_id: second.status_id,
      previous_status: 'received',
      already_recorded: true,
    });
    const rows = await pool.query(
      'SELECT status FROM status_updates WHERE subject = $1 ORDER BY created_at',
      [subject],
    );
    expect(rows.rows.map((row) => row.status)).toEqual(['received', 'shipped']);
  });
});
