/**
 * While the database cannot be reached, every request that needs it answers 503 with `Retry-After`
 * (src/http/problems.ts), and the outage is logged once: the first failure logs its cause, failures
 * less than OUTAGE_QUIET_MS after the previous one belong to the same outage and are only counted, and
 * the first failure after a quiet spell starts a new outage (logged with the previous one's count).
 * A load balancer's /readyz polls and a burst of clients during a restart thus give one line, not
 * thousands.
 */
import type { FastifyBaseLogger } from 'fastify';

export const DATABASE_RETRY_AFTER_SECONDS = 5;
export const OUTAGE_QUIET_MS = 60_000;

export class DatabaseOutageLog {
  #lastFailureMs: number | undefined;
  #failures = 0;

  constructor(private readonly nowMs: () => number) {}

  /** Counts one failure to reach the database; logs it when it starts an outage. */
  record(error: unknown, log: FastifyBaseLogger): void {
    const now = this.nowMs();
    const isNew = this.#lastFailureMs === undefined || now - this.#lastFailureMs >= OUTAGE_QUIET_MS;
    if (isNew) {
      log.error(
        { err: error, ...(this.#failures ? { previous_outage_failures: this.#failures } : {}) },
        `database unavailable: answering 503; failures less than ${OUTAGE_QUIET_MS / 1000} s apart are not logged again`,
      );
      this.#failures = 0;
    }
    this.#failures += 1;
    this.#lastFailureMs = now;
  }
}
