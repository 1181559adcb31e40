/**
 * The worker's maintenance pass, every `intervalMs` (10 minutes by default) and once at start:
 *  - wipes the webhook secrets of final runs whose deliveries are done, `secretWipeGraceDays` after
 *    they finished (src/db/webhook-secrets.ts);
 *  - prunes attempt bodies older than `deliveryLogRetentionDays` (src/db/prune-delivery-log.ts);
 *  - deletes expired dashboard sessions and sign-in failure counters whose last failure is two days
 *    old (src/db/prune-accounts.ts; the longest streak, an email's, is forgotten after one).
 * Each pass does at most a bounded number of batches; what is left waits for the next pass. Several
 * workers may run it at once: every statement is idempotent.
 */
import type { Kysely } from 'kysely';
import type pino from 'pino';
import type { Config } from '../config.js';
import { deleteExpiredSessions, deleteStaleSignInFailures } from '../db/prune-accounts.js';
import { pruneAttemptBodies } from '../db/prune-delivery-log.js';
import type { DB } from '../db/schema.js';
import { wipeDeliveredRunSecrets } from '../db/webhook-secrets.js';

export const MAINTENANCE_INTERVAL_MS = 10 * 60_000;
const MAX_BATCHES = 20;
const DAY_MS = 86_400_000;

export interface MaintenanceResult {
  secretsWiped: number;
  bodiesPruned: number;
  sessionsDeleted: number;
  signInFailuresDeleted: number;
}

async function repeat(batch: () => Promise<number>, size: number): Promise<number> {
  let total = 0;
  for (let n = 0; n < MAX_BATCHES; n++) {
    const done = await batch();
    total += done;
    if (done < size) break;
  }
  return total;
}

/** One maintenance pass at `now`. */
export async function runMaintenance(
  db: Kysely<DB>,
  config: Pick<Config, 'secretWipeGraceDays' | 'deliveryLogRetentionDays'>,
  now: Date,
): Promise<MaintenanceResult> {
  const wipeBefore = new Date(now.getTime() - config.secretWipeGraceDays * DAY_MS);
  const pruneBefore = new Date(now.getTime() - config.deliveryLogRetentionDays * DAY_MS);
  return {
    secretsWiped: await repeat(() => wipeDeliveredRunSecrets(db, wipeBefore, 500), 500),
    bodiesPruned: await repeat(() => pruneAttemptBodies(db, pruneBefore, 1_000), 1_000),
    sessionsDeleted: await repeat(() => deleteExpiredSessions(db, now, 1_000), 1_000),
    signInFailuresDeleted: await repeat(
      () => deleteStaleSignInFailures(db, new Date(now.getTime() - 2 * DAY_MS), 1_000),
      1_000,
    ),
  };
}

export interface Maintenance {
  stop(): Promise<void>;
}

export function startMaintenance(options: {
  db: Kysely<DB>;
  config: Config;
  now: () => Date;
  logger: pino.Logger;
  intervalMs?: number;
}): Maintenance {
  let running: Promise<void> | undefined;
  const pass = async () => {
    try {
      const result = await runMaintenance(options.db, options.config, options.now());
      if (Object.values(result).some((n) => n > 0)) options.logger.info(result, 'maintenance pass');
    } catch (error) {
      options.logger.warn({ err: error }, 'the maintenance pass failed; it runs again at the next interval');
    }
  };
  const run = () => {
    running ??= pass().finally(() => (running = undefined));
  };
  run();
  const timer = setInterval(run, options.intervalMs ?? MAINTENANCE_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
