/**
 * Who may read and write a run through the executor API. A run's link is its capability, except for
 * a run that belongs to a member: one dispatched with `assign_to`, or started in member mode. Such a
 * run is read and written only with that member's session, while they are still a member of the
 * run's org (checked on every request, so removing a member stops their session at once).
 */
import type { Kysely, Transaction } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { Identity } from '../domain/events.js';
import { assertMayWrite } from '../domain/identity.js';
import type { DB, RunRow } from './schema.js';
import { isOrgMember } from './users.js';

type Db = Kysely<DB> | Transaction<DB>;

/** The member a run belongs to, or null when anyone with the link may do it. */
export function runOwnerOf(row: Pick<RunRow, 'assigned_to' | 'identity'>): string | null {
  const identity = row.identity as Identity | null;
  return row.assigned_to ?? (identity?.mode === 'member' ? identity.user_id : null);
}

function noLongerMember(): DomainError {
  return new DomainError(
    'forbidden',
    'You are no longer a member of the organisation that sent this checklist.',
  );
}

/** Writes to a member's run need that member's session and their membership, checked now. */
export async function assertMemberMayWrite(db: Db, row: RunRow, sessionUserId: string | null): Promise<void> {
  assertMayWrite({ assignedTo: row.assigned_to, identity: row.identity as Identity | null }, sessionUserId);
  if (runOwnerOf(row) && !(await isOrgMember(db, row.org_id, sessionUserId!))) throw noLongerMember();
}

/**
 * GET /x/runs/:id: a member's run (its answers and media URLs) only with that member's session, while
 * they are a member of its org. A pending run has no answers yet: its link shows the template and the
 * start screen's sign-in to anyone who has it, as the dispatcher sent it.
 */
export async function assertMayReadRun(db: Db, row: RunRow, sessionUserId: string | null): Promise<void> {
  const owner = row.status === 'pending' ? null : runOwnerOf(row);
  if (!owner) return;
  if (!sessionUserId)
    throw new DomainError(
      'unauthorized',
      'This checklist belongs to a member of the team. Sign in as them to open it.',
    );
  if (owner !== sessionUserId)
    throw new DomainError(
      'forbidden',
      'This checklist belongs to another member of the team. Sign in as them to open it.',
    );
  if (!(await isOrgMember(db, row.org_id, sessionUserId))) throw noLongerMember();
}
