/**
 * Settings → API keys: create a live or a test key (shown once, with a copy button), list (name, mode,
 * rdk_live_… or rdk_test_… with the last 4, created, last used) and revoke with a confirmation. Owners
 * only, as the API enforces.
 */
import { useState } from 'preact/hooks';
import type { ApiKeyBody, CreatedApiKey } from '../../wire';
import { api, describeError, fieldErrors } from '../../../../shared/api-client';
import { Field, FormError, SubmitButton } from '../../../../shared/forms';
import { useSignedIn } from '../../session';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { CopyField } from '../../ui/copy-button';
import { formatDateTime } from '../../ui/format';
import { Empty, Loaded } from '../../ui/states';
import { useApi } from '../../ui/use-api';
import { OwnersOnly, SettingsFrame } from './settings-nav';

type Created = CreatedApiKey;
type Mode = 'live' | 'test';

const MODES: { value: Mode; label: string; hint: string }[] = [
  { value: 'live', label: 'Live', hint: 'rdk_live_…: real runs, one credit each.' },
  { value: 'test', label: 'Test', hint: 'rdk_test_…: test runs, no credit, seen only by test keys.' },
];

function ModeBadge({ livemode }: { livemode: boolean }) {
  return livemode ? <span class="badge">Live</span> : <span class="badge mode-test">Test</span>;
}

export function ApiKeysPage() {
  const session = useSignedIn();
  return (
    <SettingsFrame title="API keys">{session.role === 'owner' ? <ApiKeys /> : <OwnersOnly />}</SettingsFrame>
  );
}

function ApiKeys() {
  const keys = useApi<{ data: ApiKeyBody[] }>('/v1/api-keys');
  const [created, setCreated] = useState<Created>();
  const [revoking, setRevoking] = useState<ApiKeyBody>();
  const [revokeBusy, setRevokeBusy] = useState(false);
  const [revokeError, setRevokeError] = useState<string>();

  async function revoke(key: ApiKeyBody) {
    setRevokeBusy(true);
    setRevokeError(undefined);
    try {
      await api.delete(`/v1/api-keys/${encodeURIComponent(key.key_id)}`);
      setRevoking(undefined);
      keys.reload();
    } catch (failure) {
      setRevokeError(describeError(failure));
    } finally {
      setRevokeBusy(false);
    }
  }

  return (
    <>
      <p>
        Your backend sends a key as <code>Authorization: Bearer rdk_live_…</code> on every call to{' '}
        <code>/v1</code>. A key is shown once, when it is created; store it in your secrets manager.
      </p>
      <p>
        A test key (<code>rdk_test_…</code>) dispatches test runs: they take no credit, their webhooks are
        signed as live ones, and only test keys see them (this dashboard shows live runs).
      </p>
      <CreateKeyForm
        onCreated={(key) => {
          setCreated(key);
          keys.reload();
        }}
      />
      {created && (
        <div class="callout">
          <h2>
            New {created.livemode ? 'live' : 'test'} key “{created.name}”
          </h2>
          <p>Copy it now: it will not be shown again.</p>
          <CopyField id="new-api-key" label="API key" value={created.api_key} buttonLabel="Copy key" />
          <button type="button" class="button quiet" onClick={() => setCreated(undefined)}>
            Done
          </button>
        </div>
      )}
      <h2>Keys</h2>
      <Loaded state={keys} what="API keys">
        {({ data }) =>
          data.length === 0 ? (
            <Empty title="No API keys yet">
              <p>Create one above to call the API from your backend.</p>
            </Empty>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Mode</th>
                    <th scope="col">Key</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.map((key) => (
                    <tr key={key.key_id} class={key.revoked_at ? 'revoked' : undefined}>
                      <td>{key.name}</td>
                      <td>
                        <ModeBadge livemode={key.livemode} />
                      </td>
                      <td>
                        <code class="key-hint">{key.hint}</code>
                      </td>
                      <td>{formatDateTime(key.created_at)}</td>
                      <td>{key.last_used_at ? formatDateTime(key.last_used_at) : 'Never'}</td>
                      <td>
                        {key.revoked_at ? (
                          <span class="badge">Revoked {formatDateTime(key.revoked_at)}</span>
                        ) : (
                          <button
                            type="button"
                            class="button danger-quiet"
                            aria-label={`Revoke ${key.name}`}
                            onClick={() => setRevoking(key)}
                          >
                            Revoke
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      {revoking && (
        <ConfirmDialog
          title={`Revoke “${revoking.name}”?`}
          confirmLabel="Revoke"
          busy={revokeBusy}
          onCancel={() => (setRevoking(undefined), setRevokeError(undefined))}
          onConfirm={() => void revoke(revoking)}
        >
          <p>
            Requests with <code>{revoking.hint}</code> will be refused from now on. This cannot be undone.
          </p>
          <FormError message={revokeError} />
        </ConfirmDialog>
      )}
    </>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (key: Created) => void }) {
  const [name, setName] = useState('');
  const [mode, setMode] = useState<Mode>('live');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onCreated(await api.post<Created>('/v1/api-keys', { name: name.trim(), mode }));
      setName('');
      setMode('live');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="inline-form" onSubmit={(event) => void submit(event)} noValidate>
      <Field
        label="Name"
        name="key-name"
        required
        maxLength={100}
        value={name}
        onValue={setName}
        error={fieldErrors(error).name}
        hint="What uses it, e.g. “Production backend”."
      />
      <fieldset class="checks key-mode">
        <legend>Mode</legend>
        {MODES.map((option) => (
          <label key={option.value} class="check">
            <input
              type="radio"
              name="key-mode"
              value={option.value}
              checked={mode === option.value}
              onChange={() => setMode(option.value)}
            />
            {option.label} <span class="muted small">{option.hint}</span>
          </label>
        ))}
      </fieldset>
      <FormError message={error ? describeError(error) : undefined} />
      <SubmitButton busy={busy}>Create key</SubmitButton>
    </form>
  );
}
