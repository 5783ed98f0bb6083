// What the notifier's actions take and return (docs/agents.md describes the fields).
import {
  anyObject,
  boolean,
  input,
  integer,
  listOf,
  nullable,
  oneOfValues,
  output,
  string,
} from '../schema-builders.js';
import { CHANNELS, SEVERITIES } from './channels.js';

const severity = oneOfValues(SEVERITIES);

export const NOTIFIER_SCHEMAS = {
  send_notification: {
    input: input(
      {
        message: string,
        subject: string,
        title: string,
        channel: oneOfValues(CHANNELS),
        channels: listOf(oneOfValues(CHANNELS)),
        severity,
        recipients: listOf(string),
        data: anyObject,
        webhook_url: string,
        from: string,
      },
      ['message'],
    ),
    output: output({ delivered: integer, deliveries: listOf(anyObject), subject: string, severity }, [
      'delivered',
      'deliveries',
      'subject',
      'severity',
    ]),
  },
  create_alert: {
    input: {
      ...input({
        title: string,
        subject: string,
        message: string,
        severity,
        source: string,
        labels: anyObject,
      }),
      anyOf: [{ required: ['title'] }, { required: ['subject'] }],
    },
    output: output(
      {
        alert_id: string,
        title: string,
        severity,
        status: string,
        source: string,
        created_at: string,
        already_created: boolean,
      },
      ['alert_id', 'title', 'severity', 'status'],
    ),
  },
  update_status: {
    input: input(
      { status: string, subject: string, entity_id: string, message: string, details: anyObject },
      ['status'],
    ),
    output: output(
      {
        status_id: string,
        subject: string,
        status: string,
        previous_status: nullable(string),
        changed: boolean,
        message: string,
        updated_at: string,
        already_recorded: boolean,
      },
      ['status_id', 'subject', 'status', 'changed'],
    ),
  },
} as const;
