// /ws: live lifecycle events for WebSocket clients. One kafkajs consumer per API instance, in a group of its
// own that starts at the end of the topic, fans each event out to the sockets whose filter matches. Each event
// carries a cursor; a client that reconnects with `?cursor=` gets what it missed replayed before anything new
// (see live-replay.ts). Browsers cannot set headers on a WebSocket, so besides the Authorization and X-API-Key
// headers a bearer token may come as `?access_token=` and an API key as the subprotocol
// `percolator.api-key.<key>` offered next to `percolator` (kept out of URLs and access logs).
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
import { LiveReplayBuffer, type ReplayLimits } from './live-replay.js';

/** The subprotocol a browser offers (and the server selects) when it sends its API key as a subprotocol. */
export const LIVE_SUBPROTOCOL = 'percolator';
const API_KEY_SUBPROTOCOL = 'percolator.api-key.';

export interface LiveUpdatesOptions {
  server: Server;
  kafka: Kafka;
  codec: EnvelopeCodec;
  topicPrefix: string;
  auth: AuthSettings;
  logger: Logger;
  /** How often open sockets' credentials are re-checked (expiry, revocation); default 5 s. */
  sessionCheckIntervalMs?: number;
  /** How much is kept for resuming clients; default 20 000 events or 32 MiB. */
  replayLimits?: ReplayLimits;
}

interface Filter {
  executionId?: string;
  workflow?: string;
}

export class LiveUpdates {
  private readonly sockets = new Map<WebSocket, Filter>();
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    // Select `percolator`, never echo the protocol that carries a key.
    handleProtocols: (protocols) => (protocols.has(LIVE_SUBPROTOCOL) ? LIVE_SUBPROTOCOL : false),
  });
  private readonly replay: LiveReplayBuffer;
  private runner?: ConsumerRunner;
  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    void this.upgrade(request, socket, head);
  };

  private readonly sessions: SocketSessions;

  constructor(private readonly options: LiveUpdatesOptions) {
    this.replay = new LiveReplayBuffer(options.replayLimits);
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
      const decoded = await this.options.codec.decode(message.value).catch(() => undefined);
      if (decoded?.name !== 'ExecutionEvent') continue;
      const event = decoded.value;
      // From here to the last send nothing awaits: a socket joining in between sees this event either in its
      // replay or live, never both, never neither.
      const buffered = this.replay.append(
        { eventId: event.event_id, executionId: event.execution_id, workflow: event.workflow_name },
        (cursor) =>
          JSON.stringify({
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
            // When the record was appended to the events topic (its Kafka timestamp): what latency is measured from.
            appended_at: new Date(Number(message.timestamp)).toISOString(),
            cursor,
          }),
      );
      if (!buffered) continue;
      for (const [socket, filter] of this.sockets) {
        if (matches(filter, buffered) && socket.readyState === WebSocket.OPEN) socket.send(buffered.text);
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
      const apiKey = headerValue(request.headers['x-api-key']) ?? subprotocolKey(request.headers);
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
    const cursor = url.searchParams.get('cursor');
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      // Synchronous from the replay to joining the fan-out, so no event falls between the two.
      const missed = cursor ? this.replay.since(cursor) : undefined;
      const replayed = missed?.filter((event) => matches(filter, event)) ?? [];
      ws.send(
        JSON.stringify({
          type: 'subscribed',
          filter,
          cursor: this.replay.current(),
          // false: the cursor could not be honoured (or none was sent); the client refills from REST.
          resumed: missed !== undefined,
          replayed: replayed.length,
        }),
      );
      for (const event of replayed) ws.send(event.text);
      this.sockets.set(ws, filter);
      this.sessions.add(ws, session);
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('error', () => this.sockets.delete(ws));
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

function matches(filter: Filter, event: { executionId: string; workflow: string }): boolean {
  if (filter.executionId !== undefined && filter.executionId !== event.executionId) return false;
  return filter.workflow === undefined || filter.workflow === event.workflow;
}

/** The API key a browser offered as the subprotocol `percolator.api-key.<key>`. */
function subprotocolKey(headers: IncomingMessage['headers']): string | undefined {
  const offered = headerValue(headers['sec-websocket-protocol'])?.split(',') ?? [];
  const carrier = offered.map((value) => value.trim()).find((value) => value.startsWith(API_KEY_SUBPROTOCOL));
  return carrier?.slice(API_KEY_SUBPROTOCOL.length) || undefined;
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
