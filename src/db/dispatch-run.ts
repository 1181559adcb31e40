/**
 * Dispatching a run, in one transaction:
 *   1. claim the Idempotency-Key (if given) — a replay returns the run it created, consuming nothing;
 *   2. load the template's current version (404 when another org's or archived);
 *   3. resolve `assign_to` to a member of the org;
 *   4. take one credit (402 when the balance is 0 — the rollback undoes 1–3);
 *   5. insert the run with the template snapshotted whole.
 * Concurrent requests with one key queue on the key's primary key: the second sees the first's run.
 */
import { sql, type Kysely } from 'kysely';
import { DomainError, notFound } from '../domain/errors.js';
import { expandEventSubscription } from '../domain/events.js';
import { newId } from '../domain/ids.js';
import { computeExpiresAt } from '../domain/run.js';
import { sha256Hex } from '../domain/secrets.js';
import { consumeCredit } from './orgs.js';
import { findRunRow, toRun, type Run } from './runs.js';
import type { DB } from './schema.js';
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
  /** The raw request body, hashed to detect a key reused for a different request. */
  requestBody: string;
  now: Date;
}

export async function dispatchRun(
  db: Kysely<DB>,
  input: DispatchInput,
): Promise<{ run: Run; replayed: boolean }> {
  return db.transaction().execute(async (trx) => {
    const runId = newId('r');
    if (input.idempotencyKey !== undefined) {
      const requestHash = sha256Hex(input.requestBody);
      const claimed = await trx
        .insertInto('idempotency_keys')
        .values({
          org_id: input.orgId,
          key: input.idempotencyKey,
          request_hash: requestHash,
          run_id: runId,
          created_at: input.now,
        })
        .onConflict((oc) =>
          oc
            .columns(['org_id', 'key'])
            .doUpdateSet({ request_hash: requestHash, run_id: runId, created_at: input.now })
            .where('idempotency_keys.created_at', '<', new Date(input.now.getTime() - IDEMPOTENCY_WINDOW_MS)),
        )
        .returning('run_id')
        .executeTakeFirst();
      if (!claimed) {
        const existing = await trx
          .selectFrom('idempotency_keys')
          .selectAll()
          .where('org_id', '=', input.orgId)
          .where('key', '=', input.idempotencyKey)
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
        const run = await findRunRow(trx, existing.run_id);
        return { run: toRun(run!), replayed: true };
      }
    }

    const template = await trx
      .selectFrom('templates')
      .innerJoin('template_versions', (join) =>
        join
          .onRef('template_versions.template_id', '=', 'templates.id')
          .onRef('template_versions.version', '=', 'templates.current_version'),
      )
      .select([
        'templates.id',
        'templates.archived_at',
        'template_versions.version',
        'template_versions.definition',
      ])
      .where('templates.id', '=', input.templateId)
      .where('templates.org_id', '=', input.orgId)
      .executeTakeFirst();
    if (!template) throw notFound('Template');
    if (template.archived_at)
      throw new DomainError('conflict', 'This template is archived; dispatch a run from an active template.');

    let assignedTo: string | null = null;
    if (input.assignTo) {
      const member = await findOrgMember(trx, input.orgId, input.assignTo);
      if (!member) {
        throw new DomainError(
          'invalid_request',
          'assign_to must be the user id or email of a member of your org.',
          [{ pointer: '/assign_to', rule: 'member', message: 'no member of this org has that id or email' }],
        );
      }
      assignedTo = member.id;
    }

    if (!(await consumeCredit(trx, input.orgId, runId))) {
      throw new DomainError(
        'insufficient_credits',
        'Your org has no run credits left. Add credits to dispatch runs.',
      );
    }

    const row = await trx
      .insertInto('runs')
      .values({
        id: runId,
        org_id: input.orgId,
        template_id: template.id,
        template_version: template.version,
        template: sql`${JSON.stringify(template.definition)}::jsonb`,
        status: 'pending',
        executor_ref: input.executorRef ?? null,
        assigned_to: assignedTo,
        webhook_url: input.webhook?.url ?? null,
        webhook_secret: input.webhook?.secret ?? null,
        webhook_events: input.webhook ? JSON.stringify(expandEventSubscription(input.webhook.events)) : null,
        expires_at: computeExpiresAt(input.now, input.expiresInHours),
        created_at: input.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { run: toRun(row), replayed: false };
  });
}
