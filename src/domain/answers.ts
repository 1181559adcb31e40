/**
 * Answers: the server's check of what an executor sends for a step, before anything is stored.
 * `validateAnswer` is pure: it receives the step, the request and the media rows the request names
 * (already filtered to this run), and returns the answer as it will be stored, or throws
 * `invalid_answer` (422) whose errors name the step and the rule broken (`min_photos`, `unknown_option`…).
 *
 * Shapes per step type (as the webhook seed's table):
 *   boolean → true|false          choice → option id        multi_choice → [option ids]
 *   text, barcode → string        number → number           rating → integer 1..max (default 5)
 *   datetime → "YYYY-MM-DD" (mode date) or an ISO 8601 date-time with a zone (mode datetime)
 *   photo, instruction → null     signature → the media id of a PNG uploaded to this step
 * Photos (`media_ids`) are counted against the step's `photos` overlay: fewer than `min` is `min_photos`.
 */
import { DomainError, type FieldError } from './errors.js';
import type { Geo } from './run-document.js';
import type { Step, TemplateDefinition } from './template.js';

export const MAX_TEXT_LENGTH = 10_000;
export const MAX_BARCODE_LENGTH = 1_000;

/** A media row the request refers to, already known to belong to this run. */
export interface AnswerMedia {
  id: string;
  stepId: string;
  contentType: string;
}

export interface AnswerInput {
  answer: unknown;
  mediaIds: readonly string[];
  geo: unknown;
}

export interface ValidAnswer {
  answer: unknown;
  mediaIds: string[];
  geo: Geo | null;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

function isCalendarDate(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return (
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day)
  );
}

/** True for `YYYY-MM-DD` (mode date) or a date-time with seconds optional and a zone (mode datetime). */
export function isValidDateAnswer(value: string, mode: 'date' | 'datetime'): boolean {
  const match = (mode === 'date' ? DATE : DATE_TIME).exec(value);
  return match !== null && isCalendarDate(match[1]!, match[2]!, match[3]!);
}

type Check = (rule: string, message: string, pointer?: string) => void;

function checkOptions(step: Step, value: unknown, fail: Check): void {
  const known = new Set((step.options ?? []).map((option) => option.id));
  if (step.type === 'choice') {
    if (typeof value !== 'string') return fail('type', 'must be one option id (a string)');
    if (!known.has(value)) fail('unknown_option', `${value} is not one of this step's options`);
    return;
  }
  if (!Array.isArray(value) || value.some((id) => typeof id !== 'string'))
    return fail('type', 'must be an array of option ids');
  const ids = value as string[];
  ids.forEach((id, index) => {
    if (!known.has(id)) fail('unknown_option', `${id} is not one of this step's options`, `/answer/${index}`);
  });
  if (new Set(ids).size !== ids.length) fail('duplicate_option', 'lists an option more than once');
  const min = step.min_selected ?? (step.required ? 1 : 0);
  if (ids.length < min) fail('min_selected', `choose at least ${min} option(s)`);
  if (step.max_selected !== undefined && ids.length > step.max_selected)
    fail('max_selected', `choose at most ${step.max_selected} option(s)`);
}

function checkNumber(step: Step, value: unknown, fail: Check): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fail('type', 'must be a number');
  if (step.integer && !Number.isInteger(value)) fail('integer', 'must be a whole number');
  if (step.min !== undefined && value < step.min) fail('minimum', `must be at least ${step.min}`);
  if (step.max !== undefined && value > step.max) fail('maximum', `must be at most ${step.max}`);
}

function checkText(step: Step, value: unknown, fail: Check): void {
  if (typeof value !== 'string') return fail('type', 'must be a string');
  const limit = step.type === 'barcode' ? MAX_BARCODE_LENGTH : (step.max_length ?? MAX_TEXT_LENGTH);
  if (value.length > limit) fail('max_length', `must be at most ${limit} characters`);
  if ((step.required || step.type === 'barcode') && value.trim() === '')
    fail('required', 'must not be empty');
}

function checkSignature(step: Step, value: unknown, media: ReadonlyMap<string, AnswerMedia>, fail: Check) {
  if (typeof value !== 'string') return fail('type', 'must be the media id of the uploaded signature');
  const item = media.get(value);
  if (!item || item.stepId !== step.id)
    return fail('unknown_media', `${value} is not an image uploaded to this step of this run`);
  if (item.contentType !== 'image/png') fail('signature_png', 'the signature must be a PNG image');
}

function checkAnswerValue(step: Step, value: unknown, media: ReadonlyMap<string, AnswerMedia>, fail: Check) {
  switch (step.type) {
    case 'boolean':
      if (typeof value !== 'boolean') fail('type', 'must be true or false');
      return;
    case 'choice':
    case 'multi_choice':
      return checkOptions(step, value, fail);
    case 'number':
      return checkNumber(step, value, fail);
    case 'rating': {
      const max = step.max ?? 5;
      if (typeof value !== 'number' || !Number.isInteger(value))
        return fail('type', 'must be a whole number');
      if (value < 1 || value > max) fail('rating_range', `must be from 1 to ${max}`);
      return;
    }
    case 'text':
    case 'barcode':
      return checkText(step, value, fail);
    case 'datetime': {
      const mode = step.mode ?? 'date';
      const example = mode === 'date' ? '2026-05-10' : '2026-05-10T14:00:00Z';
      if (typeof value !== 'string' || !isValidDateAnswer(value, mode))
        fail(
          `${mode}_format`,
          `must be a ${mode === 'date' ? 'date' : 'date and time with a zone'} like ${example}`,
        );
      return;
    }
    case 'photo':
    case 'instruction':
      if (value !== null)
        fail('must_be_null', 'must be null (the photos or the acknowledgement are the answer)');
      return;
    case 'signature':
      return checkSignature(step, value, media, fail);
  }
}

