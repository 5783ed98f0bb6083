// The admin API in-process against a TestEngine: a real HTTP server on an ephemeral port, the engine's clients,
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are untyped JSON read by assertions */
// optionally the history sink and the /ws stream, and small helpers for authenticated requests.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/api/app.js';
import type { AuthSettings } from '../../src/api/auth/authenticate.js';
import type { Role } from '../../src/api/auth/roles.js';
import { createTokenVerifier, mintToken } from '../../src/api/auth/tokens.js';
import { AlertCentre } from '../../src/api/console/alert-centre.js';
import { ConsoleStats } from '../../src/api/console/console-stats.js';
import { DeadLetterFeed } from '../../src/api/console/dead-letter-feed.js';
import { LiveUpdates } from '../../src/api/live-updates.js';
import type { AgentDirectory } from '../../src/api/services.js';
import type { AgentCatalog } from '../../src/definition/index.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import type { PayloadLimits } from '../../src/payload/limits.js';
import { Admission } from '../../src/state/index.js';
import { ApiKeyRepository, AuditRepository } from '../../src/store/access-repository.js';
import { ExecutionRepository } from '../../src/store/execution-repository.js';
import { consumerLag } from '../../src/api/consumer-lag.js';
import type { TestEngine } from '../support/engine.js';

export const TEST_SECRET = 'a-test-secret-that-is-long-enough-0123456789';
export const TEST_ISSUER = 'percolator-tests';
export const TEST_AUDIENCE = 'percolator-api-tests';

export interface ApiHarnessOptions {
  authOff?: boolean;
  history?: boolean;
  live?: boolean;
  bodyLimitBytes?: number;
  payloadLimits?: PayloadLimits;
  /** How often /ws re-checks its sockets' credentials. */
  wsCheckIntervalMs?: number;
  /** JWT_MAX_LIFETIME of the verifier, in seconds. */
  jwtMaxLifetimeSeconds?: number;
  agents?: AgentDirectory;
  /** The alert centre, with a dead-letter feed reading the engine's dead-letter topic. */
  alerts?: boolean;
  /** What definitions are checked against (the engine gives the registry over the built-in agents). */
  agentCatalog?: AgentCatalog;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export class ApiHarness {
  readonly executions: ExecutionRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly audit: AuditRepository;
  private readonly stops: (() => Promise<void>)[] = [];
  server!: Server;
  url!: string;
  auth!: AuthSettings;

  private constructor(readonly engine: TestEngine) {
    this.executions = new ExecutionRepository(engine.pool);
    this.apiKeys = new ApiKeyRepository(engine.pool);
    this.audit = new AuditRepository(engine.pool);
  }

  static async start(engine: TestEngine, options: ApiHarnessOptions = {}): Promise<ApiHarness> {
    const harness = new ApiHarness(engine);
    await harness.boot(options);
    return harness;
  }

  private async boot(options: ApiHarnessOptions): Promise<void> {
    const { engine } = this;
    const topics = topicNames(engine.prefix);
    this.auth = options.authOff
      ? { mode: 'off' }
      : {
          mode: 'jwt',
          apiKeys: this.apiKeys,
          verifyToken: createTokenVerifier({
            secret: TEST_SECRET,
            issuer: TEST_ISSUER,
            audience: TEST_AUDIENCE,
            ...(options.jwtMaxLifetimeSeconds ? { maxLifetimeSeconds: options.jwtMaxLifetimeSeconds } : {}),
          }),
        };
    let deadLetters: DeadLetterFeed | undefined;
    if (options.alerts) {
      deadLetters = new DeadLetterFeed({
        kafka: engine.kafka,
        codec: engine.codec,
        topicPrefix: engine.prefix,
        logger: engine.logger,
      });
      await deadLetters.start();
      const feed = deadLetters;
      this.stops.push(() => feed.stop());
    }
    const app = createApp({
      logger: engine.logger,
      readiness: [{ name: 'postgres', check: async () => void (await engine.pool.query('SELECT 1')) }],
      auth: this.auth,
      ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
      ...(options.payloadLimits ? { payloadLimits: options.payloadLimits } : {}),
      services: {
        workflows: engine.repository,
        executions: this.executions,
        apiKeys: this.apiKeys,
        audit: this.audit,
        client: engine.client,
        store: engine.store,
        admission: new Admission({ redis: engine.redis, keyPrefix: engine.prefix, limit: 10_000 }),
        consumerLag: () =>
          consumerLag(engine.kafka, `${engine.prefix}.orchestrator`, topics.orchestratorInputs),
        ...(options.agents ? { agents: options.agents } : {}),
        consoleStats: new ConsoleStats(engine.pool),
        ...(options.alerts
          ? { alerts: new AlertCentre({ pool: engine.pool, topicPrefix: engine.prefix, deadLetters }) }
          : {}),
        ...(options.agentCatalog ? { agentCatalog: options.agentCatalog } : {}),
      },
    });
    this.server = createServer(app.callback());
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.stops.push(() => new Promise<void>((resolve) => this.server.close(() => resolve())));
    if (options.history) {
      await engine.startHistorySink();
    }
    if (options.live) {
      const live = new LiveUpdates({
        server: this.server,
        kafka: engine.kafka,
        codec: engine.codec,
        topicPrefix: engine.prefix,
        auth: this.auth,
        logger: engine.logger,
        ...(options.wsCheckIntervalMs ? { sessionCheckIntervalMs: options.wsCheckIntervalMs } : {}),
      });
      await live.start();
      this.stops.unshift(() => live.stop());
    }
  }

  token(role: Role, subject = `test-${role}`): Promise<string> {
    return mintToken({
      secret: TEST_SECRET,
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      subject,
      roles: [role],
      ttlSeconds: 600,
    });
  }

  /** A request as `role` (a minted token), with explicit headers, or with none when role is null. */
  async request(
    method: string,
    path: string,
    options: {
      role?: Role | null;
      body?: unknown;
      text?: string;
      contentType?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    const role = options.role === undefined ? 'admin' : options.role;
    if (role !== null && headers.authorization === undefined && headers['x-api-key'] === undefined)
      headers.authorization = `Bearer ${await this.token(role)}`;
    let body: string | undefined;
    if (options.text !== undefined) {
      body = options.text;
      headers['content-type'] = options.contentType ?? 'application/yaml';
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }

  /** Polls GET /api/v1/executions/{id} until `until` holds. */
  async waitForExecution(
    id: string,
    until: (execution: any) => boolean = (execution) =>
      ['completed', 'failed', 'cancelled', 'timed_out'].includes(execution.status),
    timeoutMs = 30_000,
  ): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      const response = await this.request('GET', `/api/v1/executions/${id}`, { role: 'viewer' });
      last = response.body;
      if (response.status === 200 && until(response.body)) return response.body;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`execution ${id} not there in time; last: ${JSON.stringify(last)}`);
  }

  async stop(): Promise<void> {
    for (const stop of this.stops) await stop().catch(() => undefined);
  }
}
