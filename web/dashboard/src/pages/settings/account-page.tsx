/** Settings → Account: who you are, and changing your password (your other sessions end). */
import { useState } from 'preact/hooks';
import { api, describeError, fieldErrors } from '../../../../shared/api-client';
import { Field, FormError, SubmitButton } from '../../../../shared/forms';
import { useSignedIn } from '../../session';
import { SettingsFrame } from './settings-nav';

export function AccountPage() {
  const session = useSignedIn();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState(false);
  const fields = fieldErrors(error);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(false);
    try {
      await api.post('/v1/auth/password', { current_password: current, new_password: next });
      setDone(true);
      setCurrent('');
      setNext('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <SettingsFrame title="Account">
      <dl class="facts">
        <dt>Email</dt>
        <dd>{session.user.email}</dd>
        <dt>Name</dt>
        <dd>{session.user.name ?? '—'}</dd>
        <dt>Role in {session.org.name}</dt>
        <dd>{session.role}</dd>
      </dl>
      <h2>Change password</h2>
      <form class="narrow-form" onSubmit={(event) => void submit(event)} noValidate>
        <Field
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={current}
          onValue={setCurrent}
          error={fields.current_password}
        />
        <Field
          label="New password"
          type="password"
          autoComplete="new-password"
          minLength={10}
          value={next}
          onValue={setNext}
          error={fields.new_password}
          hint="At least 10 characters. Your other sessions are signed out."
        />
        <FormError message={error ? describeError(error) : undefined} />
        {done && (
          <p role="status" class="ok">
            Password changed.
          </p>
        )}
        <SubmitButton busy={busy}>Change password</SubmitButton>
      </form>
    </SettingsFrame>
  );
}
