/** Sign up: creates the org and its first owner, signs in, and opens Settings → API keys to make the first key. */
import { useState } from 'preact/hooks';
import { api, describeError, fieldErrors } from '../../../shared/api-client';
import { Field, FormError, SubmitButton, useFormSubmit } from '../../../shared/forms';
import { Link, navigate } from '../router';
import { useSession, type Session } from '../session';

export const MIN_PASSWORD_LENGTH = 10;

export function SignUpPage() {
  const { setSession } = useSession();
  const [organization, setOrganization] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useFormSubmit(async () => {
    const session = await api.post<Session>('/v1/auth/sign-up', {
      organization_name: organization,
      ...(name.trim() ? { name } : {}),
      email,
      password,
    });
    setSession(session);
    navigate('/app/settings/api-keys');
  });
  const fields = fieldErrors(error);

  return (
    <section class="card narrow">
      <h1>Sign up</h1>
      <p>Create your organization. You will be its owner and can invite the rest of your team.</p>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Field
          label="Organization name"
          name="organization"
          autoComplete="organization"
          required
          value={organization}
          onValue={setOrganization}
          error={fields.organization_name}
        />
        <Field
          label="Name"
          name="name"
          autoComplete="name"
          value={name}
          onValue={setName}
          error={fields.name}
          hint="Optional: shown to your team."
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
        />
        <Field
          label="Password"
          type="password"
          name="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          value={password}
          onValue={setPassword}
          error={fields.password}
          hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
        />
        <FormError message={error ? describeError(error) : undefined} />
        <SubmitButton busy={busy}>Sign up</SubmitButton>
      </form>
      <p class="aside">
        Already have an account? <Link href="/app/sign-in">Sign in</Link>
      </p>
    </section>
  );
}
