// Koa app factory: routes and middleware only, no listen(), so tests drive it without a port.
import Koa from 'koa';
import { Router } from '@koa/router';
import type { Logger } from '../observability/logger.js';

/** A named dependency check for readiness: resolves when the dependency answers. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface AppOptions {
  logger: Logger;
  readiness: readonly ReadinessCheck[];
  readinessTimeoutMs?: number;
}

export function createApp(options: AppOptions): Koa {
  const app = new Koa();
  const router = new Router();

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      // Never leak a stack trace to a client: log it, answer a problem document.
      options.logger.error({ err: error, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.type = 'application/problem+json';
      ctx.body = { type: 'about:blank', title: 'Internal Server Error', status: 500 };
    }
  });

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/ready', async (ctx) => {
    const timeoutMs = options.readinessTimeoutMs ?? 2000;
    const results = await Promise.all(
      options.readiness.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), timeoutMs);
          return [name, { status: 'up' }] as const;
        } catch (error) {
          return [name, { status: 'down', error: (error as Error).message }] as const;
        }
      }),
    );
    const ready = results.every(([, result]) => result.status === 'up');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) };
  });

  app.use(router.routes()).use(router.allowedMethods());
  return app;
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
