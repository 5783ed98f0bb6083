// The console's one HTTP client: same origin as the API, the credential from the session, problems as errors
// that carry the server's `detail` so the page shows it where the user acted.
const TOKEN_KEY = 'percolator.credential';

export interface Credential {
  kind: 'bearer' | 'api-key' | 'none';
  value: string;
}

export function storedCredential(): Credential | undefined {
  const raw = sessionStorage.getItem(TOKEN_KEY);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Credential;
  } catch {
    return undefined;
  }
}

export function storeCredential(credential: Credential | undefined): void {
  if (credential) sessionStorage.setItem(TOKEN_KEY, JSON.stringify(credential));
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** A pasted JWT has three dot-separated parts; anything else is taken for an API key. */
export function credentialFrom(text: string): Credential {
  const value = text.trim();
  if (value === '') return { kind: 'none', value: '' };
  return { kind: /^[\w-]+\.[\w-]+\.[\w-]*$/.test(value) ? 'bearer' : 'api-key', value };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly body: unknown,
  ) {
    super(detail);
  }
}

/** Set by the session: called when the server says the credential is no longer good. */
let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export function authHeaders(credential = storedCredential()): Record<string, string> {
  if (!credential || credential.kind === 'none') return {};
  return credential.kind === 'bearer'
    ? { Authorization: `Bearer ${credential.value}` }
    : { 'X-API-Key': credential.value };
}

export async function api<T>(
  path: string,
  init: { method?: string; json?: unknown; yaml?: string; credential?: Credential } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...authHeaders(init.credential) };
  let body: string | undefined;
  if (init.yaml !== undefined) {
    headers['Content-Type'] = 'application/yaml';
    body = init.yaml;
  } else if (init.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const response = await fetch(path, { method: init.method ?? 'GET', headers, body });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  if (!response.ok) {
    const problem = parsed as { detail?: string; title?: string } | undefined;
    const detail =
      (typeof problem === 'object' && (problem?.detail ?? problem?.title)) ||
      `${response.status} ${response.statusText}`;
    if (response.status === 401 && init.credential === undefined) onUnauthorized();
    throw new ApiError(response.status, detail, parsed);
  }
  return parsed as T;
}

export interface Principal {
  roles: string[];
}

export type Role = 'viewer' | 'operator' | 'admin';
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function may(roles: readonly string[], needed: Role): boolean {
  return roles.some((role) => (RANK[role as Role] ?? 0) >= RANK[needed]);
}
