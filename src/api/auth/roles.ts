// Who may do what: three roles, each including the one below it.
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A route's requirement: a role, or `public` for the probes and the API description. */
export type Requirement = Role | 'public';

export interface Principal {
  subject: string;
  roles: readonly Role[];
  via: 'jwt' | 'api-key' | 'anonymous';
  /** When the credential stops being valid (a token's exp), in epoch ms; long-lived sockets are closed then. */
  expiresAt?: number;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when any of the principal's roles is at least the required one. */
export function satisfies(roles: readonly Role[], required: Requirement): boolean {
  if (required === 'public') return true;
  const needed = ROLES.indexOf(required);
  return roles.some((role) => ROLES.indexOf(role) >= needed);
}
