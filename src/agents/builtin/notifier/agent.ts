// The notifier agent: notifications over log, webhook and email, alerts with a severity, and status
// entries, the last two kept in Postgres.
import { AgentError } from '../../sdk/agent-error.js';
import { defineAgent, type AgentDefinition, type HandlerContext } from '../../sdk/define-agent.js';
import { withStore, type BuiltinAgentDeps } from '../deps.js';
import {
  inputObject,
  invalidInput,
  oneOf,
  optionalObject,
  optionalString,
  optionalStringList,
  requireString,
  type JsonObject,
} from '../input.js';
import {
  CHANNELS,
  deliverByEmail,
  deliverToLog,
  deliverToWebhook,
  SEVERITIES,
  type Channel,
  type Delivery,
  type Notification,
  type Severity,
} from './channels.js';
import { createAlert, recordStatus } from './notifier-store.js';
import { NOTIFIER_SCHEMAS } from './schemas.js';

export const NOTIFIER_AGENT_TYPE = 'notifier';
const VERSION = '1.0.0';
const DEFAULT_FROM = 'Percolator <percolator@localhost>';

function channelsOf(input: JsonObject): Channel[] {
  const names = [
    ...(optionalString(input, 'channel') ? [optionalString(input, 'channel')!] : []),
    ...(optionalStringList(input, 'channels') ?? []),
  ].map((name) => name.toLowerCase());
  for (const name of names) {
    if (!(CHANNELS as readonly string[]).includes(name)) {
      throw invalidInput(`channel ${JSON.stringify(name)}: expected one of ${CHANNELS.join(', ')}`);
    }
  }
  return names.length > 0 ? [...new Set(names as Channel[])] : ['log'];
}

export interface NotifierOptions {
  /** Webhook tries and back-off; the defaults suit production, tests shorten them. */
  webhookAttempts?: number;
  webhookBackoffMs?: number;
}

