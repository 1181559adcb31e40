/** An org's credit history as the dashboard shows it: each grant, and the credits dispatches used per day (UTC). */
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';

export interface LedgerEntry {
  kind: 'grant' | 'consumption';
  /** The grant's time, or the UTC day (00:00) of the consumption. */
  at: Date;
  /** Credits added (positive) or used that day (negative). */
  amount: number;
  /** The grant's note; for a day, how many runs were dispatched. */
  note: string | null;
  runs: number;
}

export async function listCreditLedger(db: Kysely<DB>, orgId: string, limit: number): Promise<LedgerEntry[]> {
  const { rows } = await sql<{
    kind: 'grant' | 'consumption';
    at: Date;
    amount: number;
    note: string | null;
    runs: number;
  }>`
    select * from (
      select 'grant' as kind, created_at as at, amount, note, 0 as runs
        from credit_ledger where org_id = ${orgId} and reason = 'grant'
      union all
      select 'consumption' as kind, (date_trunc('day', created_at at time zone 'UTC') at time zone 'UTC') as at,
             sum(amount)::int as amount, null as note, count(*)::int as runs
        from credit_ledger where org_id = ${orgId} and reason = 'dispatch'
        group by 2
    ) entries
    order by at desc, kind desc
    limit ${limit}`.execute(db);
  return rows.map((r) => ({ ...r, at: new Date(r.at), amount: Number(r.amount), runs: Number(r.runs) }));
}
