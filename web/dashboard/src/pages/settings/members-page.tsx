/**
 * Settings → Members: the org's members and their roles; owners also invite by a one-time link
 * (optionally for one email), see open invitations, change roles and remove members.
 */
import { useState } from 'preact/hooks';
import type { CreatedInvitation, InvitationBody, MemberBody } from '../../wire';
import { api, describeError, fieldErrors } from '../../../../shared/api-client';
import { Field, FormError, SelectField, SubmitButton } from '../../../../shared/forms';
import { useSignedIn } from '../../session';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { CopyField } from '../../ui/copy-button';
import { formatDate, formatDateTime } from '../../ui/format';
import { Loaded } from '../../ui/states';
import { useApi } from '../../ui/use-api';
import { SettingsFrame } from './settings-nav';

const ROLES = [
  { value: 'member', label: 'Member' },
  { value: 'owner', label: 'Owner' },
];

export function MembersPage() {
  const session = useSignedIn();
  const isOwner = session.role === 'owner';
  const members = useApi<{ data: MemberBody[] }>('/v1/members');
  const invitations = useApi<{ data: InvitationBody[] }>(isOwner ? '/v1/invitations' : null);
  const [removing, setRemoving] = useState<MemberBody>();
  const [actionError, setActionError] = useState<string>();

  async function act(work: () => Promise<unknown>) {
    setActionError(undefined);
    try {
      await work();
      members.reload();
      invitations.reload();
      setRemoving(undefined);
    } catch (failure) {
      setActionError(describeError(failure));
    }
  }

  return (
    <SettingsFrame title="Members">
      {isOwner && <InviteForm onInvited={invitations.reload} />}
      <FormError message={actionError} />
      <h2>People in {session.org.name}</h2>
      <Loaded state={members} what="members">
        {({ data }) => (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Joined</th>
                  {isOwner && (
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {data.map((member) => (
                  <tr key={member.user_id}>
                    <td>{member.name ?? '—'}</td>
                    <td>{member.email}</td>
                    <td>
                      {isOwner ? (
                        <select
                          aria-label={`Role of ${member.email}`}
                          value={member.role}
                          onChange={(event) => {
                            const role = event.currentTarget.value;
                            void act(() =>
                              api.patch(`/v1/members/${encodeURIComponent(member.user_id)}`, { role }),
                            );
                          }}
                        >
                          <option value="member">member</option>
                          <option value="owner">owner</option>
                        </select>
                      ) : (
                        member.role
                      )}
                    </td>
                    <td>{formatDate(member.joined_at)}</td>
                    {isOwner && (
                      <td>
                        {member.user_id !== session.user.user_id && (
                          <button
                            type="button"
                            class="button danger-quiet"
                            aria-label={`Remove ${member.email}`}
                            onClick={() => setRemoving(member)}
                          >
                            Remove
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
      {isOwner && (
        <>
          <h2>Open invitations</h2>
          <Loaded state={invitations} what="invitations">
            {({ data }) =>
              data.length === 0 ? (
                <p class="muted">No open invitations.</p>
              ) : (
                <ul class="plain-list">
                  {data.map((invitation) => (
                    <li key={invitation.invitation_id}>
                      {invitation.email ?? 'Anyone with the link'} as {invitation.role}, until{' '}
                      {formatDateTime(invitation.expires_at)}{' '}
                      <button
                        type="button"
                        class="button danger-quiet"
                        aria-label={`Revoke the invitation for ${invitation.email ?? 'anyone with the link'}`}
                        onClick={() =>
                          void act(() =>
                            api.delete(`/v1/invitations/${encodeURIComponent(invitation.invitation_id)}`),
                          )
                        }
                      >
                        Revoke
                      </button>
                    </li>
                  ))}
                </ul>
              )
            }
          </Loaded>
        </>
      )}
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.email}?`}
          confirmLabel="Remove"
          onCancel={() => setRemoving(undefined)}
          onConfirm={() => void act(() => api.delete(`/v1/members/${encodeURIComponent(removing.user_id)}`))}
        >
          <p>
            They lose access to {session.org.name} at once. Their account stays; you can invite them again.
          </p>
        </ConfirmDialog>
      )}
    </SettingsFrame>
  );
}

function InviteForm({ onInvited }: { onInvited: () => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('member');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [link, setLink] = useState<string>();

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const created = await api.post<CreatedInvitation>('/v1/invitations', {
        email: email.trim() || null,
        role,
      });
      setLink(created.link);
      setEmail('');
      onInvited();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="panel">
      <h2>Invite someone</h2>
      <form class="inline-form" onSubmit={(event) => void submit(event)} noValidate>
        <Field
          label="Email"
          type="email"
          name="invite-email"
          value={email}
          onValue={setEmail}
          error={fieldErrors(error).email}
          hint="Optional: only this email can use the link."
        />
        <SelectField
          label="Role"
          value={role}
          onValue={setRole}
          options={ROLES}
          hint="Members browse, dispatch and replay; owners also manage keys and members."
        />
        <FormError message={error ? describeError(error) : undefined} />
        <SubmitButton busy={busy}>Create invitation link</SubmitButton>
      </form>
      {link && (
        <div class="callout">
          <p>Send this link to the person. It works once and expires in 7 days.</p>
          <CopyField id="invitation-link" label="Invitation link" value={link} buttonLabel="Copy link" />
        </div>
      )}
    </div>
  );
}
