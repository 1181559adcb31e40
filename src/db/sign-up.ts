/** Sign-up: a new org, its first owner and their starting credits, in one transaction. */
import type { Kysely } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { hashPassword, type ScryptCost } from '../domain/passwords.js';
import { grantCredits } from './credits.js';
import type { DB } from './schema.js';
import { normalizeEmail, type User } from './users.js';

export async function signUpOrg(
  db: Kysely<DB>,
  input: {
    orgName: string;
    email: string;
    password: string;
    name?: string | null;
    credits: number;
    cost?: ScryptCost;
  },
): Promise<{ user: User; orgId: string }> {
  const email = normalizeEmail(input.email);
  const passwordHash = await hashPassword(input.password, input.cost);
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
    if (existing) {
      throw new DomainError('conflict', 'An account with this email already exists. Sign in instead.', [
        { pointer: '/email', rule: 'taken', message: 'already has an account' },
      ]);
    }
    const org = await trx
      .insertInto('orgs')
      .values({ id: newId('org'), name: input.orgName.trim() })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (input.credits > 0) await grantCredits(trx, org.id, input.credits, 'sign-up');
    const user = await trx
      .insertInto('users')
      .values({ id: newId('u'), email, name: input.name?.trim() || null, password_hash: passwordHash })
      .returning(['id', 'email', 'name'])
      .executeTakeFirstOrThrow();
    await trx.insertInto('memberships').values({ org_id: org.id, user_id: user.id, role: 'owner' }).execute();
    return { user, orgId: org.id };
  });
}
