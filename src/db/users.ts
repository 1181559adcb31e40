/** Users and their org memberships. Sessions live in sessions.ts. */
import type { Kysely } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import {
  DEFAULT_SCRYPT_COST,
  dummyPasswordHash,
  hashPassword,
  needsRehash,
  verifyPassword,
  type ScryptCost,
} from '../domain/passwords.js';
import type { DB } from './schema.js';

export interface User {
  id: string;
  email: string;
  name: string | null;
}

export async function createUser(
  db: Kysely<DB>,
  input: {
    orgId: string;
    email: string;
    password: string;
    name?: string;
    role: 'owner' | 'member';
    cost?: ScryptCost;
  },
): Promise<User> {
  const email = input.email.trim().toLowerCase();
  const passwordHash = await hashPassword(input.password, input.cost);
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
    if (existing) throw new DomainError('conflict', `A user with email ${email} already exists.`);
    const row = await trx
      .insertInto('users')
      .values({ id: newId('u'), email, name: input.name ?? null, password_hash: passwordHash })
      .returning(['id', 'email', 'name'])
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('memberships')
      .values({ org_id: input.orgId, user_id: row.id, role: input.role })
      .execute();
    return row;
  });
}

/**
 * The user with this email and password, or undefined (the same answer for an unknown email and a
 * wrong password). An unknown email is verified against a dummy hash under `cost`, so it costs the
 * same scrypt as a known one. A right password whose hash is of another format or cost is hashed
 * again under `cost` and stored (unless the password changed meanwhile).
 */
export async function authenticateUser(
  db: Kysely<DB>,
  email: string,
  password: string,
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): Promise<User | undefined> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('email', '=', email.trim().toLowerCase())
    .executeTakeFirst();
  if (!row) {
    await verifyPassword(password, dummyPasswordHash(cost));
    return undefined;
  }
  if (!(await verifyPassword(password, row.password_hash))) return undefined;
  if (needsRehash(row.password_hash, cost)) {
    await db
      .updateTable('users')
      .set({ password_hash: await hashPassword(password, cost) })
      .where('id', '=', row.id)
      .where('password_hash', '=', row.password_hash)
      .execute();
  }
  return { id: row.id, email: row.email, name: row.name };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Replaces the user's password after checking the current one; false when the current one is wrong. */
export async function changePassword(
  db: Kysely<DB>,
  userId: string,
  current: string,
  next: string,
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('password_hash')
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!row || !(await verifyPassword(current, row.password_hash))) return false;
  await db
    .updateTable('users')
    .set({ password_hash: await hashPassword(next, cost) })
    .where('id', '=', userId)
    .execute();
  return true;
}

/** Finds a member of the org by user id or email. */
export async function findOrgMember(
  db: Kysely<DB>,
  orgId: string,
  idOrEmail: string,
): Promise<User | undefined> {
  const column = idOrEmail.startsWith('u-') ? 'users.id' : 'users.email';
  const value = column === 'users.email' ? idOrEmail.trim().toLowerCase() : idOrEmail;
  return db
    .selectFrom('users')
    .innerJoin('memberships', 'memberships.user_id', 'users.id')
    .select(['users.id', 'users.email', 'users.name'])
    .where('memberships.org_id', '=', orgId)
    .where(column, '=', value)
    .executeTakeFirst();
}

export async function isOrgMember(db: Kysely<DB>, orgId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('memberships')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}
