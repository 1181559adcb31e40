/**
 * Sign-in sessions. The token lives only in the browser's cookie; the table keeps its SHA-256. A
 * session opened by the dashboard remembers its org; one opened by the executor app has none and
 * works in the user's oldest membership.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { sha256Hex } from '../domain/secrets.js';
import type { DB } from './schema.js';
import type { User } from './users.js';

export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;

export type Role = 'owner' | 'member';

export interface SessionMember {
  user: User;
  orgId: string;
  role: Role;
}

export async function createSession(
  db: Kysely<DB>,
  input: { userId: string; orgId?: string | null; now: Date },
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('sessions')
    .values({
      token_hash: sha256Hex(token),
      user_id: input.userId,
      org_id: input.orgId ?? null,
      created_at: input.now,
      expires_at: new Date(input.now.getTime() + SESSION_TTL_MS),
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

/** The session's user with the org it works in and their role there; undefined when the session is gone or the membership was removed. */
export async function findSessionMember(
  db: Kysely<DB>,
  token: string,
  now: Date,
): Promise<SessionMember | undefined> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .innerJoin('memberships as m', (join) =>
      join
        .onRef('m.user_id', '=', 'u.id')
        .on((eb) => eb.or([eb('s.org_id', 'is', null), eb('m.org_id', '=', eb.ref('s.org_id'))])),
    )
    .select(['u.id', 'u.email', 'u.name', 'm.org_id', 'm.role'])
    .where('s.token_hash', '=', sha256Hex(token))
    .where('s.expires_at', '>', now)
    .orderBy('m.created_at')
    .limit(1)
    .executeTakeFirst();
  return row && { user: { id: row.id, email: row.email, name: row.name }, orgId: row.org_id, role: row.role };
}

export async function deleteSession(db: Kysely<DB>, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', sha256Hex(token)).execute();
}

/** Ends every session of the user but `keepToken`'s (after a password change). */
export async function deleteOtherSessions(db: Kysely<DB>, userId: string, keepToken: string): Promise<void> {
  await db
    .deleteFrom('sessions')
    .where('user_id', '=', userId)
    .where('token_hash', '!=', sha256Hex(keepToken))
    .execute();
}
