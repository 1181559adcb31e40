/** Sign in with email and password; then back to the page that asked (`next`), or Runs. */
import { useEffect, useState } from 'preact/hooks';
import { api, describeError } from '../../../shared/api-client';
import { Field, FormError, SubmitButton } from '../../../shared/forms';
import { Link, navigate } from '../router';
import { useSession, type Session } from '../session';

/** Only a path inside the dashboard may be `next`, never another site. */
export function safeNext(next: string | null | undefined): string {
  return next && /^\/app(\/|$|\?)/.test(next) && !next.startsWith('//') ? next : '/app/runs';
}

export function SignInPage({ next }: { next?: string }) {
  const { session, setSession } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const target = safeNext(next ?? new URLSearchParams(window.location.search).get('next'));

  useEffect(() => {
    if (session && window.location.pathname === '/app/sign-in') navigate(target, { replace: true });
  }, [session]);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const signedIn = await api.post<Session>('/v1/auth/sign-in', { email, password });
      setSession(signedIn);
      navigate(target, { replace: window.location.pathname !== '/app/sign-in' });
    } catch (failure) {
      setError(describeError(failure));
      setBusy(false);
    }
  }

  return (
    <section class="card narrow">
      <h1>Sign in</h1>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Field
          label="Email"
          type="email"
          name="email"
          autoComplete="username"
          required
          value={email}
          onValue={setEmail}
        />
        <Field
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onValue={setPassword}
        />
        <FormError message={error} />
        <SubmitButton busy={busy}>Sign in</SubmitButton>
      </form>
      <p class="aside">
        New to Rundun? <Link href="/app/sign-up">Sign up</Link>
      </p>
    </section>
  );
}
