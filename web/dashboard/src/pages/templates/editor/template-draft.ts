/**
 * The template being edited: the document POST/PUT /v1/templates take, held as the author writes it.
 * Step and option ids are drawn when a step or option is added, or imported without one, by the
 * domain's generator (src/domain/ids.ts) that the server uses too; so conditions can refer to them,
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
import { newOptionId as drawOptionId, newStepId as drawStepId } from '../../../../../../src/domain/ids';

export type DraftStep = Step;
export type TemplateDraft = TemplateDefinition;

/** A new option id for a step whose options are `taken` (the domain's generator, as the server's). */
export function newOptionId(taken: readonly { id: string }[]): string {
  return drawOptionId(new Set(taken.map((o) => o.id)));
}

/** A new step id not used by `steps` (the domain's generator, as the server's). */
export function newStepId(steps: readonly DraftStep[]): string {
  return drawStepId(new Set(steps.map((s) => s.id)));
}

/**
 * An imported or pasted document with an id on every step and option that came without one, drawn
 * as the editor draws them, so the steps can be selected, referred to by conditions and saved with
 * the ids shown. Anything that is not a step or option object is left for validation to name.
 */
export function fillMissingIds(draft: TemplateDraft): TemplateDraft {
  const objects = (list: unknown): Record<string, unknown>[] =>
    Array.isArray(list)
      ? list.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null)
      : [];
  const stepIds = new Set(objects(draft.steps).flatMap((s) => (typeof s.id === 'string' ? [s.id] : [])));
  for (const step of objects(draft.steps)) {
    if (step.id === undefined) {
      step.id = drawStepId(stepIds);
      stepIds.add(step.id as string);
    }
    const options = objects(step.options);
    const optionIds = new Set(options.flatMap((o) => (typeof o.id === 'string' ? [o.id] : [])));
    for (const option of options) {
      if (option.id !== undefined) continue;
      option.id = drawOptionId(optionIds);
      optionIds.add(option.id as string);
    }
  }
  return draft;
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
