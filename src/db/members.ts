/** An org's members and their roles. An org always keeps at least one owner. */
import { sql, type Kysely, type Transaction } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { DB } from './schema.js';
import type { Role } from './sessions.js';

export interface Member {
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  joinedAt: Date;
}

export async function listMembers(db: Kysely<DB>, orgId: string): Promise<Member[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id', 'u.email', 'u.name', 'm.role', 'm.created_at'])
    .where('m.org_id', '=', orgId)
    .orderBy('m.created_at')
    .orderBy('u.email')
    .execute();
  return rows.map((r) => ({
    userId: r.id,
    email: r.email,
    name: r.name,
    role: r.role,
    joinedAt: r.created_at,
  }));
}

/** The user's oldest membership: the org a sign-in opens. */
export async function findFirstMembership(
  db: Kysely<DB>,
  userId: string,
): Promise<{ orgId: string; role: Role } | undefined> {
  const row = await db
    .selectFrom('memberships')
    .select(['org_id', 'role'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirst();
  return row && { orgId: row.org_id, role: row.role };
}

export async function addMembership(
  trx: Transaction<DB>,
  orgId: string,
  userId: string,
  role: Role,
): Promise<void> {
  await trx
    .insertInto('memberships')
    .values({ org_id: orgId, user_id: userId, role })
    // Already a member: an owner invitation promotes, a member invitation never demotes.
    .onConflict((oc) =>
      oc.columns(['org_id', 'user_id']).doUpdateSet({
        role: sql<Role>`case when excluded.role = 'owner' then 'owner' else memberships.role end`,
      }),
    )
    .execute();
}

/** Locks the org's owner memberships, so two demotions cannot both leave the other as the last owner. */
async function countOwnersLocked(trx: Transaction<DB>, orgId: string): Promise<number> {
  const rows = await trx
    .selectFrom('memberships')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('role', '=', 'owner')
    .forUpdate()
    .execute();
  return rows.length;
}

const LAST_OWNER = 'An org needs at least one owner: make another member an owner first.';

/** Changes a member's role; false when the user is not a member of the org. */
export async function setMemberRole(
  db: Kysely<DB>,
  orgId: string,
  userId: string,
  role: Role,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const owners = await countOwnersLocked(trx, orgId);
    const current = await trx
      .selectFrom('memberships')
      .select('role')
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .forUpdate()
      .executeTakeFirst();
    if (!current) return false;
    if (current.role === 'owner' && role !== 'owner' && owners <= 1)
      throw new DomainError('conflict', LAST_OWNER);
    await trx
      .updateTable('memberships')
      .set({ role })
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .execute();
    return true;
  });
}

/** Removes a member from the org and ends their sessions in it; false when they were not a member. */
export async function removeMember(db: Kysely<DB>, orgId: string, userId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const owners = await countOwnersLocked(trx, orgId);
    const removed = await trx
      .deleteFrom('memberships')
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .returning('role')
      .executeTakeFirst();
    if (!removed) return false;
    if (removed.role === 'owner' && owners <= 1) throw new DomainError('conflict', LAST_OWNER);
    await trx.deleteFrom('sessions').where('user_id', '=', userId).where('org_id', '=', orgId).execute();
    return true;
  });
}
