// What a bridged service says it offers: `GET <url>/actions`. Services are not obliged to answer; when
// they do not, the bridge forwards every action and advertises none (the registry then knows the type but
// not its actions, and the definitions validator does not check them).

export interface DiscoveredAction {
  name: string;
  description: string | null;
}

export interface DiscoveredActions {
  actions: DiscoveredAction[];
  version: string | undefined;
}

const ACTION_NAME = /^[A-Za-z0-9_.:-]+$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the answer to `GET <url>/actions`: `["a", "b"]`, `[{"name": "a", "description": "..."}]`, or either
 * of those as `{"actions": [...], "version": "1.2.0"}`. Null when it is none of them.
 */
export function readActionList(body: unknown): DiscoveredActions | null {
  const list = Array.isArray(body) ? body : isObject(body) ? body.actions : undefined;
  if (!Array.isArray(list)) return null;
  const actions: DiscoveredAction[] = [];
  const seen = new Set<string>();
  for (const item of list) {
    const name = typeof item === 'string' ? item : isObject(item) ? item.name : undefined;
    if (typeof name !== 'string' || !ACTION_NAME.test(name)) return null;
    if (seen.has(name)) continue;
    seen.add(name);
    const description = isObject(item) && typeof item.description === 'string' ? item.description : null;
    actions.push({ name, description });
  }
  const version =
    isObject(body) && typeof body.version === 'string' && body.version.trim() ? body.version : undefined;
  return { actions, version };
}

export interface DiscoverOptions {
  headers?: Readonly<Record<string, string>>;
  /** Default 5 000 ms. */
  timeoutMs?: number;
}

/** Asks the service for its actions; `missing` says why when it does not answer 200 with a list in time. */
export async function discoverActions(
  url: string,
  options: DiscoverOptions = {},
): Promise<{ found: DiscoveredActions } | { missing: string }> {
  const target = new URL('actions', url.endsWith('/') ? url : `${url}/`).toString();
  try {
    const response = await fetch(target, {
      headers: { ...options.headers, accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    });
    const text = await response.text();
    if (response.status !== 200) return { missing: `GET ${target} answered ${response.status}` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { missing: `GET ${target} did not answer JSON` };
    }
    const found = readActionList(parsed);
    return found ? { found } : { missing: `GET ${target} did not answer a list of actions` };
  } catch (error) {
    return { missing: `GET ${target} failed: ${(error as Error).message}` };
  }
}
