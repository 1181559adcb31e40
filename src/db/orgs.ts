/** Orgs and their credit ledger. The balance column is the ledger's running sum, kept in the same transaction. */
import type { Kysely, Transaction } from 'kysely';
import { newId } from '../domain/ids.js';
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
  return row && { id: row.id, name: row.name, creditBalance: row.credit_balance, createdAt: row.created_at };
}

/** Adds credits; returns the new balance, or undefined when the org does not exist. */
export async function grantCredits(
  trx: Transaction<DB>,
  orgId: string,
  amount: number,
  note?: string,
): Promise<number> {
  const row = await trx
    .updateTable('orgs')
    .set((eb) => ({ credit_balance: eb('credit_balance', '+', amount) }))
    .where('id', '=', orgId)
    .returning('credit_balance')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('credit_ledger')
    .values({ org_id: orgId, amount, reason: 'grant', note: note ?? null })
    .execute();
  return row.credit_balance;
}

/**
 * Takes one credit for a dispatch. The conditional UPDATE locks the org row, so concurrent dispatches
 * queue on it and exactly `balance` of them succeed; the rest see 0 rows and get false.
 */
export async function consumeCredit(trx: Transaction<DB>, orgId: string, runId: string): Promise<boolean> {
  const row = await trx
    .updateTable('orgs')
    .set((eb) => ({ credit_balance: eb('credit_balance', '-', 1) }))
    .where('id', '=', orgId)
    .where('credit_balance', '>', 0)
    .returning('credit_balance')
    .executeTakeFirst();
  if (!row) return false;
  await trx
    .insertInto('credit_ledger')
    .values({ org_id: orgId, amount: -1, reason: 'dispatch', run_id: runId })
    .execute();
  return true;
}
