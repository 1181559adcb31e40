/**
 * Dispatch run, by hand: template, executor_ref, expiry, optional assignee and webhook (url, secret,
 * events) → POST /v1/runs with the session; then the link with Copy link and a QR code.
 */
import { useState } from 'preact/hooks';
import { api, describeError, fieldErrors } from '../../../../shared/api-client';
import { Field, FormError, SelectField, SubmitButton } from '../../../../shared/forms';
import { Link, useLocation } from '../../router';
import { CopyField } from '../../ui/copy-button';
import { formatDateTime } from '../../ui/format';
import { QrCode } from '../../ui/qr-code';
import { Empty, Loaded } from '../../ui/states';
import { useApi } from '../../ui/use-api';
import type { DispatchAnswer, MemberBody, Page, TemplateBody } from '../../wire';

export const EVENT_NAMES = [
  'step.completed',
  'step.skipped',
  'run.completed',
  'run.cancelled',
  'run.expired',
];

export function DispatchPage() {
  const templates = useApi<Page<TemplateBody>>('/v1/templates?limit=200');
  const members = useApi<{ data: MemberBody[] }>('/v1/members');
  const [dispatched, setDispatched] = useState<DispatchAnswer>();
  return (
    <section>
      <p class="crumbs">
        <Link href="/app/runs">Runs</Link>
      </p>
      <h1>Dispatch run</h1>
      {dispatched ? (
        <Dispatched run={dispatched} onAnother={() => setDispatched(undefined)} />
      ) : (
        <Loaded state={templates} what="templates">
          {({ data }) =>
            data.filter((t) => !t.archived_at).length === 0 ? (
              <Empty title="No template to run yet">
                <p>
                  Create a template first (<code>POST /v1/templates</code>), then dispatch it here.
                </p>
              </Empty>
            ) : (
              <DispatchForm
                templates={data.filter((t) => !t.archived_at)}
                members={members.data?.data ?? []}
                onDispatched={setDispatched}
              />
            )
          }
        </Loaded>
      )}
    </section>
  );
}

function DispatchForm({
  templates,
  members,
  onDispatched,
}: {
  templates: TemplateBody[];
  members: MemberBody[];
  onDispatched: (run: DispatchAnswer) => void;
}) {
  const { query } = useLocation();
  const [templateId, setTemplateId] = useState(query.get('template') ?? templates[0]!.id);
  const [executorRef, setExecutorRef] = useState('');
  const [expiresIn, setExpiresIn] = useState('72');
  const [assignTo, setAssignTo] = useState('');
  const [webhookUrl, setWebhookUrl] = useState('');
  const [webhookSecret, setWebhookSecret] = useState('');
  const [events, setEvents] = useState<string[]>(EVENT_NAMES);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const fields = fieldErrors(error);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const body = {
      template_id: templateId,
      executor_ref: executorRef.trim() || null,
      expires_in_hours: expiresIn === 'never' ? null : Number(expiresIn),
      ...(assignTo ? { assign_to: assignTo } : {}),
      ...(webhookUrl.trim()
        ? {
            webhook: {
              url: webhookUrl.trim(),
              secret: webhookSecret,
              events: events.length === EVENT_NAMES.length ? ['*'] : events,
            },
          }
        : {}),
    };
    try {
      onDispatched(await api.post<DispatchAnswer>('/v1/runs', body));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <form class="narrow-form wide" onSubmit={(event) => void submit(event)} noValidate>
      <SelectField
        label="Template"
        value={templateId}
        onValue={setTemplateId}
        options={templates.map((t) => ({ value: t.id, label: `${t.name} (v${t.version})` }))}
        error={fields.template_id}
      />
      <Field
        label="Executor ref"
        value={executorRef}
        onValue={setExecutorRef}
        maxLength={255}
        hint="Your reference (a booking, a vehicle); returned in every webhook of the run."
        error={fields.executor_ref}
      />
      <SelectField
        label="Link expires"
        value={expiresIn}
        onValue={setExpiresIn}
        options={[
          { value: '24', label: 'In 24 hours' },
          { value: '72', label: 'In 3 days (default)' },
          { value: '168', label: 'In 7 days' },
          { value: '720', label: 'In 30 days' },
          { value: 'never', label: 'Never' },
        ]}
        error={fields.expires_in_hours}
      />
      <SelectField
        label="Assign to"
        value={assignTo}
        onValue={setAssignTo}
        options={[
          { value: '', label: 'Anyone with the link' },
          ...members.map((m) => ({ value: m.user_id, label: m.name ? `${m.name} (${m.email})` : m.email })),
        ]}
        hint="An assigned run can be executed only by that member, signed in."
        error={fields.assign_to}
      />
      <fieldset class="fieldset">
        <legend>Webhook (optional)</legend>
        <Field
          label="Webhook URL"
          type="url"
          value={webhookUrl}
          onValue={setWebhookUrl}
          placeholder="https://example.com/hooks/rundun"
          error={fields.webhook}
        />
        <Field
          label="Webhook secret"
          type="password"
          autoComplete="off"
          value={webhookSecret}
          onValue={setWebhookSecret}
          hint="At least 16 characters; deliveries are signed with it. Never shown again."
        />
        <fieldset class="checks">
          <legend>Events</legend>
          {EVENT_NAMES.map((name) => (
            <label key={name} class="check">
              <input
                type="checkbox"
                checked={events.includes(name)}
                onChange={(e) =>
                  setEvents(e.currentTarget.checked ? [...events, name] : events.filter((n) => n !== name))
                }
              />{' '}
              <code>{name}</code>
            </label>
          ))}
        </fieldset>
      </fieldset>
      <FormError message={error ? describeError(error) : undefined} />
      <SubmitButton busy={busy}>Dispatch run</SubmitButton>
    </form>
  );
}

function Dispatched({ run, onAnother }: { run: DispatchAnswer; onAnother: () => void }) {
  return (
    <div class="callout dispatched">
      <h2>Run dispatched</h2>
      <p>
        Send this link to the person who will do the checklist.{' '}
        {run.expires_at ? `It works until ${formatDateTime(run.expires_at)}.` : 'It never expires.'}
      </p>
      <CopyField id="run-link" label="Run link" value={run.link} buttonLabel="Copy link" />
      <QrCode value={run.link} label="QR code to open the run on a phone" />
      <p class="actions">
        <Link class="button primary" href={`/app/runs/${run.run_id}`}>
          Open the run
        </Link>
        <button type="button" class="button" onClick={onAnother}>
          Dispatch another
        </button>
      </p>
    </div>
  );
}
