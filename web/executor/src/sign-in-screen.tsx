/**
 * A run that belongs to a member (assigned to them, or started by them) opens only with their
 * session: without it the server answers 401 (not signed in) or 403 (signed in as someone else, or
 * no longer a member). This screen signs in, or signs out first to switch account, then reloads.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, NetworkError, logIn, logOut } from './api';

interface Props {
  /** The server's reason (its problem detail). */
  reason: string;
  /** 403: a session exists but is the wrong one. */
  signedInAsOther: boolean;
  onSignedIn: () => void;
}

function describeError(error: unknown): string {
  if (error instanceof NetworkError) return 'No connection. Check your signal and try again.';
  if (error instanceof ApiError && error.status === 401)
    return 'That email and password do not match. Please try again.';
  if (error instanceof ApiError && error.status === 429) return error.message;
  return 'Something went wrong. Please try again.';
}

export function SignInScreen({ reason, signedInAsOther, onSignedIn }: Props) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [other, setOther] = useState(signedInAsOther);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const signIn = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    if (!email.trim() || !password) return setMessage('Enter your email and password.');
    setBusy(true);
    setMessage(null);
    try {
      await logIn(email.trim(), password);
      onSignedIn();
    } catch (error) {
      setMessage(describeError(error));
    } finally {
      setBusy(false);
    }
  };

  const signOut = async () => {
    try {
      await logOut();
      setOther(false);
    } catch (error) {
      setMessage(describeError(error));
    }
  };

  return (
    <main class="page start">
      <h1 tabIndex={-1} ref={heading}>
        Sign in to open this checklist
      </h1>
      <p class="help">{reason}</p>
      {other ? (
        <div class="card">
          <button type="button" class="primary wide" onClick={() => void signOut()}>
            Sign out to switch account
          </button>
          {message ? (
            <p class="error" role="alert">
              {message}
            </p>
          ) : null}
        </div>
      ) : (
        <form class="card" noValidate onSubmit={(event) => void signIn(event)}>
          <div class="field">
            <label class="field-label" for="email">
              Email
            </label>
            <input
              id="email"
              name="email"
              type="email"
              autoComplete="username"
              aria-required
              value={email}
              onInput={(event) => setEmail(event.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label class="field-label" for="password">
              Password
            </label>
            <input
              id="password"
              name="password"
              type="password"
              autoComplete="current-password"
              aria-required
              value={password}
              onInput={(event) => setPassword(event.currentTarget.value)}
            />
          </div>
          {message ? (
            <p class="error" role="alert">
              {message}
            </p>
          ) : null}
          <button type="submit" class="primary wide" aria-disabled={busy}>
            Sign in
          </button>
        </form>
      )}
    </main>
  );
}
