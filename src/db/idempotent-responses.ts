/**
 * Idempotency-Key for the POSTs that create or queue something (template creation, replay, recover);
 * run dispatch has its own (src/db/dispatch-run.ts) because its key row names the run.
 *
 * The key is claimed by inserting its row in a transaction, the work runs in that same transaction, and
 * the answer is stored in the row before it commits: the work and its remembered answer commit together
 * or not at all. A concurrent request with the same key waits on the row's primary key until the first
 * one commits, then answers with the stored answer (or, when the first one failed and rolled back, does
 * the work itself). A key reused with another method, path, mode or body is refused with 409. Errors are
 * not remembered: the transaction rolls back and the key is free again. A key is remembered for
 * IDEMPOTENCY_WINDOW_MS (24 hours), as for runs.
 */
import type { Kysely, Transaction } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { sha256Hex } from '../domain/secrets.js';
import { IDEMPOTENCY_WINDOW_MS } from './dispatch-run.js';
import type { DB } from './schema.js';

export interface IdempotentRequest {
  orgId: string;
  /** The Idempotency-Key header; undefined: the work runs without one. */
  key: string | undefined;
  /** What identifies the request beside the key: method, path, mode and body. */
  fingerprint: string;
  now: Date;
}

export interface StoredAnswer<T> {
  statusCode: number;
  body: T;
  /** True when this is the answer an earlier request with the key got. */
  replayed: boolean;
}

/** Runs `work` once per key: a repeat within the window gets the first answer back. */
export async function answerIdempotently<T>(
  db: Kysely<DB>,
  request: IdempotentRequest,
  work: (db: Kysely<DB>) => Promise<{ statusCode: number; body: T }>,
): Promise<StoredAnswer<T>> {
  const { key } = request;
  if (key === undefined) return { ...(await work(db)), replayed: false };
  const requestHash = sha256Hex(request.fingerprint);
  return db.transaction().execute(async (trx) => {
    const earlier = await claimKey(trx, request, key, requestHash);
    if (earlier) {
      if (earlier.request_hash !== requestHash) throw keyReused();
      return { statusCode: earlier.status_code, body: earlier.body as T, replayed: true };
    }
    const answer = await work(trx);
    await trx
      .updateTable('idempotent_responses')
      .set({ status_code: answer.statusCode, body: JSON.stringify(answer.body) })
      .where('org_id', '=', request.orgId)
      .where('key', '=', key)
      .execute();
    return { ...answer, replayed: false };
  });
}

/** Claims the key (a new row, or one older than the window); returns the earlier row otherwise. */
async function claimKey(trx: Transaction<DB>, request: IdempotentRequest, key: string, requestHash: string) {
  const claim = { request_hash: requestHash, status_code: 0, body: 'null', created_at: request.now };
  const claimed = await trx
    .insertInto('idempotent_responses')
    .values({ org_id: request.orgId, key, ...claim })
    .onConflict((oc) =>
      oc
        .columns(['org_id', 'key'])
        .doUpdateSet(claim)
        .where(
          'idempotent_responses.created_at',
          '<',
          new Date(request.now.getTime() - IDEMPOTENCY_WINDOW_MS),
        ),
    )
    .returning('key')
    .executeTakeFirst();
  if (claimed) return undefined;
  return trx
    .selectFrom('idempotent_responses')
    .selectAll()
    .where('org_id', '=', request.orgId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
}

function keyReused(): DomainError {
  return new DomainError('conflict', 'This Idempotency-Key was already used with a different request.', [
    {
      pointer: '',
      rule: 'idempotency_key_reused',
      message: 'use a new Idempotency-Key for a different request',
    },
  ]);
}
