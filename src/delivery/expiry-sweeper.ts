/**
 * The expiry sweeper: every `intervalMs` (15 s by default, DESIGN asks for at least once a minute) it
 * expires open runs whose deadline has passed, which writes their `run.expired` events. Runs are
 * locked with SKIP LOCKED, so sweepers in several workers and expiry-on-access never expire one twice.
 */
import type { Kysely } from 'kysely';
import type pino from 'pino';
import { expireDueRuns } from '../db/expire-run.js';
import type { DB } from '../db/schema.js';

export const EXPIRY_SWEEP_INTERVAL_MS = 15_000;
const SWEEP_BATCH = 100;
/** Per pass at most this many batches, so a huge backlog does not hold one pass for long. */
const SWEEP_MAX_BATCHES = 20;

export interface ExpirySweeper {
  stop(): Promise<void>;
}

export function startExpirySweeper(options: {
  db: Kysely<DB>;
  now: () => Date;
  logger: pino.Logger;
  intervalMs?: number;
}): ExpirySweeper {
  const { db, now, logger } = options;
  let running: Promise<void> | undefined;
  const sweep = async () => {
    try {
      let expired = 0;
      for (let batch = 0; batch < SWEEP_MAX_BATCHES; batch++) {
        const n = await expireDueRuns(db, now(), SWEEP_BATCH);
        expired += n;
        if (n < SWEEP_BATCH) break;
      }
      if (expired > 0) logger.info({ expired }, 'expired runs');
    } catch (error) {
      logger.warn({ err: error }, 'the expiry sweep failed; it runs again at the next interval');
    }
  };
  const run = () => {
    running ??= sweep().finally(() => (running = undefined));
  };
  run();
  const timer = setInterval(run, options.intervalMs ?? EXPIRY_SWEEP_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
