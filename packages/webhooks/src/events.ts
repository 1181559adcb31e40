/**
 * The JSON bodies Rundun delivers. Every event shares one envelope; `event` names the shape of `data`.
 *
 * Receivers should:
 * - dedupe by `event_id` (identical on every retry and replay of an event);
 * - order a run's events by `seq` (1, 2, 3… per run): a retried event can arrive after a later one;
 * - keep a `default` branch when switching on `event`, since later versions may add events.
 */

/** The five event names, in lifecycle order. */
export const WEBHOOK_EVENT_NAMES = [
  'step.completed',
  'step.skipped',
  'run.completed',
  'run.cancelled',
  'run.expired',
] as const;

export type WebhookEventName = (typeof WEBHOOK_EVENT_NAMES)[number];

/** How the executor identified themselves. `anonymous` also when a run expired unopened. */
export type Identity =
  | { mode: 'anonymous' }
  | { mode: 'external'; name: string; email?: string; phone?: string }
  | { mode: 'member'; user_id: string };

export type StepType =
  | 'boolean'
  | 'choice'
  | 'multi_choice'
  | 'text'
  | 'number'
  | 'rating'
  | 'photo'
  | 'signature'
  | 'barcode'
  | 'datetime'
  | 'instruction';

/**
 * An answer, by step type: boolean → `boolean`; choice → option id; multi_choice → option ids; text,
 * barcode → text; number, rating → `number`; signature → URL of the PNG; datetime → `"2026-05-10"` or
 * `"2026-05-10T14:00:00Z"`; photo, instruction → `null` (the photos, or the acknowledgement, are the answer).
 */
export type Answer = boolean | number | string | string[] | null;

/** Where the answer was given; `null` when the template does not collect location or none was available. */
export interface Geo {
  lat: number;
  lng: number;
  /** Metres; `null` when the device gave no accuracy. */
  accuracy_m: number | null;
}

export interface Progress {
  total: number;
  answered: number;
  skipped: number;
}

/** A photo embedded in `step.completed`: a JPEG thumbnail (fits 320×240) as a data URL. */
export interface PhotoPreview {
  photo_index: number;
  /** `data:image/jpeg;base64,…` */
  preview: string;
  width: number;
  height: number;
}

/** A full-resolution photo in `run.completed` / `run.cancelled`: a signed capability URL that expires. */
export interface PhotoLink {
  photo_index: number;
  url: string;
  /** The full-size photo's pixels. */
  width: number;
  height: number;
}

/** One step's result in an answer map keyed by step id. */
export interface StepAnswer {
  answer: Answer;
  photos: PhotoLink[];
  geo: Geo | null;
}

/** Fields every event's `data` carries. */
export interface RunReference {
  /** The `executor_ref` given at dispatch, in every event of the run; `null` when none was set. */
  executor_ref: string | null;
}

export interface StepCompletedData extends RunReference {
  step_id: string;
  step_label: string;
  step_type: StepType;
  answer: Answer;
  photos: PhotoPreview[];
  geo: Geo | null;
  progress: Progress;
}

export interface StepSkippedData extends RunReference {
  step_id: string;
  step_label: string;
  step_type: StepType;
  progress: Progress;
}

export interface RunCompletedData extends RunReference {
  /** Seconds from run creation to submission. */
  duration_seconds: number;
  progress: Progress;
  /** The answers of the steps shown at submit; a step hidden by a later change is left out. */
  answers: Record<string, StepAnswer>;
  /**
   * Steps the template's conditions (`visible_if`) hid at submit. A `step.completed` sent earlier for
   * one of them is void: `run.completed` is the final truth. Empty for templates without conditions.
   */
  hidden_steps: string[];
}

export interface RunCancelledData extends RunReference {
  /** Always `user_exit`: the executor tapped Exit and confirmed. */
  reason: 'user_exit';
  progress: Progress;
  /** The step that was active when the executor exited; `null` if no step had been opened. */
  last_step_id: string | null;
  answers_so_far: Record<string, StepAnswer>;
  /** Steps hidden by the answers given so far (their answers are left out of `answers_so_far`). */
  hidden_steps: string[];
}

export interface RunExpiredData extends RunReference {
  /** ISO 8601 time at which the run link expired. */
  expired_at: string;
  progress: Progress;
}

/** The envelope shared by every event. */
export interface WebhookEnvelope<Name extends WebhookEventName, Data> {
  /** `evt-<uuid>`: stable across retries and replays. Use it as the idempotency key. */
  event_id: string;
  /** Which attempt this is: 1 to 6 (the first send and up to five retries); replays continue the count. */
  delivery_attempt: number;
  event: Name;
  /** `r-<uuid>`; also the `keyid` of the signature. */
  run_id: string;
  /** `t-<uuid>` */
  template_id: string;
  /** The template version the run snapshotted at dispatch. */
  template_v: number;
  /** ISO 8601 time at which the event happened (not when it was delivered). */
  ts: string;
  identity: Identity;
  /** The event's position in its run: 1, 2, 3… Order a run's events by it. */
  seq: number;
  /**
   * `false` for a test run (dispatched with an `rdk_test_…` key: no credit used); `true` otherwise.
   * Test deliveries are signed exactly as live ones. Absent from events written before version 0.2.
   */
  livemode: boolean;
  data: Data;
}

export type StepCompletedEvent = WebhookEnvelope<'step.completed', StepCompletedData>;
export type StepSkippedEvent = WebhookEnvelope<'step.skipped', StepSkippedData>;
export type RunCompletedEvent = WebhookEnvelope<'run.completed', RunCompletedData>;
export type RunCancelledEvent = WebhookEnvelope<'run.cancelled', RunCancelledData>;
export type RunExpiredEvent = WebhookEnvelope<'run.expired', RunExpiredData>;

/** Any Rundun webhook body; switch on `event` to narrow `data`. */
export type WebhookEvent =
  StepCompletedEvent | StepSkippedEvent | RunCompletedEvent | RunCancelledEvent | RunExpiredEvent;

/** True for the event names this version of the SDK knows. */
export function isWebhookEventName(value: unknown): value is WebhookEventName {
  return typeof value === 'string' && (WEBHOOK_EVENT_NAMES as readonly string[]).includes(value);
}
