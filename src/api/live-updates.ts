// /ws: live lifecycle events for WebSocket clients. One kafkajs consumer per API instance, in a group of its
// own that starts at the end of the topic, fans each event out to the sockets whose filter matches.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Kafka } from 'kafkajs';
import { ConsumerRunner, type RunnerBatch } from '../kafka/consumer-runner.js';
import { WebSocket, WebSocketServer } from 'ws';
import type { EnvelopeCodec } from '../kafka/schemas.js';
import { topicNames } from '../kafka/topic-specs.js';
import type { Logger } from '../observability/logger.js';
import { authenticate, type AuthSettings } from './auth/authenticate.js';
import { satisfies } from './auth/roles.js';
import { requirementOf } from './auth/permissions.js';
import { HttpProblem } from './problem.js';
import { SocketSessions, type SocketSession } from './socket-sessions.js';

export interface LiveUpdatesOptions {
  server: Server;
  kafka: Kafka;
  codec: EnvelopeCodec;
  topicPrefix: string;
  auth: AuthSettings;
  logger: Logger;
  /** How often open sockets' credentials are re-checked (expiry, revocation); default 5 s. */
  sessionCheckIntervalMs?: number;
}

interface Filter {
  executionId?: string;
  workflow?: string;
}

export class LiveUpdates {
  private readonly sockets = new Map<WebSocket, Filter>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private runner?: ConsumerRunner;
  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    void this.upgrade(request, socket, head);
  };

  private readonly sessions: SocketSessions;

  constructor(private readonly options: LiveUpdatesOptions) {
    this.sessions = new SocketSessions({
      ...(options.auth.mode === 'jwt' && options.auth.apiKeys ? { apiKeys: options.auth.apiKeys } : {}),
      logger: options.logger,
      ...(options.sessionCheckIntervalMs ? { intervalMs: options.sessionCheckIntervalMs } : {}),
    });
  }

  /** Resolves once the consumer has joined its group, so events from then on reach the sockets. */
  async start(): Promise<void> {
    const { kafka, topicPrefix } = this.options;
    this.runner = new ConsumerRunner({
      kafka,
      consumer: { groupId: `${topicPrefix}.api-live.${randomUUID()}`, maxWaitTimeInMs: 100 },
      topics: [topicNames(topicPrefix).executionEvents],
      // A group of its own per instance: live means from now on; history comes from REST.
      fromBeginning: false,
      handler: (batch) => this.fanOut(batch),
      logger: this.options.logger,
      component: 'live-updates',
    });
    await this.runner.start();
    this.options.server.on('upgrade', this.onUpgrade);
    this.sessions.start();
    await this.runner.joined();
  }

  /** The consumer feeding the sockets, for the process's health board. */
  consumerRunners(): ConsumerRunner[] {
    return this.runner ? [this.runner] : [];
  }

  private async fanOut(batch: RunnerBatch): Promise<void> {
    for (const message of batch.messages) {
      if (this.sockets.size === 0) return;
      const decoded = await this.options.codec.decode(message.value).catch(() => undefined);
      if (decoded?.name !== 'ExecutionEvent') continue;
      const event = decoded.value;
      const text = JSON.stringify({
        event_id: event.event_id,
        execution_id: event.execution_id,
        workflow: event.workflow_name,
        workflow_version: event.workflow_version,
        seq: event.seq,
        type: event.type,
        step_id: event.step_id ?? null,
        attempt: event.attempt ?? null,
        status: event.status.toLowerCase(),
        data: safeParse(event.data_json),
        timestamp: new Date(event.timestamp).toISOString(),
      });
      for (const [socket, filter] of this.sockets) {
        if (filter.executionId !== undefined && filter.executionId !== event.execution_id) continue;
        if (filter.workflow !== undefined && filter.workflow !== event.workflow_name) continue;
        if (socket.readyState === WebSocket.OPEN) socket.send(text);
      }
    }
  }

  async stop(): Promise<void> {
    this.options.server.off('upgrade', this.onUpgrade);
    this.sessions.stop();
    for (const socket of this.sockets.keys()) socket.close(1001, 'server stopping');
    this.wss.close();
    await this.runner?.stop();
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') {
      refuse(socket, 404, 'not found');
      return;
    }
    let session: SocketSession;
    try {
      const apiKey = headerValue(request.headers['x-api-key']);
      const principal = await authenticate(this.options.auth, {
        authorization: request.headers.authorization,
        apiKey,
        queryToken: url.searchParams.get('access_token') ?? undefined,
      });
      session = { principal, ...(principal.via === 'api-key' && apiKey ? { apiKey } : {}) };
      if (!satisfies(principal.roles, requirementOf('GET /ws') ?? 'viewer')) {
        refuse(socket, 403, 'this stream needs the viewer role');
        return;
      }
    } catch (error) {
      if (error instanceof HttpProblem) refuse(socket, error.status, error.message);
      else {
        this.options.logger.error({ err: error }, 'websocket authentication failed');
        refuse(socket, 500, 'authentication failed');
      }
      return;
    }
    const filter: Filter = {};
    const executionId = url.searchParams.get('execution_id');
    const workflow = url.searchParams.get('workflow');
    if (executionId) filter.executionId = executionId;
    if (workflow) filter.workflow = workflow;
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      this.sockets.set(ws, filter);
      this.sessions.add(ws, session);
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('error', () => this.sockets.delete(ws));
      ws.send(JSON.stringify({ type: 'subscribed', filter }));
    });
  }
}

function refuse(socket: Duplex, status: number, detail: string): void {
  const body = JSON.stringify({ type: 'about:blank', title: 'WebSocket refused', status, detail });
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Error'}\r\n` +
      `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function safeParse(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return null;
  }
}
