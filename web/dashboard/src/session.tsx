/** Who is signed in: loaded once from GET /v1/auth/session, replaced at sign-in, cleared at sign-out or on any 401. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { SessionBody } from './wire';

export type Session = SessionBody;

export interface SessionState {
  session: Session | null;
  setSession: (session: Session | null) => void;
}

export const SessionContext = createContext<SessionState>({ session: null, setSession: () => undefined });

export function useSession(): SessionState {
  return useContext(SessionContext);
}

/** The signed-in session; only pages behind sign-in call this. */
export function useSignedIn(): Session {
  const { session } = useSession();
  if (!session) throw new Error('useSignedIn outside a signed-in page');
  return session;
}
