/**
 * Invitations: a one-time link `<PUBLIC_URL>/app/invite/<token>` that lets one person join an org with
 * a role. Only the token's SHA-256 is stored; it works until it expires, is revoked or is accepted
 * once. Accepting creates the user (or, for an existing account, checks its password) and the
 * membership in the same transaction that marks the invitation used, so a link cannot be used twice.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { hashPassword, needsRehash, verifyPassword, type ScryptCost } from '../domain/passwords.js';
import { sha256Hex } from '../domain/secrets.js';
import { addMembership } from './members.js';
import type { DB, InvitationRow } from './schema.js';
import type { Role } from './sessions.js';
import { normalizeEmail, type User } from './users.js';

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

export type InvitationState = 'open' | 'accepted' | 'expired' | 'revoked';

export interface Invitation {
  id: string;
  orgId: string;
  email: string | null;
  role: Role;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  state: InvitationState;
}

function toInvitation(row: InvitationRow, now: Date): Invitation {
  const state: InvitationState = row.accepted_at
    ? 'accepted'
    : row.revoked_at
      ? 'revoked'
      : row.expires_at <= now
        ? 'expired'
        : 'open';
  return {
    id: row.id,
    orgId: row.org_id,
    email: row.email,
    role: row.role,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    acceptedAt: row.accepted_at,
    state,
  };
}

export async function createInvitation(
  db: Kysely<DB>,
  input: {
    orgId: string;
    email?: string | null;
    role: Role;
    createdBy: string | null;
    now: Date;
    ttlMs?: number;
  },
): Promise<{ token: string; invitation: Invitation }> {
  const token = randomBytes(24).toString('base64url');
  const row = await db
    .insertInto('invitations')
    .values({
      id: newId('inv'),
      org_id: input.orgId,
      email: input.email ? normalizeEmail(input.email) : null,
      role: input.role,
      token_hash: sha256Hex(token),
      created_by: input.createdBy,
      created_at: input.now,
      expires_at: new Date(input.now.getTime() + (input.ttlMs ?? INVITATION_TTL_MS)),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { token, invitation: toInvitation(row, input.now) };
}

/** The invitations of an org that are still open, newest first. */
export async function listOpenInvitations(db: Kysely<DB>, orgId: string, now: Date): Promise<Invitation[]> {
  const rows = await db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((row) => toInvitation(row, now));
}

export async function revokeInvitation(
  db: Kysely<DB>,
  orgId: string,
  id: string,
  now: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('invitations')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** What the invitation page shows before the person accepts: the org and role, or why the link no longer works. */
export async function findInvitationByToken(
  db: Kysely<DB>,
  token: string,
  now: Date,
): Promise<(Invitation & { orgName: string }) | undefined> {
  const row = await db
    .selectFrom('invitations as i')
    .innerJoin('orgs as o', 'o.id', 'i.org_id')
    .selectAll('i')
    .select('o.name as org_name')
    .where('i.token_hash', '=', sha256Hex(token))
    .executeTakeFirst();
  return row && { ...toInvitation(row, now), orgName: row.org_name };
}

const USED =
  'This invitation link has already been used, has expired or was revoked. Ask an owner for a new one.';

/**
 * Uses the invitation once: an existing account joins after its password is checked; otherwise a
 * user is created with the name and password given. An invitation made for one email accepts only it.
 */
export async function acceptInvitation(
  db: Kysely<DB>,
  input: {
    token: string;
    email: string;
    password: string;
    name?: string | null;
    now: Date;
    cost?: ScryptCost;
  },
): Promise<{ user: User; orgId: string; role: Role }> {
  const email = normalizeEmail(input.email);
  const existing = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  if (existing && !(await verifyPassword(input.password, existing.password_hash))) {
    throw new DomainError(
      'unauthorized',
      'An account with this email exists: enter its password to join, or use another email.',
    );
  }
  const passwordHash =
    !existing || needsRehash(existing.password_hash, input.cost)
      ? await hashPassword(input.password, input.cost)
      : null;
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable('invitations')
      .set({ accepted_at: input.now })
      .where('token_hash', '=', sha256Hex(input.token))
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', input.now)
      .returningAll()
      .executeTakeFirst();
    if (!claimed) throw new DomainError('conflict', USED);
    if (claimed.email && claimed.email !== email) {
      throw new DomainError('forbidden', `This invitation is for ${claimed.email}. Sign up with that email.`);
    }
    if (existing && passwordHash)
      await trx
        .updateTable('users')
        .set({ password_hash: passwordHash })
        .where('id', '=', existing.id)
        .where('password_hash', '=', existing.password_hash)
        .execute();
    const user = existing
      ? { id: existing.id, email: existing.email, name: existing.name }
      : await trx
          .insertInto('users')
          .values({ id: newId('u'), email, name: input.name?.trim() || null, password_hash: passwordHash! })
          .returning(['id', 'email', 'name'])
          .executeTakeFirstOrThrow();
    await addMembership(trx, claimed.org_id, user.id, claimed.role);
    await trx.updateTable('invitations').set({ accepted_by: user.id }).where('id', '=', claimed.id).execute();
    return { user, orgId: claimed.org_id, role: claimed.role };
  });
}
