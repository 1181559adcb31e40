/** Runs: reads, listing, and the answers and media that belong to them. Dispatch lives in dispatch-run.ts. */
import type { Kysely, Transaction } from 'kysely';
import type { Identity } from '../domain/events.js';
import type { AnswerRecord, Geo, MediaRecord } from '../domain/run-document.js';
import type { TemplateDefinition } from '../domain/template.js';
import { decodeCursor, toPage } from './pagination.js';
import type { DB, RunRow, RunStatus } from './schema.js';

type Db = Kysely<DB> | Transaction<DB>;

export interface Run {
  id: string;
  orgId: string;
  templateId: string;
  templateVersion: number;
  template: TemplateDefinition;
  status: RunStatus;
  executorRef: string | null;
  assignedTo: string | null;
  identity: Identity | null;
  webhook: { url: string; events: string[] } | null;
  expiresAt: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  lastStepId: string | null;
  /** false for a test run. */
  livemode: boolean;
}

export function toRun(row: RunRow): Run {
  return {
    id: row.id,
    orgId: row.org_id,
    templateId: row.template_id,
    templateVersion: row.template_version,
    template: row.template as TemplateDefinition,
    status: row.status,
    executorRef: row.executor_ref,
    assignedTo: row.assigned_to,
    identity: row.identity as Identity | null,
    webhook: row.webhook_url ? { url: row.webhook_url, events: row.webhook_events ?? [] } : null,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    lastStepId: row.last_step_id,
    livemode: row.livemode,
  };
}

export async function findRunRow(
  db: Db,
  runId: string,
  options: { forUpdate?: boolean } = {},
): Promise<RunRow | undefined> {
  let query = db.selectFrom('runs').selectAll().where('id', '=', runId);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

export interface RunFilters {
  status?: RunStatus | undefined;
  templateId?: string | undefined;
  /** Exact match. */
  executorRef?: string | undefined;
  /** Runs whose executor_ref starts with this (case-sensitive). */
  executorRefPrefix?: string | undefined;
  /** created_at >= this. */
  createdSince?: Date | undefined;
  /** created_at < this. */
  createdBefore?: Date | undefined;
}

/** `LIKE` pattern for "starts with": the wildcards and the escape character are matched literally. */
export function toPrefixPattern(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** What a list shows of a run: no template snapshot, identity or webhook. */
export type RunSummary = Pick<
  Run,
  | 'id'
  | 'status'
  | 'templateId'
  | 'templateVersion'
  | 'executorRef'
  | 'assignedTo'
  | 'createdAt'
  | 'expiresAt'
  | 'finishedAt'
  | 'livemode'
>;

/**
 * A page of an org's runs, newest first, filtered; each filter has its index (migration 0021). Only
 * the summary's columns are read: the snapshot (a few KB a run) made a page of 50 several times slower.
 */
export async function listRuns(
  db: Kysely<DB>,
  orgId: string,
  options: RunFilters & { cursor?: string | undefined; limit: number; livemode?: boolean },
): Promise<{ runs: RunSummary[]; nextCursor: string | null }> {
  let query = db
    .selectFrom('runs')
    .select([
      'id',
      'status',
      'template_id',
      'template_version',
      'executor_ref',
      'assigned_to',
      'created_at',
      'expires_at',
      'finished_at',
      'livemode',
    ])
    .where('org_id', '=', orgId)
    .where('livemode', '=', options.livemode ?? true)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit + 1);
  if (options.status) query = query.where('status', '=', options.status);
  if (options.templateId !== undefined) query = query.where('template_id', '=', options.templateId);
  if (options.executorRef !== undefined) query = query.where('executor_ref', '=', options.executorRef);
  if (options.executorRefPrefix)
    query = query.where('executor_ref', 'like', toPrefixPattern(options.executorRefPrefix));
  if (options.createdSince) query = query.where('created_at', '>=', options.createdSince);
  if (options.createdBefore) query = query.where('created_at', '<', options.createdBefore);
  if (options.cursor) {
    const cursor = decodeCursor(options.cursor);
    // A row comparison, not an OR: the index scan starts at the cursor instead of filtering from the top.
    query = query.where((eb) =>
      eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.createdAt, cursor.id)),
    );
  }
  const page = toPage(await query.execute(), options.limit);
  return {
    runs: page.rows.map((row) => ({
      id: row.id,
      livemode: row.livemode,
      status: row.status,
      templateId: row.template_id,
      templateVersion: row.template_version,
      executorRef: row.executor_ref,
      assignedTo: row.assigned_to,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      finishedAt: row.finished_at,
    })),
    nextCursor: page.nextCursor,
  };
}

export async function listAnswers(db: Db, runId: string): Promise<AnswerRecord[]> {
  const rows = await db.selectFrom('answers').selectAll().where('run_id', '=', runId).execute();
  return rows.map((row) => ({
    stepId: row.step_id,
    status: row.status,
    answer: row.answer,
    mediaIds: row.media_ids,
    geo: row.geo as Geo | null,
    updatedAt: row.updated_at,
  }));
}

export async function listRunMedia(db: Db, runId: string): Promise<MediaRecord[]> {
  const rows = await db
    .selectFrom('media')
    .select(['id', 'run_id', 'step_id', 'content_type', 'width', 'height'])
    .where('run_id', '=', runId)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    runId: row.run_id,
    stepId: row.step_id,
    contentType: row.content_type,
    width: row.width,
    height: row.height,
  }));
}
