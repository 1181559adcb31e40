/**
 * Before the run starts: what it is, how many steps, and who is doing it, as the template's
 * settings.identity asks: anonymous (a name is optional; giving one makes the identity external),
 * external (name required, email and phone optional) or member (sign in with email and password).
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, NetworkError, logIn, logOut, startRun } from './api';
import { deleteStored, readStored, writeStored } from './local-store';
import type { IdentityInput, Member, RunDocument } from './types';

interface Props {
  doc: RunDocument;
  onStarted: (doc: RunDocument) => void;
  onEnded: (status: number) => void;
}

type Field = 'name' | 'email' | 'phone' | 'password';
/** What is typed on the start screen (never the password) is kept on the phone until Start succeeds. */
type KeptFields = Partial<Record<'name' | 'email' | 'phone', string>>;
const startKey = (runId: string) => `start:${runId}`;

function describeStartError(error: unknown, signingIn: boolean): string {
  if (error instanceof NetworkError) return 'No connection. Check your signal and tap Start again.';
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
  if (error.status === 401)
    return signingIn ? 'That email and password do not match. Please try again.' : 'Please sign in first.';
  if (error.status === 403)
    return 'This checklist was sent to someone else. Sign in as the person it was sent to.';
  const details = error.problem.errors?.map((e) => e.message).filter(Boolean);
  return details?.length ? details.join(' ') : error.message;
}

