/** A template's version history (who wrote each version, and when) and how many runs each template has. */
import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

export interface TemplateVersionEntry {
  version: number;
  createdAt: Date;
  /** The member who saved it from the dashboard, or the API key that wrote it; null before authors were kept. */
  author:
    | { kind: 'member'; userId: string; email: string; name: string | null }
    | { kind: 'api_key'; keyId: string; name: string }
    | null;
}

/** Every version of the org's template, newest first; undefined when the template is not the org's. */
export async function listTemplateVersions(
  db: Kysely<DB>,
  orgId: string,
  templateId: string,
): Promise<TemplateVersionEntry[] | undefined> {
  const rows = await db
    .selectFrom('template_versions')
    .innerJoin('templates', 'templates.id', 'template_versions.template_id')
    .leftJoin('users', 'users.id', 'template_versions.created_by_user_id')
    .leftJoin('api_keys', 'api_keys.id', 'template_versions.created_by_key_id')
    .select([
      'template_versions.version',
      'template_versions.created_at',
      'template_versions.created_by_user_id',
      'template_versions.created_by_key_id',
      'users.email',
      'users.name as user_name',
      'api_keys.name as key_name',
    ])
    .where('templates.id', '=', templateId)
    .where('templates.org_id', '=', orgId)
    .orderBy('template_versions.version', 'desc')
    .execute();
  if (rows.length === 0) return undefined;
  return rows.map((row) => ({
    version: row.version,
    createdAt: row.created_at,
    author:
      row.created_by_user_id && row.email
        ? { kind: 'member', userId: row.created_by_user_id, email: row.email, name: row.user_name }
        : row.created_by_key_id
          ? { kind: 'api_key', keyId: row.created_by_key_id, name: row.key_name ?? '' }
          : null,
  }));
}

/** The number of runs of each of these templates (0 when none). */
export async function countTemplateRuns(
  db: Kysely<DB>,
  orgId: string,
  templateIds: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map(templateIds.map((id) => [id, 0]));
  if (templateIds.length === 0) return counts;
  const rows = await db
    .selectFrom('runs')
    .select(['template_id', (eb) => eb.fn.countAll<string>().as('count')])
    .where('org_id', '=', orgId)
    .where('template_id', 'in', templateIds)
    .groupBy('template_id')
    .execute();
  for (const row of rows) counts.set(row.template_id, Number(row.count));
  return counts;
}