function checkPhotos(
  step: Step,
  ids: readonly string[],
  media: ReadonlyMap<string, AnswerMedia>,
  fail: Check,
) {
  const seen = new Set<string>();
  ids.forEach((id, index) => {
    const item = media.get(id);
    if (!item || item.stepId !== step.id)
      fail('unknown_media', `${id} is not a photo uploaded to this step of this run`, `/media_ids/${index}`);
    if (seen.has(id)) fail('duplicate_media', `${id} is listed twice`, `/media_ids/${index}`);
    seen.add(id);
  });
  const { min, max } = step.photos ?? { min: 0, max: 0 };
  if (ids.length < min) fail('min_photos', `needs at least ${min} photo(s), got ${ids.length}`, '/media_ids');
  if (ids.length > max)
    fail('max_photos', max ? `takes at most ${max} photo(s)` : 'takes no photos', '/media_ids');
}

/** Geo as the app sends it: `{ lat, lng, accuracy_m }`; `null`/absent means "no position". */
export function parseGeo(value: unknown, fail: Check): Geo | null {
  if (value === null || value === undefined) return null;
  const geo = value as Record<string, unknown>;
  const keys = typeof value === 'object' && !Array.isArray(value) ? Object.keys(geo) : [];
  const accuracy = geo.accuracy_m ?? null;
  const valid =
    keys.length > 0 &&
    keys.every((key) => ['lat', 'lng', 'accuracy_m'].includes(key)) &&
    typeof geo.lat === 'number' &&
    typeof geo.lng === 'number' &&
    geo.lat >= -90 &&
    geo.lat <= 90 &&
    geo.lng >= -180 &&
    geo.lng <= 180 &&
    (accuracy === null || (typeof accuracy === 'number' && Number.isFinite(accuracy) && accuracy >= 0));
  if (!valid) {
    fail('geo', 'geo must be { lat: -90..90, lng: -180..180, accuracy_m: ≥ 0 } or null', '/geo');
    return null;
  }
  return { lat: geo.lat as number, lng: geo.lng as number, accuracy_m: accuracy };
}

/**
 * Checks an answer against its step. The signature's own media id may also appear in `media_ids`; it
 * is taken out, as a signature is its answer and not one of the step's photos. Geo is dropped when the
 * template did not ask for positions (`settings.geo: "off"`).
 */
export function validateAnswer(
  template: TemplateDefinition,
  step: Step,
  input: AnswerInput,
  media: readonly AnswerMedia[],
): ValidAnswer {
  const errors: FieldError[] = [];
  const fail: Check = (rule, message, pointer = '/answer') =>
    errors.push({ pointer, rule, message: `Step ${step.id} (${step.label}): ${message}`, step_id: step.id });
  const byId = new Map(media.map((item) => [item.id, item]));
  checkAnswerValue(step, input.answer, byId, fail);
  const mediaIds =
    step.type === 'signature' ? input.mediaIds.filter((id) => id !== input.answer) : [...input.mediaIds];
  checkPhotos(step, mediaIds, byId, fail);
  const geo = parseGeo(input.geo, fail);
  if (errors.length) throw new DomainError('invalid_answer', errors[0]!.message, errors);
  return { answer: input.answer, mediaIds, geo: template.settings.geo === 'off' ? null : geo };
}

/** Skipping is allowed for non-required steps of templates with `settings.allow_skip`. */
export function assertSkippable(template: TemplateDefinition, step: Step): void {
  if (!template.settings.allow_skip)
    throw new DomainError('conflict', 'This checklist does not allow skipping steps.', [
      { pointer: '', rule: 'skip_not_allowed', message: 'settings.allow_skip is false', step_id: step.id },
    ]);
  if (step.required)
    throw new DomainError('conflict', `Step ${step.id} (${step.label}) is required and cannot be skipped.`, [
      { pointer: '', rule: 'required', message: 'required steps cannot be skipped', step_id: step.id },
    ]);
}

/** What an upload to this step may be: photos for a step with a photo overlay, a PNG for a signature. */
export function assertStepTakesUpload(step: Step, contentType: string): void {
  if (step.photos && step.photos.max > 0) return;
  if (step.type === 'signature') {
    if (contentType === 'image/png') return;
    throw new DomainError(
      'unsupported_media_type',
      `Step ${step.id} (${step.label}) takes its signature as image/png.`,
    );
  }
  throw new DomainError('invalid_answer', `Step ${step.id} (${step.label}) does not take photos.`, [
    { pointer: '', rule: 'photos_not_allowed', message: 'this step has no photo overlay', step_id: step.id },
  ]);
}

/** Uploads kept per step: the overlay's max (1 for a signature) plus room for retakes and redraws. */
export const UPLOAD_RETAKE_ALLOWANCE = 10;

export function maxUploadsForStep(step: Step): number {
  return Math.max(step.photos?.max ?? 0, step.type === 'signature' ? 1 : 0) + UPLOAD_RETAKE_ALLOWANCE;
}
