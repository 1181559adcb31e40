/**
 * Who executes a run. The template's `settings.identity` says what is required:
 *   anonymous (default) — `{ mode: "anonymous" }`; a name given makes it external;
 *   external            — a name (1..200 characters) is required, email and phone optional;
 *   member              — signed in as a member of the run's org: `{ mode: "member", user_id }`.
 * A member may always identify as such, whatever the template asks. A run dispatched with `assign_to`
 * can be started and written only by that member, signed in; so can a run started in member mode.
 */
import { DomainError, type FieldError } from './errors.js';
import type { Identity } from './events.js';
import type { TemplateSettings } from './template.js';

export const MAX_NAME_LENGTH = 200;

export interface IdentityInput {
  mode?: 'anonymous' | 'external' | 'member';
  name?: string;
  email?: string;
  phone?: string;
  user_id?: string;
}

export interface IdentityContext {
  /** The signed-in user (session cookie), if any. */
  sessionUserId: string | null;
  /** Whether that user is a member of the run's org. */
  isMember: boolean;
  assignedTo: string | null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 ()./-]{3,40}$/;

function invalid(errors: FieldError[]): DomainError {
  return new DomainError('invalid_request', errors[0]!.message, errors);
}

function resolveMember(input: IdentityInput, context: IdentityContext): Identity {
  if (!context.sessionUserId)
    throw new DomainError('unauthorized', 'Sign in as a member of the organisation to start this checklist.');
  if (!context.isMember || (input.user_id !== undefined && input.user_id !== context.sessionUserId))
    throw new DomainError(
      'forbidden',
      'You are signed in, but not as a member of the organisation that sent this checklist.',
    );
  return { mode: 'member', user_id: context.sessionUserId };
}

function resolveExternal(input: IdentityInput, nameRequired: boolean): Identity {
  const name = (input.name ?? '').trim();
  const email = (input.email ?? '').trim();
  const phone = (input.phone ?? '').trim();
  const errors: FieldError[] = [];
  if (!name && nameRequired)
    errors.push({ pointer: '/identity/name', rule: 'name_required', message: 'Please enter your name.' });
  if (name.length > MAX_NAME_LENGTH)
    errors.push({
      pointer: '/identity/name',
      rule: 'max_length',
      message: `The name is longer than ${MAX_NAME_LENGTH} characters.`,
    });
  if (email && (email.length > 320 || !EMAIL.test(email)))
    errors.push({
      pointer: '/identity/email',
      rule: 'email',
      message: 'The email address does not look valid.',
    });
  if (phone && (!PHONE.test(phone) || phone.replace(/\D/g, '').length < 3))
    errors.push({
      pointer: '/identity/phone',
      rule: 'phone',
      message: 'The phone number does not look valid.',
    });
  if (errors.length) throw invalid(errors);
  if (!name) return { mode: 'anonymous' };
  return { mode: 'external', name, ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
}

/** The identity a start request results in, or the reason it is refused (400/401/403). */
export function resolveIdentity(
  settings: Pick<TemplateSettings, 'identity'>,
  input: IdentityInput | undefined,
  context: IdentityContext,
): Identity {
  const requested = input ?? { mode: 'anonymous' as const };
  if (context.assignedTo) {
    if (context.sessionUserId !== context.assignedTo || !context.isMember)
      throw new DomainError(
        'forbidden',
        'This checklist is assigned to someone else. Sign in as the assigned member.',
      );
    return { mode: 'member', user_id: context.assignedTo };
  }
  if (settings.identity === 'member' || requested.mode === 'member') return resolveMember(requested, context);
  return resolveExternal(requested, settings.identity === 'external' || requested.mode === 'external');
}

/** Writes to a run assigned to a member, or started by one, need that member's session. */
export function assertMayWrite(
  run: { assignedTo: string | null; identity: Identity | null },
  sessionUserId: string | null,
): void {
  const owner = run.assignedTo ?? (run.identity?.mode === 'member' ? run.identity.user_id : null);
  if (owner && owner !== sessionUserId)
    throw new DomainError(
      'forbidden',
      'Only the member executing this checklist may change it. Sign in as them.',
    );
}

export function isSameIdentity(a: Identity | null, b: Identity): boolean {
  if (!a || a.mode !== b.mode) return false;
  return JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
}
