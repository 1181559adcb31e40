/**
 * What a step's controls hold while the person edits it (the draft), and how a draft becomes the answer
 * the API expects (see the answer table in the webhook payload page). Pure functions, no I/O.
 */
import type { ServerAnswer, Step } from './types.js';

/** boolean → true/false/null; choice → option id; multi_choice → ids; rating → n; others → the input's text. */
export type DraftValue = boolean | string | string[] | number | null;

/** A photo (or signature image) attached to a step: `ref` while it is local, `media_id` once the server has it. */
export interface PhotoDraft {
  ref?: string;
  media_id?: string;
  thumbnail_url?: string;
  url?: string;
}

/** A signature drawn or typed but not yet saved with Next: the pad's strokes and the typed name. */
export interface Sketch {
  strokes: unknown[];
  typed: string;
}

export interface StepDraft {
  value: DraftValue;
  photos: PhotoDraft[];
  signature: PhotoDraft | null;
  /** As this phone last recorded it; null until Next (or Skip) succeeds locally. */
  status: 'answered' | 'skipped' | null;
  /** Fingerprint of the last answer queued, so an unchanged step is not sent twice. */
  sent: string | null;
  /** The last message shown for the step (local validation or the server's refusal). */
  error: string | null;
  /** The server refused the step's last write; the app points the person back to it. */
  refused?: boolean;
  /** Signature steps: what is on the pad before Next (not part of the answer). */
  sketch?: Sketch | null;
}

export type Evaluation =
  { kind: 'empty' } | { kind: 'invalid'; message: string } | { kind: 'ok'; answer: unknown };

export function createEmptyDraft(step: Step): StepDraft {
  let value: DraftValue = null;
  if (step.type === 'multi_choice') value = [];
  else if (['text', 'barcode', 'number', 'datetime'].includes(step.type)) value = '';
  return { value, photos: [], signature: null, status: null, sent: null, error: null };
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DDTHH:mm` in local time, the value format of `<input type="datetime-local">`. */
export function toLocalInputValue(date: Date): string {
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}T${pad2(date.getHours())}:${pad2(date.getMinutes())}`;
}

function toDraftValue(step: Step, answer: unknown): DraftValue {
  if (answer === null || answer === undefined) return createEmptyDraft(step).value;
  if (step.type === 'number') return typeof answer === 'number' ? String(answer) : '';
  if (step.type === 'datetime' && step.mode === 'datetime' && typeof answer === 'string') {
    const date = new Date(answer);
    return Number.isNaN(date.getTime()) ? '' : toLocalInputValue(date);
  }
  if (step.type === 'signature' || step.type === 'photo' || step.type === 'instruction') return null;
  return answer as DraftValue;
}

function isUrl(value: string): boolean {
  return /^(https?:)?\//.test(value);
}

export function fingerprintDraft(draft: StepDraft): string {
  const key = (photo: PhotoDraft | null) => (photo ? (photo.media_id ?? photo.ref ?? '') : '');
  return JSON.stringify([draft.value, draft.photos.map(key), key(draft.signature)]);
}

/** The control's value when the step's answer was last queued (or read from the server); undefined if never. */
export function readSentValue(draft: StepDraft): DraftValue | undefined {
  if (draft.sent === null) return undefined;
  return (JSON.parse(draft.sent) as [DraftValue])[0];
}

/** The draft for a step the server already holds an answer for. */
export function createDraftFromServer(step: Step, server: ServerAnswer): StepDraft {
  const draft = createEmptyDraft(step);
  draft.status = server.status;
  if (server.status === 'skipped') return draft;
  draft.value = toDraftValue(step, server.answer);
  draft.photos = server.media.map((m) => ({
    media_id: m.media_id,
    url: m.url,
    thumbnail_url: m.thumbnail_url,
  }));
  if (step.type === 'signature' && typeof server.answer === 'string') {
    const id = server.answer;
    const image = server.media.find((m) => m.media_id === id || m.url === id);
    draft.photos = draft.photos.filter((p) => p.media_id !== image?.media_id);
    draft.signature = isUrl(id)
      ? { media_id: image?.media_id ?? id, url: id, thumbnail_url: image?.thumbnail_url ?? id }
      : { media_id: id, url: image?.url, thumbnail_url: image?.thumbnail_url ?? image?.url };
  }
  draft.sent = fingerprintDraft(draft);
  return draft;
}

function parseDecimal(text: string): number {
  const normalised = text.trim().replace(/\s/g, '').replace(',', '.');
  return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(normalised) ? Number(normalised) : Number.NaN;
}

function describeRange(step: Step): string {
  const unit = step.unit ? ` ${step.unit}` : '';
  if (step.min !== undefined && step.max !== undefined) return `between ${step.min} and ${step.max}${unit}`;
  if (step.min !== undefined) return `of at least ${step.min}${unit}`;
  return `of at most ${step.max}${unit}`;
}

