/**
 * Dispatching a run.
 *
 * The run, its credit and its template snapshot are written by one statement (src/db/insert-runs.ts),
 * shared with the other dispatches in flight. When a run is refused (unknown or archived template, no
 * credit) a follow-up read says which problem to answer.
 *
 * Why one statement: row locks taken by a dispatch are held until it commits; one statement keeps that
 * to a single round trip. As a 6-statement transaction on one balance row, `npm run bench:dispatch`
 * measured ~300 req/s on PostgreSQL at 50 connections; docs/performance.md has the figures of this form.
 *
 * With an `Idempotency-Key`, the key is claimed first in a transaction around a statement of its own:
 * concurrent requests with one key queue on the key's primary key and the later one returns the
 * earlier one's run, consuming nothing. A key is remembered for 24 hours.
 */
import type { Kysely, Transaction } from 'kysely';
import { DomainError, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { computeExpiresAt } from '../domain/run.js';
import { sha256Hex } from '../domain/secrets.js';
import { webhookSecretContext, type Keyring } from '../secrets/keyring.js';
import { insertRun, insertRunSoon, type InsertedRun, type NewRun } from './insert-runs.js';
import { findRunRow } from './runs.js';
import type { DB, RunRow } from './schema.js';
import { findOrgMember } from './users.js';

export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

export interface DispatchInput {
  orgId: string;
  templateId: string;
  webhook?: { url: string; secret: string; events?: string[] | undefined } | undefined;
  expiresInHours?: number | null | undefined;
  executorRef?: string | null | undefined;
  assignTo?: string | null | undefined;
  idempotencyKey?: string | undefined;
  /** false: a test run (a test key's): no credit taken, seen by test keys only. */
  livemode: boolean;
  /** The request body, hashed to detect a key reused for a different request. */
  requestBody: string;
  /** The webhook secret is stored encrypted with it. */
  keyring: Keyring;
  now: Date;
}

/** What the dispatch answers with: the seed's response fields. */
export interface DispatchedRun {
  id: string;
  expiresAt: Date | null;
  assignedTo: string | null;
  livemode: boolean;
}

function toDispatchedRun(row: InsertedRun): DispatchedRun {
  return { id: row.id, expiresAt: row.expires_at, assignedTo: row.assigned_to, livemode: row.livemode };
}

/** The inserted run as the dispatch answers it, or why it was not inserted. */
async function answerFor(
  db: Kysely<DB> | Transaction<DB>,
  run: NewRun,
  inserted: InsertedRun | undefined,
): Promise<DispatchedRun> {
  if (!inserted) throw await explainRefusal(db, run.orgId, run.templateId);
  return toDispatchedRun(inserted);
}

/** Why a run was not inserted. */
async function explainRefusal(
  db: Kysely<DB> | Transaction<DB>,
  orgId: string,
  templateId: string,
): Promise<DomainError> {
  const template = await db
    .selectFrom('templates')
    .select('archived_at')
    .where('id', '=', templateId)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  if (!template) return notFound('Template');
  if (template.archived_at)
    return new DomainError('conflict', 'This template is archived; dispatch a run from an active template.');
  return new DomainError(
    'insufficient_credits',
    'Your org has no run credits left. Add credits to dispatch runs.',
  );
}

async function resolveAssignee(
  db: Kysely<DB>,
  orgId: string,
  assignTo: string | null | undefined,
): Promise<string | null> {
  if (!assignTo) return null;
  const member = await findOrgMember(db, orgId, assignTo);
  if (!member) {
    throw new DomainError(
      'invalid_request',
      'assign_to must be the user id or email of a member of your org.',
      [{ pointer: '/assign_to', rule: 'member', message: 'no member of this org has that id or email' }],
    );
  }
  return member.id;
}

/** Claims the key for `runId`; returns the run an earlier request with the key created, if any. */
async function claimIdempotencyKey(
  trx: Transaction<DB>,
  input: DispatchInput,
  key: string,
  runId: string,
): Promise<RunRow | undefined> {
  // The mode is part of the request: a test key's retry must not answer with a live run, or back.
  const requestHash = sha256Hex(input.livemode ? input.requestBody : `test:${input.requestBody}`);
  const claimed = await trx
    .insertInto('idempotency_keys')
    .values({ org_id: input.orgId, key, request_hash: requestHash, run_id: runId, created_at: input.now })
    .onConflict((oc) =>
      oc
        .columns(['org_id', 'key'])
        .doUpdateSet({ request_hash: requestHash, run_id: runId, created_at: input.now })
        .where('idempotency_keys.created_at', '<', new Date(input.now.getTime() - IDEMPOTENCY_WINDOW_MS)),
    )
    .returning('run_id')
    .executeTakeFirst();
  if (claimed) return undefined;
  const existing = await trx
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('org_id', '=', input.orgId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  if (existing.request_hash !== requestHash) {
    throw new DomainError(
      'conflict',
      'This Idempotency-Key was already used with a different request body.',
      [
        {
          pointer: '',
          rule: 'idempotency_key_reused',
          message: 'use a new Idempotency-Key for a different request',
        },
      ],
    );
  }
  return findRunRow(trx, existing.run_id);
}

export async function dispatchRun(
  db: Kysely<DB>,
  input: DispatchInput,
): Promise<{ run: DispatchedRun; replayed: boolean }> {
  const id = newId('r');
  const webhook = input.webhook && {
    ...input.webhook,
    secret: input.keyring.encrypt(input.webhook.secret, webhookSecretContext(id)),
  };
  const run: NewRun = {
    id,
    orgId: input.orgId,
    templateId: input.templateId,
    executorRef: input.executorRef ?? null,
    assignedTo: await resolveAssignee(db, input.orgId, input.assignTo),
    webhook,
    expiresAt: computeExpiresAt(input.now, input.expiresInHours),
    now: input.now,
    livemode: input.livemode,
  };
  const key = input.idempotencyKey;
  if (key === undefined) {
    return { run: await answerFor(db, run, await insertRunSoon(db, run)), replayed: false };
  }
  return db.transaction().execute(async (trx) => {
    const earlier = await claimIdempotencyKey(trx, input, key, run.id);
    if (earlier) return { run: toDispatchedRun(earlier), replayed: true };
    return { run: await answerFor(trx, run, await insertRun(trx, run)), replayed: false };
  });
}
