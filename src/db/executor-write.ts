/**
 * The frame of every executor write: one transaction holding the run row's lock (which also serialises
 * the run's events, see events.ts). A run whose deadline has passed is expired first — that commits,
 * with its `run.expired` event — and the write is then refused with 410; nothing else changes.
 */
import type { Kysely, Transaction } from 'kysely';
import { DomainError, notFound } from '../domain/errors.js';
import { expireLockedRunIfDue } from './expire-run.js';
import { findRunRow } from './runs.js';
import type { DB, RunRow } from './schema.js';

export const RUN_EXPIRED_MESSAGE = 'This checklist link has expired; it no longer accepts answers.';

export function runExpired(): DomainError {
  return new DomainError('run_expired', RUN_EXPIRED_MESSAGE);
}

export async function writeRun<T>(
  db: Kysely<DB>,
  runId: string,
  now: Date,
  write: (trx: Transaction<DB>, row: RunRow) => Promise<T>,
): Promise<T> {
  const outcome = await db.transaction().execute(async (trx) => {
    const locked = await findRunRow(trx, runId, { forUpdate: true });
    if (!locked) throw notFound('Run');
    const row = await expireLockedRunIfDue(trx, locked, now);
    if (row.status === 'expired') return { expired: true as const };
    return { expired: false as const, value: await write(trx, row) };
  });
  if (outcome.expired) throw runExpired();
  return outcome.value;
}

/**
 * A step write adds an event; a run takes at most `maxEvents` of them (re-answering a step again and
 * again would otherwise grow the outbox, thumbnails included, without bound). The run's end (submit,
 * cancel, expiry) is not refused by it: that event is always written.
 */
export function assertEventRoom(row: RunRow, maxEvents: number): void {
  // event_seq counts every event so far; while the run is open all of them are step events.
  if (row.event_seq >= maxEvents)
    throw new DomainError(
      'conflict',
      `This checklist has had ${maxEvents} answers and skips, the most a run takes; submit it.`,
      [{ pointer: '', rule: 'max_events', message: `at most ${maxEvents} step events per run` }],
    );
}

/** Answers, skips and uploads need a started, unfinished run. */
export function assertInProgress(row: RunRow): void {
  if (row.status === 'pending')
    throw new DomainError('conflict', 'This checklist has not been started yet; start it first.', [
      { pointer: '', rule: 'not_started', message: 'POST /x/runs/:run_id/start first' },
    ]);
  if (row.status !== 'in_progress')
    throw new DomainError('run_finished', `This checklist is ${row.status}; it no longer accepts changes.`);
}
