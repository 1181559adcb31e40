/**
 * The conditional logic of one run, from its stored answers: which steps are hidden, which must be
 * answered before submit, and the 409 for a write to a hidden step. Everything is recomputed from the
 * answers on each read and write, so changing an earlier answer re-evaluates every later step; an
 * answer stored while its step was visible is kept (it counts again if the step reappears) but is
 * left out of what integrators see while the step is hidden.
 */
import { describeCondition, evaluateSteps, toAnswersByStep, type StepState } from './conditions.js';
import { DomainError, type FieldError } from './errors.js';
import type { Step, TemplateDefinition } from './template.js';

/** A stored answer as the rules need it (AnswerRecord fits). */
export interface LogicAnswer {
  stepId: string;
  status: 'answered' | 'skipped';
  answer?: unknown;
  mediaIds?: readonly string[];
}

/** Every step's state for these answers, by step id. */
export function evaluateRunSteps(
  template: TemplateDefinition,
  answers: readonly LogicAnswer[],
): Map<string, StepState> {
  const states = evaluateSteps(template.steps, toAnswersByStep(answers));
  return new Map(states.map((state) => [state.stepId, state]));
}

/** The ids of the steps hidden by these answers, in template order. */
export function listHiddenSteps(template: TemplateDefinition, answers: readonly LogicAnswer[]): string[] {
  const states = evaluateRunSteps(template, answers);
  return template.steps.filter((step) => !states.get(step.id)!.visible).map((step) => step.id);
}

/** 409 for an answer or skip of a step its `visible_if` hides; the problem names the condition. */
export function assertStepVisible(template: TemplateDefinition, step: Step, state: StepState): void {
  if (state.visible || !step.visible_if) return;
  const condition = describeCondition(step.visible_if, template.steps);
  const message = `Step ${step.id} (${step.label}) is hidden: it is shown only when ${condition}.`;
  throw new DomainError('conflict', message, [
    {
      pointer: '',
      rule: 'step_hidden',
      message,
      step_id: step.id,
      field: 'visible_if',
      condition: step.visible_if,
    },
  ]);
}

/** Why a step is required, for messages: "" when its own `required` says so. */
function becauseOf(template: TemplateDefinition, step: Step, state: StepState): string {
  if (step.required || !state.requiredByCondition || !step.required_if) return '';
  return ` (because ${describeCondition(step.required_if, template.steps)})`;
}

/** An answer that does not count for a required step: nothing chosen, nothing written. */
function isEmptyAnswer(answer: unknown): boolean {
  if (Array.isArray(answer)) return answer.length === 0;
  return typeof answer === 'string' && answer.trim() === '';
}

/**
 * What submit still needs, one error per step: visible required steps without an answer
 * (`required`), and answered steps with fewer photos than their (possibly condition-raised) minimum
 * (`min_photos`). Hidden steps need nothing.
 */
export function listMissingSteps(
  template: TemplateDefinition,
  answers: readonly LogicAnswer[],
): FieldError[] {
  const states = evaluateRunSteps(template, answers);
  const byStep = new Map(answers.map((answer) => [answer.stepId, answer]));
  return template.steps.flatMap((step, index): FieldError[] => {
    const state = states.get(step.id)!;
    if (!state.visible) return [];
    const record = byStep.get(step.id);
    const name = `Step ${step.id} (${step.label})`;
    const pointer = `/steps/${index}`;
    const answered = record?.status === 'answered' && !isEmptyAnswer(record.answer);
    if (state.required && !answered)
      return [
        {
          pointer,
          rule: 'required',
          message: `${name} is required${becauseOf(template, step, state)} and has no answer.`,
          step_id: step.id,
          ...(state.requiredByCondition && !step.required ? { field: 'required_if' } : {}),
        },
      ];
    const photos = record?.mediaIds?.length ?? 0;
    if (record?.status === 'answered' && photos < state.photosMin) {
      const rule = step.photos?.required_if;
      const why =
        state.photosRequiredByCondition && rule ? ` because ${describeCondition(rule, template.steps)}` : '';
      return [
        {
          pointer: `${pointer}/photos`,
          rule: 'min_photos',
          message: `${name} needs at least ${state.photosMin} photo(s)${why}; it has ${photos}.`,
          step_id: step.id,
          ...(why ? { field: 'photos.required_if' } : {}),
        },
      ];
    }
    return [];
  });
}
