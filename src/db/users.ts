/** Users, their org memberships and sign-in sessions (token hashes only). */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { hashPassword, sha256Hex, verifyPassword } from '../domain/secrets.js';
import type { DB } from './schema.js';

export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;

export interface User {
  id: string;
  email: string;
  name: string | null;
}

export async function createUser(
  db: Kysely<DB>,
  input: { orgId: string; email: string; password: string; name?: string; role: 'owner' | 'member' },
): Promise<User> {
  const email = input.email.trim().toLowerCase();
  const passwordHash = await hashPassword(input.password);
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

/** The user with this email and password, or undefined (the same answer for an unknown email and a wrong password). */
export async function authenticateUser(
  db: Kysely<DB>,
  email: string,
  password: string,
): Promise<User | undefined> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('email', '=', email.trim().toLowerCase())
    .executeTakeFirst();
  if (!row || !(await verifyPassword(password, row.password_hash))) return undefined;
  return { id: row.id, email: row.email, name: row.name };
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

export async function createSession(db: Kysely<DB>, userId: string, now: Date): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('sessions')
    .values({
      token_hash: sha256Hex(token),
      user_id: userId,
      created_at: now,
      expires_at: new Date(now.getTime() + SESSION_TTL_MS),
    })
    .execute();
  return token;
}

export async function findSessionUser(db: Kysely<DB>, token: string, now: Date): Promise<User | undefined> {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['users.id', 'users.email', 'users.name'])
    .where('sessions.token_hash', '=', sha256Hex(token))
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst();
}

export async function deleteSession(db: Kysely<DB>, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', sha256Hex(token)).execute();
}
