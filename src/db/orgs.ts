/** Orgs. Their credits live in src/db/credits.ts. */
import type { Kysely, Transaction } from 'kysely';
import { newId } from '../domain/ids.js';
import { grantCredits, readCreditBalance } from './credits.js';
import type { DB } from './schema.js';

export interface Org {
  id: string;
  name: string;
  creditBalance: number;
  createdAt: Date;
}

export async function createOrg(db: Kysely<DB>, name: string, credits = 0): Promise<Org> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('orgs')
      .values({ id: newId('org'), name })
      .returningAll()
      .executeTakeFirstOrThrow();
    const balance = credits > 0 ? await grantCredits(trx, row.id, credits, 'initial grant') : 0;
    return { id: row.id, name: row.name, creditBalance: balance, createdAt: row.created_at };
  });
}

export async function findOrg(db: Kysely<DB> | Transaction<DB>, orgId: string): Promise<Org | undefined> {
  const row = await db.selectFrom('orgs').selectAll().where('id', '=', orgId).executeTakeFirst();
  return (
    row && {
      id: row.id,
      name: row.name,
      creditBalance: await readCreditBalance(db, orgId),
      createdAt: row.created_at,
    }
  );
}
