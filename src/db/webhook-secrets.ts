/**
 * Webhook secrets at rest (src/secrets/keyring.ts): encrypting the ones stored before encryption or
 * under an older key, and wiping them once nothing can need them.
 *
 * A run's secret is needed while any of its deliveries may still be attempted. Once the run is final
 * (completed, cancelled, expired), every delivery is done (none pending, no replay asked) and the grace
 * period has passed since it finished, the secret is set to null: a replay after that is refused
 * (`refused: the run has no webhook secret to sign with`), and a database leak holds no key for it.
 */
import { sql, type Kysely } from 'kysely';
import { isEncrypted, webhookSecretContext, type Keyring } from '../secrets/keyring.js';
import type { DB } from './schema.js';

const BATCH = 500;

/**
 * Encrypts with the current key every secret stored in clear or under another key; returns how many.
 * Safe to run from several processes at once: a row is written only if it still holds what was read.
 */
export async function sealStoredSecrets(db: Kysely<DB>, keyring: Keyring): Promise<number> {
  let sealed = 0;
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('runs')
      .select(['id', 'webhook_secret'])
      .where('webhook_secret', 'is not', null)
      .where('webhook_secret', 'not like', `enc1:${keyring.currentKeyId}:%`)
      .where('id', '>', after)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) return sealed;
    after = rows.at(-1)!.id;
    const updates = rows.map((row) => {
      const stored = row.webhook_secret!;
      const context = webhookSecretContext(row.id);
      const plain = isEncrypted(stored) ? keyring.decrypt(stored, context) : stored;
      return { id: row.id, old: stored, new: keyring.encrypt(plain, context) };
    });
    const result = await sql`
      update runs r set webhook_secret = u.new
        from json_to_recordset(${JSON.stringify(updates)}::json) as u(id text, old text, new text)
       where r.id = u.id and r.webhook_secret = u.old`.execute(db);
    sealed += Number(result.numAffectedRows ?? 0);
  }
}

/** Wipes the secrets of final, delivered runs that finished before `before`; returns how many. */
export async function wipeDeliveredRunSecrets(db: Kysely<DB>, before: Date, limit = BATCH): Promise<number> {
  const result = await sql`
    update runs set webhook_secret = null
     where id in (
       select r.id from runs r
        where r.webhook_secret is not null and r.finished_at is not null and r.finished_at < ${before}
          and r.status in ('completed', 'cancelled', 'expired')
          and not exists (
            select 1 from deliveries d
             where d.run_id = r.id and (d.status = 'pending' or d.manual_pending))
        order by r.finished_at
        limit ${limit})`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
