// Serves the web console (ui/, built by `make build` into ui/dist) from the API's own origin, so the console
// reaches /api/v1 and /ws with no CORS. Hashed assets are immutable; index.html is always revalidated so a new
// build is picked up at once; any other GET that is not an API path gets index.html (the SPA's deep links).
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Koa from 'koa';

/** Where `make build` writes the console: <package root>/ui/dist (this file sits three levels below it). */
export const DEFAULT_CONSOLE_ROOT = fileURLToPath(new URL('../../../ui/dist/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Paths the console never shadows: an unknown API path must stay a 404 problem, not the SPA's page. */
const SERVER_PATHS = /^\/(api|ws|health|ready|metrics)(\/|$)/;

export function consoleAssets(root: string = DEFAULT_CONSOLE_ROOT): Koa.Middleware {
  const base = normalize(root.endsWith(sep) ? root : root + sep);
  return async (ctx, next) => {
    await next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return;
    if (ctx.status !== 404 || ctx.body !== undefined || SERVER_PATHS.test(ctx.path)) return;
    const relative = safeRelative(ctx.path);
    if (relative === undefined) return;
    const asset = relative === '' ? undefined : await fileAt(base, relative);
    if (asset) {
      ctx.status = 200;
      ctx.type = CONTENT_TYPES[extname(asset)] ?? 'application/octet-stream';
      // Vite names everything under assets/ by its content hash: a changed file gets a new name.
      ctx.set(
        'Cache-Control',
        relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      ctx.body = await readFile(asset);
      return;
    }
    // A missing bundle file is a real 404 (a stale link), not a page of the SPA; other paths are the app's own
    // (workflow names may contain dots, so an extension says nothing).
    if (relative.startsWith('assets/')) return;
    const index = await fileAt(base, 'index.html');
    if (!index) {
      ctx.status = 503;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = 'The console is not built: run `make build` (it builds ui/ into ui/dist).\n';
      return;
    }
    ctx.status = 200;
    ctx.type = CONTENT_TYPES['.html']!;
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = await readFile(index);
  };
}

/** The request path as a path under the root, or undefined when it tries to leave it. */
function safeRelative(path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const parts = decoded.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.some((part) => part === '..' || part.includes('\\'))) return undefined;
  return parts.join('/');
}

async function fileAt(base: string, relative: string): Promise<string | undefined> {
  const file = normalize(join(base, relative));
  if (!file.startsWith(base)) return undefined;
  const info = await stat(file).catch(() => undefined);
  return info?.isFile() ? file : undefined;
}
