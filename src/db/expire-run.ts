/**
 * Expiry. An open run whose `expires_at` has passed becomes `expired` and writes `run.expired` exactly
 * once: the status change and the event share a transaction, and the run row is locked and re-checked
 * inside it, so the executor, the API and the worker's sweeper can race and only one of them wins.
 */
import type { Kysely, Transaction } from 'kysely';
import { computeProgress, isDueToExpire } from '../domain/run.js';
import type { TemplateDefinition } from '../domain/template.js';
import { appendRunEvent } from './events.js';
import { findRunRow, listAnswers } from './runs.js';
import type { DB, RunRow } from './schema.js';

/** Expires the locked run if it is due. Returns the row as it is afterwards. */
export async function expireLockedRunIfDue(trx: Transaction<DB>, row: RunRow, now: Date): Promise<RunRow> {
  if (!isDueToExpire({ status: row.status, expiresAt: row.expires_at }, now)) return row;
  const answers = await listAnswers(trx, row.id);
  const updated = await trx
    .updateTable('runs')
    .set({ status: 'expired', finished_at: now })
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await appendRunEvent(trx, updated, {
    type: 'run.expired',
    now,
    data: {
      expired_at: row.expires_at!.toISOString(),
      progress: computeProgress(row.template as TemplateDefinition, answers),
    },
  });
  return updated;
}

/** Reads a run, expiring it first if its deadline has passed. Cheap when it has not: one read, no lock. */
export async function readRunExpiringIfDue(
  db: Kysely<DB>,
  runId: string,
  now: Date,
): Promise<RunRow | undefined> {
  const row = await findRunRow(db, runId);
  if (!row || !isDueToExpire({ status: row.status, expiresAt: row.expires_at }, now)) return row;
  return db.transaction().execute(async (trx) => {
    const locked = await findRunRow(trx, runId, { forUpdate: true });
    return locked && expireLockedRunIfDue(trx, locked, now);
  });
}

/** The sweeper's pass: expires up to `limit` due runs, skipping rows another process holds. Returns how many. */
export async function expireDueRuns(db: Kysely<DB>, now: Date, limit = 100): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('runs')
      .selectAll()
      .where('status', 'in', ['pending', 'in_progress'])
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const row of due) await expireLockedRunIfDue(trx, row, now);
    return due.length;
  });
}