/** Converts the control's value to the API's answer, or says why it cannot be sent. */
export function readAnswer(step: Step, value: DraftValue): Evaluation {
  switch (step.type) {
    case 'photo':
    case 'instruction':
    case 'signature':
      return { kind: 'ok', answer: null };
    case 'boolean':
    case 'rating':
    case 'choice':
      return value === null || value === '' ? { kind: 'empty' } : { kind: 'ok', answer: value };
    case 'multi_choice': {
      const ids = Array.isArray(value) ? value : [];
      if (ids.length === 0) return { kind: 'empty' };
      if (step.min_selected !== undefined && ids.length < step.min_selected) {
        return { kind: 'invalid', message: `Choose at least ${step.min_selected}.` };
      }
      if (step.max_selected !== undefined && ids.length > step.max_selected) {
        return { kind: 'invalid', message: `Choose at most ${step.max_selected}.` };
      }
      return { kind: 'ok', answer: step.options?.filter((o) => ids.includes(o.id)).map((o) => o.id) ?? ids };
    }
    case 'number': {
      const text = typeof value === 'string' ? value : '';
      if (text.trim() === '') return { kind: 'empty' };
      const n = parseDecimal(text);
      if (!Number.isFinite(n)) return { kind: 'invalid', message: 'Enter a number, for example 42 or 3.5.' };
      if (step.integer && !Number.isInteger(n)) return { kind: 'invalid', message: 'Enter a whole number.' };
      if ((step.min !== undefined && n < step.min) || (step.max !== undefined && n > step.max)) {
        return { kind: 'invalid', message: `Enter a number ${describeRange(step)}.` };
      }
      return { kind: 'ok', answer: n };
    }
    case 'datetime': {
      const text = typeof value === 'string' ? value.trim() : '';
      if (text === '') return { kind: 'empty' };
      if (step.mode !== 'datetime') {
        return /^\d{4}-\d{2}-\d{2}$/.test(text)
          ? { kind: 'ok', answer: text }
          : { kind: 'invalid', message: 'Enter a date.' };
      }
      const date = new Date(text);
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text) || Number.isNaN(date.getTime())) {
        return { kind: 'invalid', message: 'Enter a date and a time.' };
      }
      return { kind: 'ok', answer: date.toISOString().replace(/\.\d{3}Z$/, 'Z') };
    }
    case 'text':
    case 'barcode': {
      const text = typeof value === 'string' ? value.trim() : '';
      if (text === '') return { kind: 'empty' };
      if (step.max_length !== undefined && text.length > step.max_length) {
        return {
          kind: 'invalid',
          message: `Use at most ${step.max_length} characters (now ${text.length}).`,
        };
      }
      return { kind: 'ok', answer: text };
    }
  }
}

function requiredMessage(step: Step): string {
  if (step.type === 'photo')
    return `Take at least ${step.photos?.min || 1} photo${(step.photos?.min || 1) > 1 ? 's' : ''}.`;
  if (step.type === 'signature') return 'Please sign in the box.';
  if (step.type === 'text' || step.type === 'barcode' || step.type === 'number')
    return 'Please fill this in.';
  return 'Please answer this step.';
}

/** Whether the step can be recorded as it stands: nothing to send, why not, or the answer to send. */
export function evaluateStep(step: Step, draft: StepDraft, hasSignature: boolean): Evaluation {
  const answer = readAnswer(step, draft.value);
  if (answer.kind === 'invalid') return answer;
  const photoCount = draft.photos.length;
  const blank =
    step.type === 'photo'
      ? photoCount === 0
      : step.type === 'signature'
        ? !hasSignature
        : answer.kind === 'empty';
  if (blank && step.type !== 'instruction') {
    if (step.required) return { kind: 'invalid', message: requiredMessage(step) };
    if (photoCount === 0) return { kind: 'empty' };
    return { kind: 'invalid', message: 'Answer the question as well, or remove the photos.' };
  }
  const minPhotos = step.photos?.min ?? 0;
  if (photoCount < minPhotos) {
    return {
      kind: 'invalid',
      message: `Add at least ${minPhotos} photo${minPhotos > 1 ? 's' : ''} (${photoCount} added).`,
    };
  }
  return answer.kind === 'ok' ? answer : { kind: 'ok', answer: null };
}

function formatDate(text: string, withTime: boolean): string {
  const date = withTime ? new Date(text) : new Date(`${text}T00:00:00`);
  if (Number.isNaN(date.getTime())) return text;
  return withTime
    ? date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
    : date.toLocaleDateString(undefined, { dateStyle: 'medium' });
}

/** A short human reading of a draft, for the review screen. */
export function formatAnswer(step: Step, draft: StepDraft): string {
  const v = draft.value;
  const photos = draft.photos.length
    ? `${draft.photos.length} photo${draft.photos.length > 1 ? 's' : ''}`
    : '';
  let text: string;
  switch (step.type) {
    case 'boolean':
      text = v === true ? 'Yes' : v === false ? 'No' : '';
      break;
    case 'choice':
      text = step.options?.find((o) => o.id === v)?.label ?? '';
      break;
    case 'multi_choice':
      text = (step.options ?? [])
        .filter((o) => Array.isArray(v) && v.includes(o.id))
        .map((o) => o.label)
        .join(', ');
      break;
    case 'number':
      text = typeof v === 'string' && v.trim() ? `${v.trim()}${step.unit ? ` ${step.unit}` : ''}` : '';
      break;
    case 'rating':
      text = typeof v === 'number' ? `${v} of ${step.max ?? 5}` : '';
      break;
    case 'datetime':
      text = typeof v === 'string' && v ? formatDate(v, step.mode === 'datetime') : '';
      break;
    case 'signature':
      text = draft.signature ? 'Signed' : '';
      break;
    case 'instruction':
      text = 'Read';
      break;
    case 'photo':
      return photos;
    default:
      text = typeof v === 'string' ? v : '';
  }
  return [text, photos].filter(Boolean).join(' · ');
}