function formatExpiry(expiresAt: string | null): string | null {
  if (!expiresAt) return null;
  const date = new Date(expiresAt);
  if (Number.isNaN(date.getTime())) return null;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function TextField(props: {
  id: Field;
  label: string;
  type?: 'text' | 'email' | 'tel' | 'password';
  autoComplete: string;
  value: string;
  error?: string | undefined;
  required?: boolean;
  onInput: (value: string) => void;
}) {
  const errorId = `${props.id}-error`;
  const common = {
    id: props.id,
    name: props.id,
    autoComplete: props.autoComplete,
    value: props.value,
    'aria-required': props.required,
    'aria-invalid': Boolean(props.error),
    'aria-describedby': props.error ? errorId : undefined,
    onInput: (event: { currentTarget: HTMLInputElement }) => props.onInput(event.currentTarget.value),
  };
  return (
    <div class="field">
      <label class="field-label" for={props.id}>
        {props.label}
      </label>
      {/* Preact types each input `type` separately, so one `type={expression}` does not type-check. */}
      {props.type === 'password' ? <input type="password" {...common} /> : null}
      {props.type === 'email' ? <input type="email" {...common} /> : null}
      {props.type === 'tel' ? <input type="tel" {...common} /> : null}
      {props.type === undefined || props.type === 'text' ? <input type="text" {...common} /> : null}
      {props.error ? (
        <p id={errorId} class="error-text">
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

export function StartScreen({ doc, onStarted, onEnded }: Props) {
  // A run dispatched with assign_to can only be started by that member, whatever the template asks.
  const mode = doc.assigned ? 'member' : doc.template.settings.identity;
  const [values, setValues] = useState<Record<Field, string>>({
    name: '',
    email: '',
    phone: '',
    password: '',
  });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [member, setMember] = useState<Member | null>(doc.member);
  const [busy, setBusy] = useState(false);
  const expiry = formatExpiry(doc.expires_at);
  const count = doc.template.steps.length;
  const branches = doc.template.steps.some((step) => step.visible_if);
  const update = (field: Field) => (value: string) =>
    setValues((v) => {
      const next = { ...v, [field]: value };
      const kept: KeptFields = { name: next.name, email: next.email, phone: next.phone };
      writeStored(startKey(doc.run_id), kept).catch(() => undefined);
      return next;
    });

  useEffect(() => {
    void readStored<KeptFields>(startKey(doc.run_id)).then((kept) => {
      if (kept) setValues((v) => ({ ...v, ...kept }));
    });
  }, [doc.run_id]);

  const validate = (): Partial<Record<Field, string>> => {
    const found: Partial<Record<Field, string>> = {};
    if (mode === 'external' && !values.name.trim()) found.name = 'Enter your name.';
    if (mode === 'member' && !member) {
      if (!values.email.trim()) found.email = 'Enter your email.';
      if (!values.password) found.password = 'Enter your password.';
    }
    if (values.email.trim() && !/^[^\s@]+@[^\s@]+$/.test(values.email.trim()))
      found.email = 'Enter an email address like name@example.com.';
    return found;
  };

  const buildIdentity = (): IdentityInput => {
    const name = values.name.trim();
    if (mode === 'member') return { mode: 'member' };
    if (mode === 'anonymous') return name ? { mode: 'external', name } : { mode: 'anonymous' };
    const email = values.email.trim();
    const phone = values.phone.trim();
    return { mode: 'external', name, ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
  };

  const start = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    const found = validate();
    setErrors(found);
    setMessage(null);
    const firstInvalid = (['name', 'email', 'password'] as Field[]).find((f) => found[f]);
    if (firstInvalid) return document.getElementById(firstInvalid)?.focus();
    setBusy(true);
    const signingIn = mode === 'member' && !member;
    try {
      if (signingIn) setMember(await logIn(values.email.trim(), values.password));
      const started = await startRun(doc.run_id, buildIdentity());
      await deleteStored(startKey(doc.run_id));
      onStarted(started);
    } catch (error) {
      if (error instanceof ApiError && [404, 409, 410].includes(error.status)) return onEnded(error.status);
      setMessage(describeStartError(error, signingIn));
    } finally {
      setBusy(false);
    }
  };

  const signOut = async () => {
    try {
      await logOut();
      setMember(null);
    } catch {
      setMessage('Could not sign out. Check your connection.');
    }
  };

  return (
    <main class="page start">
      <h1>{doc.template.name}</h1>
      {doc.template.description ? <p class="help">{doc.template.description}</p> : null}
      <p class="facts">
        {branches
          ? `Up to ${count} steps, depending on your answers`
          : `${count} step${count === 1 ? '' : 's'}`}
        {expiry ? ` · Available until ${expiry}` : ''}
      </p>
      <form class="card" noValidate onSubmit={(event) => void start(event)}>
        {mode === 'anonymous' ? (
          <TextField
            id="name"
            label="Your name (optional)"
            autoComplete="name"
            value={values.name}
            onInput={update('name')}
          />
        ) : null}
        {mode === 'external' ? (
          <>
            <TextField
              id="name"
              label="Your name"
              autoComplete="name"
              required
              value={values.name}
              error={errors.name}
              onInput={update('name')}
            />
            <TextField
              id="email"
              label="Email (optional)"
              type="email"
              autoComplete="email"
              value={values.email}
              error={errors.email}
              onInput={update('email')}
            />
            <TextField
              id="phone"
              label="Phone (optional)"
              type="tel"
              autoComplete="tel"
              value={values.phone}
              onInput={update('phone')}
            />
          </>
        ) : null}
        {mode === 'member' && member ? (
          <div class="signed-in">
            <p>
              Signed in as <strong>{member.name || member.email}</strong>
              {member.name ? ` (${member.email})` : ''}
            </p>
            <button type="button" class="link" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        ) : null}
        {mode === 'member' && !member ? (
          <>
            <p class="hint">
              {doc.assigned
                ? 'This checklist was assigned to a member of the team. Sign in with that account to do it.'
                : 'Sign in with your account to do this checklist.'}
            </p>
            <TextField
              id="email"
              label="Email"
              type="email"
              autoComplete="username"
              required
              value={values.email}
              error={errors.email}
              onInput={update('email')}
            />
            <TextField
              id="password"
              label="Password"
              type="password"
              autoComplete="current-password"
              required
              value={values.password}
              error={errors.password}
              onInput={update('password')}
            />
          </>
        ) : null}
        {message ? (
          <p class="error" role="alert">
            {message}
          </p>
        ) : null}
        <button type="submit" class="primary wide" aria-disabled={busy}>
          Start
        </button>
      </form>
    </main>
  );
}
