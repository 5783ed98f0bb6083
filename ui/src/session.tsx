// Who is signed in: the credential (sessionStorage) and the roles the server reports for it. An expired or
// revoked credential sends the user back to sign-in; the designer keeps its text in sessionStorage meanwhile.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import {
  api,
  may,
  setUnauthorizedHandler,
  storeCredential,
  storedCredential,
  type Credential,
  type Role,
} from './api';

export interface Me {
  subject: string;
  roles: string[];
  via: string;
}

interface SessionValue {
  me: Me | undefined;
  checking: boolean;
  signIn(credential: Credential): Promise<void>;
  signOut(): void;
  can(role: Role): boolean;
}

const SessionContext = createContext<SessionValue | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | undefined>(undefined);
  const [checking, setChecking] = useState(true);

  const signOut = useCallback(() => {
    storeCredential(undefined);
    setMe(undefined);
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(signOut);
    // With AUTH_MODE=off, or a credential still in this tab's session, the user is straight in.
    api<Me>('/api/v1/console/me', { credential: storedCredential() ?? { kind: 'none', value: '' } })
      .then(setMe)
      .catch(() => setMe(undefined))
      .finally(() => setChecking(false));
  }, [signOut]);

  const signIn = useCallback(async (credential: Credential) => {
    const answer = await api<Me>('/api/v1/console/me', { credential });
    storeCredential(credential);
    setMe(answer);
  }, []);

  const can = useCallback((role: Role) => (me ? may(me.roles, role) : false), [me]);

  return (
    <SessionContext.Provider value={{ me, checking, signIn, signOut, can }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
