// Long-lived /ws sockets outlive the check made when they opened: a token expires, an API key is revoked. This
// keeps every socket's credential under watch on a timer and closes the socket with 1008 (policy violation)
// once it no longer holds. A Postgres outage during a check closes nothing: only a definite "revoked" does.
import type { WebSocket } from 'ws';
import type { ApiKeyRepository } from '../store/access-repository.js';
import type { Logger } from '../observability/logger.js';
import type { Principal } from './auth/roles.js';

export const POLICY_VIOLATION = 1008;

export interface SocketSession {
  principal: Principal;
  /** The API key the socket authenticated with, to see it revoked. */
  apiKey?: string;
}

export interface SocketSessionsOptions {
  apiKeys?: Pick<ApiKeyRepository, 'authenticate'>;
  logger: Logger;
  /** How often credentials are checked; default 5 s. */
  intervalMs?: number;
}

export class SocketSessions {
  private readonly sessions = new Map<WebSocket, SocketSession>();
  private timer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(private readonly options: SocketSessionsOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs ?? 5000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.sessions.clear();
  }

  add(socket: WebSocket, session: SocketSession): void {
    this.sessions.set(socket, session);
    socket.once('close', () => this.sessions.delete(socket));
  }

  /** One pass: expired tokens first, then each distinct API key once, however many sockets share it. */
  async sweep(now = Date.now()): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const byKey = new Map<string, WebSocket[]>();
      for (const [socket, session] of this.sessions) {
        if (session.principal.expiresAt !== undefined && session.principal.expiresAt <= now) {
          this.close(socket, 'the token has expired');
        } else if (session.apiKey !== undefined) {
          byKey.set(session.apiKey, [...(byKey.get(session.apiKey) ?? []), socket]);
        }
      }
      if (byKey.size === 0 || !this.options.apiKeys) return;
      const keys = [...byKey.keys()];
      const live = await Promise.all(keys.map((key) => this.options.apiKeys!.authenticate(key)));
      keys.forEach((key, index) => {
        if (live[index]) return;
        for (const socket of byKey.get(key)!) this.close(socket, 'the API key has been revoked');
      });
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not check the credentials of /ws sockets; retrying');
    } finally {
      this.sweeping = false;
    }
  }

  private close(socket: WebSocket, reason: string): void {
    this.sessions.delete(socket);
    socket.close(POLICY_VIOLATION, reason);
  }
}
