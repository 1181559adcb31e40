/**
 * The template being edited: the document POST/PUT /v1/templates take, held as the author writes it.
 * Step and option ids are drawn here when a step or option is added, so conditions can refer to them,
 * they stay stable across edits and the saved version has exactly the ids shown. Validation is the
 * server's own module (src/domain/template.ts), run as you type; its errors and the API's 422 errors
 * are read the same way, by JSON pointer, onto the step and field.
 */
import {
  parseTemplate,
  type Step,
  type StepType,
  type TemplateDefinition,
} from '../../../../../../src/domain/template';
import { DomainError, type FieldError } from '../../../../../../src/domain/errors';

export type DraftStep = Step;
export type TemplateDraft = TemplateDefinition;

function randomId(prefix: 's' | 'o'): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(4));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function newOptionId(taken: readonly { id: string }[]): string {
  for (;;) {
    const id = randomId('o');
    if (!taken.some((o) => o.id === id)) return id;
  }
}

export function newStepId(steps: readonly DraftStep[]): string {
  for (;;) {
    const id = randomId('s');
    if (!steps.some((s) => s.id === id)) return id;
  }
}

export const STEP_TYPE_LABELS: Record<StepType, string> = {
  boolean: 'Yes / No',
  choice: 'Choice (one)',
  multi_choice: 'Choice (several)',
  text: 'Text',
  number: 'Number',
  rating: 'Rating',
  photo: 'Photo',
  signature: 'Signature',
  barcode: 'Barcode',
  datetime: 'Date / time',
  instruction: 'Instruction',
};

/** A new step of `type`, with the defaults the server would fill in (so the preview shows them). */
export function createStep(type: StepType, steps: readonly DraftStep[], label = ''): DraftStep {
  const step: DraftStep = { id: newStepId(steps), type, label, required: false };
  return retypeStep(step, type);
}

/** The step with another type: fields the new type has no use for are dropped, its defaults added. */
export function retypeStep(step: DraftStep, type: StepType): DraftStep {
  const { id, label, description, required, photos, visible_if, required_if } = step;
  const next: DraftStep = {
    id,
    type,
    label,
    required: type === 'instruction' ? false : required,
    ...(description !== undefined ? { description } : {}),
    ...(photos ? { photos } : {}),
    ...(visible_if ? { visible_if } : {}),
    ...(required_if ? { required_if } : {}),
  };
  if (type === 'choice' || type === 'multi_choice') {
    next.options = step.options?.length ? step.options : [{ id: newOptionId([]), label: 'Option 1' }];
  }
  if (type === 'rating') next.max = step.type === 'rating' ? (step.max ?? 5) : 5;
  if (type === 'datetime') next.mode = step.mode ?? 'date';
  if (type === 'photo')
    next.photos = {
      min: photos?.min ?? 1,
      max: photos?.max ?? 10,
      ...(photos?.required_if ? { required_if: photos.required_if } : {}),
    };
  if (type === 'number') {
    for (const key of ['min', 'max', 'unit', 'integer'] as const) {
      if (step.type === 'number' && step[key] !== undefined)
        (next as unknown as Record<string, unknown>)[key] = step[key];
    }
  }
  if (type === 'text') {
    if (step.multiline !== undefined) next.multiline = step.multiline;
    if (step.max_length !== undefined) next.max_length = step.max_length;
  }
  return next;
}

export function duplicateStep(steps: readonly DraftStep[], index: number): DraftStep[] {
  const source = steps[index]!;
  const copy: DraftStep = {
    ...structuredClone(source),
    id: newStepId(steps),
    label: `${source.label} (copy)`,
  };
  // A condition on the step itself would now point at the original: keep only references that stay earlier.
  return [...steps.slice(0, index + 1), copy, ...steps.slice(index + 1)];
}

export function moveStep(steps: readonly DraftStep[], from: number, to: number): DraftStep[] {
  if (to < 0 || to >= steps.length || from === to) return [...steps];
  const next = [...steps];
  const [moved] = next.splice(from, 1);
  next.splice(to, 0, moved!);
  return next;
}

/** The document to send: exactly what the editor holds (the server normalises nothing else away). */
export function toTemplateInput(draft: TemplateDraft): TemplateDraft {
  return structuredClone(draft);
}

/** A template body from the API (or an imported file) as a draft: server-only fields dropped. */
export function toDraft(body: Record<string, unknown>): TemplateDraft {
  const {
    id: _id,
    version: _v,
    archived_at: _a,
    created_at: _c,
    updated_at: _u,
    runs_count: _r,
    ...rest
  } = body;
  return rest as unknown as TemplateDraft;
}

/** The errors of the document, by the server's rules; empty when it would be accepted. */
export function validateDraft(draft: unknown): FieldError[] {
  try {
    parseTemplate(draft);
    return [];
  } catch (error) {
    if (error instanceof DomainError) return error.errors ?? [];
    throw error;
  }
}

/** Where an error belongs: a step (by index) and one of its fields, or the template itself. */
export interface ErrorPlace {
  stepIndex: number | null;
  /** The field key: `label`, `options`, `photos`, `visible_if`, `min`, `name`, `settings`… */
  field: string;
}

export function placeError(error: { pointer: string }): ErrorPlace {
  const parts = error.pointer.split('/').slice(1);
  if (parts[0] === 'steps' && parts[1] !== undefined && /^\d+$/.test(parts[1])) {
    return { stepIndex: Number(parts[1]), field: parts[2] ?? '' };
  }
  return { stepIndex: null, field: parts[0] ?? '' };
}

/** Errors by step index and field (first message of each), and the template's own. */
export function groupErrors(errors: readonly { pointer: string; message: string }[]) {
  const steps = new Map<number, Record<string, string>>();
  const template: Record<string, string> = {};
  for (const error of errors) {
    const place = placeError(error);
    const bucket =
      place.stepIndex === null
        ? template
        : (steps.get(place.stepIndex) ?? steps.set(place.stepIndex, {}).get(place.stepIndex)!);
    bucket[place.field] ??= error.message;
  }
  return { steps, template };
}
