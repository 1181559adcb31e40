/**
 * Starting a run: pending → in_progress, with the executor's identity and `started_at`. No event fires
 * (the seeds have no run.started); the identity rides on every later event's envelope. Starting again
 * with the same identity answers as before; another identity is a conflict.
 */
import type { Kysely } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { Identity } from '../domain/events.js';
import { isSameIdentity, resolveIdentity, type IdentityInput } from '../domain/identity.js';
import { assertWritable } from '../domain/run.js';
import type { TemplateDefinition } from '../domain/template.js';
import { writeRun } from './executor-write.js';
import type { DB, RunRow } from './schema.js';
import { isOrgMember } from './users.js';

export async function startRun(
  db: Kysely<DB>,
  input: { runId: string; identity: IdentityInput | undefined; sessionUserId: string | null; now: Date },
): Promise<RunRow> {
  return writeRun(db, input.runId, input.now, async (trx, row) => {
    assertWritable(row.status);
    const template = row.template as TemplateDefinition;
    const isMember = input.sessionUserId ? await isOrgMember(trx, row.org_id, input.sessionUserId) : false;
    const identity = resolveIdentity(template.settings, input.identity, {
      sessionUserId: input.sessionUserId,
      isMember,
      assignedTo: row.assigned_to,
    });
    if (row.status === 'in_progress') {
      if (isSameIdentity(row.identity as Identity | null, identity)) return row;
      throw new DomainError('conflict', 'This checklist was already started by someone else.', [
        {
          pointer: '/identity',
          rule: 'already_started',
          message: 'the run is in progress under another identity',
        },
      ]);
    }
    return trx
      .updateTable('runs')
      .set({ status: 'in_progress', identity: JSON.stringify(identity), started_at: input.now })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}
