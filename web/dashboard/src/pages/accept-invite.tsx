/** The page behind an invitation (or first-start setup) link: who invites you, then Name, Email, Password to join. */
import { useState } from 'preact/hooks';
import type { InvitationView } from '../wire';
import { api, describeError, fieldErrors } from '../../../shared/api-client';
import { Field, FormError, SubmitButton, useFormSubmit } from '../../../shared/forms';
import { Link, navigate } from '../router';
import { useSession, type Session } from '../session';
import { formatDateTime } from '../ui/format';
import { Loaded } from '../ui/states';
import { useApi } from '../ui/use-api';

const ENDED: Record<string, string> = {
  accepted: 'This invitation has already been used.',
  expired: 'This invitation has expired.',
  revoked: 'This invitation was revoked.',
};

export function AcceptInvitePage({ token }: { token: string }) {
  const state = useApi<InvitationView>(`/v1/auth/invitations/${encodeURIComponent(token)}`);
  return (
    <section class="card narrow">
      <Loaded state={state} what="the invitation">
        {(invitation) =>
          invitation.state === 'open' ? (
            <AcceptForm token={token} invitation={invitation} />
          ) : (
            <>
              <h1>Join {invitation.org_name}</h1>
              <p role="alert">{ENDED[invitation.state]} Ask an owner of the org for a new link.</p>
              <p>
                <Link href="/app/sign-in">Sign in</Link>
              </p>
            </>
          )
        }
      </Loaded>
    </section>
  );
}

function AcceptForm({ token, invitation }: { token: string; invitation: InvitationView }) {
  const { setSession } = useSession();
  const [name, setName] = useState('');
  const [email, setEmail] = useState(invitation.email ?? '');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useFormSubmit(async () => {
    const session = await api.post<Session>(`/v1/auth/invitations/${encodeURIComponent(token)}/accept`, {
      email,
      password,
      ...(name.trim() ? { name } : {}),
    });
    setSession(session);
    navigate('/app/runs');
  });
  const fields = fieldErrors(error);

  return (
    <>
      <h1>Join {invitation.org_name}</h1>
      <p>
        You are invited as {invitation.role === 'owner' ? 'an owner' : 'a member'}. The link works once, until{' '}
        {formatDateTime(invitation.expires_at)}. Already have a Rundun account? Enter its email and password.
      </p>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Field
          label="Name"
          name="name"
          autoComplete="name"
          value={name}
          onValue={setName}
          error={fields.name}
        />
        <Field
          label="Email"
          type="email"
          name="email"
          autoComplete="username"
          required
          value={email}
          onValue={setEmail}
          error={fields.email}
          readOnly={Boolean(invitation.email)}
        />
        <Field
          label="Password"
          type="password"
          name="password"
          autoComplete="new-password"
          required
          value={password}
          onValue={setPassword}
          error={fields.password}
          hint="A new account needs at least 10 characters."
        />
        <FormError message={error ? describeError(error) : undefined} />
        <SubmitButton busy={busy}>Join {invitation.org_name}</SubmitButton>
      </form>
    </>
  );
}
