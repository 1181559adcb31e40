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

/** The org and its initial grant in one transaction (the caller's, when `db` is one). */
export async function createOrg(db: Kysely<DB> | Transaction<DB>, name: string, credits = 0): Promise<Org> {
  const create = async (trx: Transaction<DB>) => {
    const row = await trx
      .insertInto('orgs')
      .values({ id: newId('org'), name })
      .returningAll()
      .executeTakeFirstOrThrow();
    const balance = credits > 0 ? await grantCredits(trx, row.id, credits, 'initial grant') : 0;
    return { id: row.id, name: row.name, creditBalance: balance, createdAt: row.created_at };
  };
  return db.isTransaction ? create(db as Transaction<DB>) : db.transaction().execute(create);
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
