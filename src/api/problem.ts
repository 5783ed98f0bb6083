// Problem details (RFC 9457): every error the API answers is one of these, and none carries a stack trace.
import type Koa from 'koa';
import type { Logger } from '../observability/logger.js';
import { dependencyOutageOf } from './dependency-outage.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An error that becomes a problem document; `type` is a short slug turned into a URN. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  toDocument(instance?: string): ProblemDocument {
    return problemDocument(this.status, this.slug, this.message, instance, this.extensions);
  }
}

export function problemDocument(
  status: number,
  slug: string,
  detail?: string,
  instance?: string,
  extensions: Record<string, unknown> = {},
): ProblemDocument {
  return {
    ...extensions,
    type: slug === 'about:blank' ? 'about:blank' : `urn:percolator:problem:${slug}`,
    title: TITLES[status] ?? 'Error',
    status,
    ...(detail === undefined ? {} : { detail }),
    ...(instance === undefined ? {} : { instance }),
  };
}

/** Seconds a client is asked to wait before retrying a call refused during a dependency outage. */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

export const notFound = (what: string): HttpProblem =>
  new HttpProblem(404, 'not-found', `${what} was not found`);

/** Answers every failure, and every unmatched route, with a problem document. */
export function problemMiddleware(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        send(ctx, problemDocument(404, 'not-found', `no route for ${ctx.method} ${ctx.path}`, ctx.path));
      } else if (ctx.status === 405 && (ctx.body === undefined || typeof ctx.body === 'string')) {
        send(
          ctx,
          problemDocument(405, 'method-not-allowed', `${ctx.method} is not allowed on ${ctx.path}`, ctx.path),
        );
      }
    } catch (error) {
      if (error instanceof HttpProblem) {
        for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
        send(ctx, error.toDocument(ctx.path));
        return;
      }
      const status = httpStatusOf(error);
      if (status !== undefined && status < 500) {
        // Errors thrown by Koa itself (ctx.throw, malformed requests) carry a safe status and message.
        send(ctx, problemDocument(status, 'about:blank', (error as Error).message, ctx.path));
        return;
      }
      const outage = dependencyOutageOf(error);
      if (outage) {
        // Expected while a dependency restarts: a prompt 503 the client can retry, and no stack in the log.
        logger.warn(
          { dependency: outage.dependency, reason: outage.reason, method: ctx.method, path: ctx.path },
          'request refused: a dependency is unavailable',
        );
        ctx.set('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS));
        const which = outage.dependency === 'unknown' ? 'a dependency' : outage.dependency;
        send(
          ctx,
          problemDocument(
            503,
            'dependency-unavailable',
            `${which} is unavailable; retry in ${OUTAGE_RETRY_AFTER_SECONDS} s`,
            ctx.path,
            { dependency: outage.dependency },
          ),
        );
        return;
      }
      logger.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
      send(
        ctx,
        problemDocument(500, 'about:blank', 'the request failed; the server log has the details', ctx.path),
      );
    }
  };
}

function send(ctx: Koa.Context, document: ProblemDocument): void {
  ctx.status = document.status;
  ctx.body = document;
  ctx.type = PROBLEM_CONTENT_TYPE;
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  return typeof status === 'number' && expose === true ? status : undefined;
}