export function createNotifierAgent(deps: BuiltinAgentDeps, options: NotifierOptions = {}): AgentDefinition {
  async function sendNotification(raw: unknown, ctx: HandlerContext) {
    const input = inputObject(raw);
    const channels = channelsOf(input);
    const message = requireString(input, 'message');
    const notification: Notification = {
      subject: optionalString(input, 'subject') ?? optionalString(input, 'title') ?? message.slice(0, 80),
      message,
      severity: oneOf(input, 'severity', SEVERITIES, 'info'),
      recipients: optionalStringList(input, 'recipients') ?? [],
      data: optionalObject(input, 'data') ?? {},
      executionId: ctx.executionId,
      stepId: ctx.stepId,
      idempotencyKey: ctx.idempotencyKey,
    };
    const webhookUrl = optionalString(input, 'webhook_url');
    if (channels.includes('webhook') && (!webhookUrl || !/^https?:\/\//i.test(webhookUrl))) {
      throw invalidInput('webhook_url: the webhook channel needs an http(s) URL');
    }
    const deliveries: Delivery[] = [];
    const failures: { channel: Channel; error: AgentError }[] = [];
    for (const channel of channels) {
      try {
        if (channel === 'log') deliveries.push(deliverToLog(deps.logger, notification));
        else if (channel === 'webhook') {
          deliveries.push(
            await deliverToWebhook(webhookUrl!, notification, ctx.signal, {
              ...(options.webhookAttempts !== undefined ? { attempts: options.webhookAttempts } : {}),
              ...(options.webhookBackoffMs !== undefined ? { backoffMs: options.webhookBackoffMs } : {}),
            }),
          );
        } else {
          deliveries.push(
            await deliverByEmail(
              deps.config.smtpUrl,
              notification,
              optionalString(input, 'from') ?? DEFAULT_FROM,
            ),
          );
        }
      } catch (error) {
        if (ctx.signal.aborted || !(error instanceof AgentError)) throw error;
        failures.push({ channel, error });
      }
    }
    if (failures.length > 0) {
      // One failed channel fails the step. A retry sends again on the channels that had succeeded, under the
      // same idempotency key, which webhook receivers and mail clients use to drop the repeat.
      const first = failures[0]!.error;
      const sent = deliveries.map((delivery) => delivery.channel).join(', ') || 'none';
      throw new AgentError(
        first.code,
        `${failures.map(({ channel, error }) => `${channel}: ${error.message}`).join('; ')} (sent: ${sent})`,
        {
          retriable: failures.some(({ error }) => error.retriable),
          ...(first.retryAfterMs !== undefined ? { retryAfterMs: first.retryAfterMs } : {}),
        },
      );
    }
    return {
      delivered: deliveries.length,
      deliveries,
      subject: notification.subject,
      severity: notification.severity,
    };
  }

  async function alert(raw: unknown, ctx: HandlerContext) {
    const input = inputObject(raw);
    const title = optionalString(input, 'title') ?? optionalString(input, 'subject');
    if (!title) throw invalidInput('title: required, a non-empty string');
    const severity: Severity = oneOf(input, 'severity', SEVERITIES, 'warning');
    const { alert: row, created } = await withStore(() =>
      createAlert(deps.pool, {
        title,
        message: optionalString(input, 'message') ?? '',
        severity,
        source: optionalString(input, 'source') ?? ctx.workflowName,
        labels: optionalObject(input, 'labels') ?? {},
        executionId: ctx.executionId,
        idempotencyKey: ctx.idempotencyKey,
      }),
    );
    if (created) deps.logger.warn({ alertId: row.id, severity, title }, 'alert created');
    return {
      alert_id: row.id,
      title: row.title,
      severity: row.severity,
      status: row.status,
      source: row.source,
      created_at: row.created_at.toISOString(),
      already_created: !created,
    };
  }

  async function updateStatus(raw: unknown, ctx: HandlerContext) {
    const input = inputObject(raw);
    const subject = optionalString(input, 'subject') ?? optionalString(input, 'entity_id') ?? ctx.executionId;
    const status = requireString(input, 'status');
    if (status.length > 100) throw invalidInput('status: at most 100 characters');
    const { entry, created } = await withStore(() =>
      recordStatus(deps.pool, {
        subject,
        status,
        message: optionalString(input, 'message') ?? '',
        details: optionalObject(input, 'details') ?? {},
        executionId: ctx.executionId,
        idempotencyKey: ctx.idempotencyKey,
      }),
    );
    return {
      status_id: entry.id,
      subject: entry.subject,
      status: entry.status,
      previous_status: entry.previous_status,
      changed: entry.previous_status !== entry.status,
      message: entry.message,
      updated_at: entry.created_at.toISOString(),
      already_recorded: !created,
    };
  }

  return defineAgent({
    type: NOTIFIER_AGENT_TYPE,
    version: VERSION,
    description: 'Sends notifications (log, webhook, email), raises alerts and records status updates.',
    concurrency: 16,
    actions: {
      send_notification: {
        inputJsonSchema: NOTIFIER_SCHEMAS.send_notification.input,
        outputJsonSchema: NOTIFIER_SCHEMAS.send_notification.output,
        description:
          'Input: message, subject, channel|channels (log, webhook, email), recipients, webhook_url.',
        handler: sendNotification,
      },
      create_alert: {
        inputJsonSchema: NOTIFIER_SCHEMAS.create_alert.input,
        outputJsonSchema: NOTIFIER_SCHEMAS.create_alert.output,
        description:
          'Stores an alert. Input: title, message, severity (info, warning, error, critical), labels.',
        handler: alert,
      },
      update_status: {
        inputJsonSchema: NOTIFIER_SCHEMAS.update_status.input,
        outputJsonSchema: NOTIFIER_SCHEMAS.update_status.output,
        description: 'Records a status entry for a subject and returns the previous one.',
        handler: updateStatus,
      },
    },
  });
}
