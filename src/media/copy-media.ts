/**
 * Copying every stored media file from one store to another (`rundun media migrate --to s3`). Files
 * are streamed, a few at a time; a file the target already holds at the same length is skipped, so
 * the copy can be run again after an interruption and only finishes what is missing. The source is
 * left as it was: switch `RUNDUN_MEDIA_STORE` once the copy reports nothing missing, then remove it.
 */
import type { Kysely } from 'kysely';
import { listMediaKeys } from '../db/media.js';
import type { DB } from '../db/schema.js';
import type { MediaStorage } from './storage.js';

const PAGE_SIZE = 200;
const COPY_CONCURRENCY = 8;

export interface CopyReport {
  copied: number;
  /** Already in the target at the same length. */
  present: number;
  /** Recorded in the database but absent from the source (nothing to copy). */
  missing: string[];
}

export async function copyMedia(
  db: Kysely<DB>,
  from: MediaStorage,
  to: MediaStorage,
  onProgress: (report: CopyReport) => void = () => {},
): Promise<CopyReport> {
  const report: CopyReport = { copied: 0, present: 0, missing: [] };
  let after = '';
  for (;;) {
    const page = await listMediaKeys(db, after, PAGE_SIZE);
    if (page.length === 0) return report;
    after = page.at(-1)!.id;
    for (let i = 0; i < page.length; i += COPY_CONCURRENCY) {
      await Promise.all(page.slice(i, i + COPY_CONCURRENCY).map((m) => copyOne(m, from, to, report)));
    }
    onProgress(report);
  }
}

async function copyOne(
  media: { storageKey: string; contentType: string },
  from: MediaStorage,
  to: MediaStorage,
  report: CopyReport,
): Promise<void> {
  const source = await from.open(media.storageKey);
  if (!source) {
    report.missing.push(media.storageKey);
    return;
  }
  if ((await to.size(media.storageKey)) === source.bytes) {
    source.stream.destroy();
    report.present++;
    return;
  }
  await to.put(media.storageKey, source, media.contentType);
  report.copied++;
}
