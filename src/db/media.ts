/** Media rows: one per uploaded image (full size in storage by `storage_key`, thumbnail inline). */
import type { Kysely, Transaction } from 'kysely';
import type { PhotoPreview } from '../domain/answer-events.js';
import type { AnswerMedia } from '../domain/answers.js';
import type { DB, MediaRow } from './schema.js';

type Db = Kysely<DB> | Transaction<DB>;

export type NewMedia = Omit<MediaRow, 'created_at'> & { created_at: Date };

/** What the executor API answers for one media item. */
export interface MediaSummary {
  id: string;
  runId: string;
  stepId: string;
  contentType: string;
  width: number;
  height: number;
}

const SUMMARY_COLUMNS = ['id', 'run_id', 'step_id', 'content_type', 'width', 'height'] as const;

function toSummary(row: Pick<MediaRow, (typeof SUMMARY_COLUMNS)[number]>): MediaSummary {
  return {
    id: row.id,
    runId: row.run_id,
    stepId: row.step_id,
    contentType: row.content_type,
    width: row.width,
    height: row.height,
  };
}

export async function insertMedia(trx: Transaction<DB>, media: NewMedia): Promise<MediaSummary> {
  await trx.insertInto('media').values(media).execute();
  return toSummary(media);
}

export async function findMediaByRequestId(
  db: Db,
  runId: string,
  requestId: string,
): Promise<(MediaSummary & { storageKey: string }) | undefined> {
  const row = await db
    .selectFrom('media')
    .select([...SUMMARY_COLUMNS, 'storage_key'])
    .where('run_id', '=', runId)
    .where('request_id', '=', requestId)
    .executeTakeFirst();
  return row && { ...toSummary(row), storageKey: row.storage_key };
}

export async function countStepMedia(db: Db, runId: string, stepId: string): Promise<number> {
  const { count } = await db
    .selectFrom('media')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('run_id', '=', runId)
    .where('step_id', '=', stepId)
    .executeTakeFirstOrThrow();
  return Number(count);
}

/** The run's media with these ids (media of other runs are simply not found). */
export async function findRunMediaByIds(
  db: Db,
  runId: string,
  ids: readonly string[],
): Promise<(AnswerMedia & PhotoPreview & MediaSummary)[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('media')
    .select([...SUMMARY_COLUMNS, 'thumbnail', 'thumbnail_width', 'thumbnail_height'])
    .where('run_id', '=', runId)
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return rows.map((row) => ({
    ...toSummary(row),
    thumbnail: row.thumbnail,
    thumbnailWidth: row.thumbnail_width,
    thumbnailHeight: row.thumbnail_height,
  }));
}

/** One media row for serving a file: its summary, storage key and thumbnail. */
export async function findMediaFile(db: Db, id: string) {
  const row = await db
    .selectFrom('media')
    .select([...SUMMARY_COLUMNS, 'storage_key', 'thumbnail'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row && { ...toSummary(row), storageKey: row.storage_key, thumbnail: row.thumbnail };
}

/** Storage keys of all media, `limit` at a time after `afterId` in id order (for copying stores). */
export async function listMediaKeys(db: Db, afterId: string, limit: number) {
  return db
    .selectFrom('media')
    .select(['id', 'storage_key as storageKey', 'content_type as contentType', 'bytes'])
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}
