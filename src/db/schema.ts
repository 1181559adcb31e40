/**
 * Table types for Kysely. Column names are snake_case as in SQL; the switch to the domain's camelCase
 * happens in the `to*` mappers of each query module.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
/** jsonb: written as a JSON string (`JSON.stringify`), read back parsed. */
type Json<T> = ColumnType<T, string, string>;

export interface InstanceSettingsTable {
  key: string;
  value: string;
}

export interface OrgsTable {
  id: string;
  name: string;
  created_at: CreatedAt;
}

/** An org's credits, spread over a few rows so concurrent dispatches debit different rows. */
export interface CreditBucketsTable {
  org_id: string;
  bucket: number;
  remaining: number;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string | null;
  password_hash: string;
  created_at: CreatedAt;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: 'owner' | 'member';
  created_at: CreatedAt;
}

export interface SessionsTable {
  /** SHA-256 of the session token (hex); the token itself lives only in the browser's cookie. */
  token_hash: string;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  /** The org the dashboard works in for this session; null for an executor-app sign-in. */
  org_id: string | null;
}

/** One-time links to join an org; only the token's SHA-256 is kept. */
export interface InvitationsTable {
  id: string;
  org_id: string;
  email: string | null;
  role: 'owner' | 'member';
  token_hash: string;
  created_by: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  accepted_by: string | null;
  revoked_at: Timestamp | null;
}

/** Failed sign-ins counted per `email:<address>` and `ip:<address>` in a fixed window. */
export interface SignInFailuresTable {
  key: string;
  failures: number;
  window_started_at: Timestamp;
  last_failed_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  org_id: string;
  name: string;
  /** SHA-256 of the full key (hex). */
  key_hash: string;
  last4: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  /** false for a test key (`rdk_test_…`): its runs take no credit and only test keys see them. */
  livemode: Generated<boolean>;
}

export interface CreditLedgerTable {
  id: Generated<number>;
  org_id: string;
  /** Positive for grants, −1 for each dispatch. */
  amount: number;
  reason: 'grant' | 'dispatch';
  run_id: string | null;
  note: string | null;
  created_at: CreatedAt;
}

