/** Templates and their versions. Every change writes version n+1; old versions stay readable; archive hides, never deletes. */
import type { Kysely, Transaction } from 'kysely';
import { DomainError, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { TemplateDefinition } from '../domain/template.js';
import { decodeCursor, toPage } from './pagination.js';
import type { DB, TemplateRow } from './schema.js';

export interface Template {
  id: string;
  orgId: string;
  version: number;
  definition: TemplateDefinition;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

function toTemplate(row: TemplateRow, definition: unknown, version = row.current_version): Template {
  return {
    id: row.id,
    orgId: row.org_id,
    version,
    definition: definition as TemplateDefinition,
    archivedAt: row.archived_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Who writes a version: the signed-in member, or the API key of the request. */
export interface VersionAuthor {
  userId: string | null;
  keyId: string | null;
}

const NO_AUTHOR: VersionAuthor = { userId: null, keyId: null };

function authorColumns(author: VersionAuthor) {
  return { created_by_user_id: author.userId, created_by_key_id: author.keyId };
}

/** Runs `work` in `db` when it is already a transaction (an Idempotency-Key's), else in a new one. */
function inTransaction<T>(db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db as Transaction<DB>) : db.transaction().execute(work);
}

export async function createTemplate(
  db: Kysely<DB>,
  orgId: string,
  definition: TemplateDefinition,
  now: Date,
  author: VersionAuthor = NO_AUTHOR,
): Promise<Template> {
  return inTransaction(db, async (trx) => {
    const row = await trx
      .insertInto('templates')
      .values({
        id: newId('t'),
        org_id: orgId,
        name: definition.name,
        current_version: 1,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('template_versions')
      .values({
        template_id: row.id,
        version: 1,
        definition: JSON.stringify(definition),
        created_at: now,
        ...authorColumns(author),
      })
      .execute();
    return toTemplate(row, definition);
  });
}

export async function updateTemplate(
  db: Kysely<DB>,
  orgId: string,
  templateId: string,
  definition: TemplateDefinition,
  now: Date,
  author: VersionAuthor = NO_AUTHOR,
): Promise<Template> {
  return db.transaction().execute(async (trx) => {
    // The row lock makes concurrent updates take consecutive versions instead of colliding.
    const current = await trx
      .selectFrom('templates')
      .selectAll()
      .where('id', '=', templateId)
      .where('org_id', '=', orgId)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw notFound('Template');
    if (current.archived_at)
      throw new DomainError('conflict', 'This template is archived; archived templates cannot change.');
    const version = current.current_version + 1;
    const row = await trx
      .updateTable('templates')
      .set({ name: definition.name, current_version: version, updated_at: now })
      .where('id', '=', templateId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('template_versions')
      .values({
        template_id: templateId,
        version,
        definition: JSON.stringify(definition),
        created_at: now,
        ...authorColumns(author),
      })
      .execute();
    return toTemplate(row, definition);
  });
}

/** The template at `version` (default: current), if it belongs to the org. */
export async function findTemplate(
  db: Kysely<DB>,
  orgId: string,
  templateId: string,
  version?: number,
): Promise<Template | undefined> {
  const row = await db
    .selectFrom('templates')
    .innerJoin('template_versions', 'template_versions.template_id', 'templates.id')
    .selectAll('templates')
    .select(['template_versions.definition', 'template_versions.version'])
    .where('templates.id', '=', templateId)
    .where('templates.org_id', '=', orgId)
    .where((eb) =>
      version === undefined
        ? eb('template_versions.version', '=', eb.ref('templates.current_version'))
        : eb('template_versions.version', '=', version),
    )
    .executeTakeFirst();
  return row && toTemplate(row, row.definition, row.version);
}

export async function listTemplates(
  db: Kysely<DB>,
  orgId: string,
  options: { cursor?: string | undefined; limit: number; includeArchived: boolean },
): Promise<{ templates: Template[]; nextCursor: string | null }> {
  let query = db
    .selectFrom('templates')
    .innerJoin('template_versions', (join) =>
      join
        .onRef('template_versions.template_id', '=', 'templates.id')
        .onRef('template_versions.version', '=', 'templates.current_version'),
    )
    .selectAll('templates')
    .select('template_versions.definition')
    .where('templates.org_id', '=', orgId)
    .orderBy('templates.created_at', 'desc')
    .orderBy('templates.id', 'desc')
    .limit(options.limit + 1);
  if (!options.includeArchived) query = query.where('templates.archived_at', 'is', null);
  if (options.cursor) {
    const cursor = decodeCursor(options.cursor);
    query = query.where((eb) =>
      eb(eb.refTuple('templates.created_at', 'templates.id'), '<', eb.tuple(cursor.createdAt, cursor.id)),
    );
  }
  const page = toPage(await query.execute(), options.limit);
  return { templates: page.rows.map((row) => toTemplate(row, row.definition)), nextCursor: page.nextCursor };
}

export async function archiveTemplate(
  db: Kysely<DB>,
  orgId: string,
  templateId: string,
  now: Date,
): Promise<Template> {
  const row = await db
    .updateTable('templates')
    .set((eb) => ({ archived_at: eb.fn.coalesce('archived_at', eb.val(now)) }))
    .where('id', '=', templateId)
    .where('org_id', '=', orgId)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw notFound('Template');
  const template = await findTemplate(db, orgId, templateId);
  return template!;
}
