// How the notifier delivers: `log` writes a pino line (always available, the default), `webhook` POSTs JSON
// with retries, `email` sends over SMTP_URL with nodemailer. Each returns what it did, or throws an
// AgentError saying whether another attempt may succeed.
import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../../../observability/logger.js';
import { AgentError } from '../../sdk/agent-error.js';
import { postJson, redact } from '../http-post.js';

export type Channel = 'log' | 'webhook' | 'email';
export const CHANNELS: readonly Channel[] = ['log', 'webhook', 'email'];

export type Severity = 'info' | 'warning' | 'error' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error', 'critical'];

export interface Notification {
  subject: string;
  message: string;
  severity: Severity;
  recipients: string[];
  data: Record<string, unknown>;
  executionId: string;
  stepId: string;
  /** The same for every attempt of the step: receivers drop a repeat carrying a key they have seen. */
  idempotencyKey: string;
}

export interface Delivery {
  channel: Channel;
  status: 'sent';
  /** What the channel reports: the webhook's HTTP status and tries, the SMTP message id and accepted recipients. */
  detail: Record<string, unknown>;
}

export function deliverToLog(logger: Logger, notification: Notification): Delivery {
  const level =
    notification.severity === 'info' ? 'info' : notification.severity === 'warning' ? 'warn' : 'error';
  logger[level](
    {
      notification: {
        subject: notification.subject,
        message: notification.message,
        severity: notification.severity,
        recipients: notification.recipients,
        data: notification.data,
      },
      executionId: notification.executionId,
      stepId: notification.stepId,
    },
    `notification: ${notification.subject}`,
  );
  return { channel: 'log', status: 'sent', detail: { level } };
}

export async function deliverToWebhook(
  url: string,
  notification: Notification,
  signal: AbortSignal,
  options: { attempts?: number; backoffMs?: number } = {},
): Promise<Delivery> {
  const result = await postJson(
    url,
    {
      subject: notification.subject,
      message: notification.message,
      severity: notification.severity,
      recipients: notification.recipients,
      data: notification.data,
      execution_id: notification.executionId,
      step_id: notification.stepId,
      sent_at: new Date().toISOString(),
    },
    {
      ...options,
      signal,
      headers: { 'idempotency-key': notification.idempotencyKey },
      errorPrefix: 'WEBHOOK',
    },
  );
  return {
    channel: 'webhook',
    status: 'sent',
    detail: { url: redact(url), http_status: result.status, attempts: result.attempts },
  };
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;
const transports = new Map<string, Transporter>();

function transportFor(smtpUrl: string): Transporter {
  let transport = transports.get(smtpUrl);
  if (!transport) {
    transport = nodemailer.createTransport(smtpUrl);
    transports.set(smtpUrl, transport);
  }
  return transport;
}

export async function deliverByEmail(
  smtpUrl: string | undefined,
  notification: Notification,
  from: string,
): Promise<Delivery> {
  if (!smtpUrl) {
    throw new AgentError(
      'CHANNEL_NOT_CONFIGURED',
      'the email channel needs SMTP_URL in the agent configuration',
    );
  }
  const recipients = notification.recipients.filter((recipient) => EMAIL.test(recipient));
  if (recipients.length === 0) {
    throw new AgentError('INVALID_INPUT', 'recipients: the email channel needs at least one e-mail address');
  }
  try {
    const info = (await transportFor(smtpUrl).sendMail({
      from,
      to: recipients,
      subject: `[${notification.severity}] ${notification.subject}`,
      text: notification.message,
      // A retry of the step sends the same Message-ID, which mail clients show once.
      messageId: `<${createHash('sha256').update(notification.idempotencyKey).digest('hex')}@percolator>`,
      headers: {
        'X-Percolator-Execution': notification.executionId,
        'Idempotency-Key': notification.idempotencyKey,
      },
    })) as { messageId?: string; accepted?: unknown[]; rejected?: unknown[] };
    return {
      channel: 'email',
      status: 'sent',
      detail: {
        message_id: info.messageId ?? null,
        accepted: info.accepted ?? [],
        rejected: info.rejected ?? [],
      },
    };
  } catch (error) {
    const responseCode = (error as { responseCode?: number }).responseCode;
    const message = `SMTP: ${(error as Error).message}`;
    // 5xx is the server's permanent refusal; 4xx and connection trouble may pass on another attempt.
    if (responseCode !== undefined && responseCode >= 500) {
      throw new AgentError('EMAIL_REJECTED', message, { retriable: false, cause: error });
    }
    throw new AgentError('EMAIL_FAILED', message, { retriable: true, cause: error });
  }
}