export interface TemplatesTable {
  id: string;
  org_id: string;
  name: string;
  current_version: number;
  archived_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface TemplateVersionsTable {
  template_id: string;
  version: number;
  /** The whole template document (name, settings, steps) as validated. */
  definition: Json<unknown>;
  created_at: CreatedAt;
  /** The member who wrote the version from the dashboard (null: an API key, or before 0060). */
  created_by_user_id: string | null;
  /** The API key that wrote the version (null: a session, or before 0060). */
  created_by_key_id: string | null;
}

export type RunStatus = 'pending' | 'in_progress' | 'completed' | 'cancelled' | 'expired';

export interface RunsTable {
  id: string;
  org_id: string;
  template_id: string;
  template_version: number;
  /** The template version, snapshotted whole at dispatch. */
  template: Json<unknown>;
  status: RunStatus;
  executor_ref: string | null;
  /** User id of the only member allowed to execute this run. */
  assigned_to: string | null;
  identity: Json<unknown> | null;
  webhook_url: string | null;
  /** Encrypted (src/secrets/keyring.ts); null once wiped after the run is final and delivered. */
  webhook_secret: string | null;
  /** Subscribed event names, already expanded from `*`. */
  webhook_events: Json<string[]> | null;
  expires_at: Timestamp | null;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  last_step_id: string | null;
  /** Last `seq` given to one of this run's events. */
  event_seq: Generated<number>;
  /** false for a run dispatched with a test key. */
  livemode: Generated<boolean>;
}

export interface IdempotencyKeysTable {
  org_id: string;
  key: string;
  /** SHA-256 of the request body, so a reused key with another body is refused. */
  request_hash: string;
  run_id: string;
  created_at: CreatedAt;
}

/** The answer to a POST sent with an Idempotency-Key (templates, replay, recover), kept 24 hours. */
export interface IdempotentResponsesTable {
  org_id: string;
  key: string;
  /** SHA-256 of the method, path, mode and body, so a key reused for another request is refused. */
  request_hash: string;
  status_code: number;
  body: Json<unknown>;
  created_at: Timestamp;
}

export interface AnswersTable {
  run_id: string;
  step_id: string;
  status: 'answered' | 'skipped';
  answer: Json<unknown> | null;
  media_ids: Json<string[]>;
  geo: Json<unknown> | null;
  /** The executor app's request id of the last write, so a retried write changes nothing. */
  request_id: string | null;
  updated_at: Timestamp;
}

export interface MediaTable {
  id: string;
  run_id: string;
  step_id: string;
  content_type: string;
  bytes: number;
  width: number;
  height: number;
  storage_key: string;
  thumbnail: Buffer | null;
  thumbnail_width: number | null;
  thumbnail_height: number | null;
  request_id: string | null;
  created_at: CreatedAt;
}

export interface EventsTable {
  id: string;
  run_id: string;
  seq: number;
  type: string;
  /** The envelope without `delivery_attempt`, which each attempt adds. */
  envelope: Json<unknown>;
  created_at: CreatedAt;
  /** The run's org and mode, copied so an org's events are one index range. */
  org_id: string;
  livemode: Generated<boolean>;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface DeliveriesTable {
  id: string;
  event_id: string;
  run_id: string;
  seq: number;
  url: string;
  /** scheme://host:port of `url`: the unit of concurrency caps and fair rotation. */
  origin: string;
  status: DeliveryStatus;
  /** Attempts finished so far; the next attempt's `delivery_attempt` is this + 1. */
  attempt_count: Generated<number>;
  next_attempt_at: Timestamp;
  /** Set while a worker holds the delivery; another worker may take it after this time. */
  lease_until: Timestamp | null;
  locked_by: string | null;
  /** A replay requested from the API or dashboard, sent next regardless of status. */
  manual_pending: Generated<boolean>;
  last_error: string | null;
  /** The HTTP status of the last counted attempt; null before it or when it got no response. */
  last_response_status: number | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  /** The run's org and mode, copied so an org's deliveries are one index range. */
  org_id: string;
  livemode: Generated<boolean>;
}

export interface DeliveryAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  attempt: number;
  manual: boolean;
  started_at: Timestamp;
  duration_ms: number;
  request_headers: Json<Record<string, string>>;
  request_body: string;
  response_status: number | null;
  response_headers: Json<Record<string, string>> | null;
  /** The first 16 KB of the response body. */
  response_body: string | null;
  error: string | null;
  succeeded: boolean;
  /** The request and response bodies were replaced by the retention job's marker. */
  body_pruned: Generated<boolean>;
  /** Sent without the lease (taken over meanwhile, or the sender stopped): logged, not counted. */
  lease_lost: Generated<boolean>;
}

/** Per-key counts of the /v1 rate limit, shared by the API processes (src/db/rate-limit-counts.ts). */
export interface RateLimitCountsTable {
  key: string;
  /** The window's start, epoch milliseconds (windows are aligned: a multiple of the window's length). */
  window_start: string;
  count: number;
  expires_at: Date;
}

export interface DB {
  instance_settings: InstanceSettingsTable;
  orgs: OrgsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  invitations: InvitationsTable;
  sign_in_failures: SignInFailuresTable;
  api_keys: ApiKeysTable;
  credit_ledger: CreditLedgerTable;
  credit_buckets: CreditBucketsTable;
  templates: TemplatesTable;
  template_versions: TemplateVersionsTable;
  runs: RunsTable;
  idempotency_keys: IdempotencyKeysTable;
  idempotent_responses: IdempotentResponsesTable;
  answers: AnswersTable;
  media: MediaTable;
  events: EventsTable;
  deliveries: DeliveriesTable;
  delivery_attempts: DeliveryAttemptsTable;
  rate_limit_counts: RateLimitCountsTable;
}

export type RunRow = Selectable<RunsTable>;
export type NewRunRow = Insertable<RunsTable>;
export type DeliveryRow = Selectable<DeliveriesTable>;
export type EventRow = Selectable<EventsTable>;
export type AnswerRow = Selectable<AnswersTable>;
export type MediaRow = Selectable<MediaTable>;
export type TemplateRow = Selectable<TemplatesTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type InvitationRow = Selectable<InvitationsTable>;
