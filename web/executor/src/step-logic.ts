/**
 * The template's conditional logic on the phone: the drafts, read as the answers the server holds or
 * is about to receive, go through the same rules module as the server (src/domain/conditions.ts), so
 * Next, Back, the progress bar and the review show exactly the steps the server will ask for. It runs
 * offline and after a reload, since it needs only the run's template and the drafts kept on the phone.
 *
 * The step on screen (`live`) counts with what its control holds before Next, so a follow-up step
 * appears (and is announced) as soon as the answer that calls for it is picked.
 */
import {
  applyStepState,
  describeCondition,
  evaluateSteps,
  listReferencedSteps,
  type AnswersByStep,
  type StepAnswerState,
  type StepState,
} from '../../../src/domain/conditions';
import { readAnswer, type StepDraft } from './answers';
import { REVIEW, type Position } from './drafts';
import type { Step } from './types';

/** Types whose control holds a value before Next; the others are answered only by Next itself. */
const LIVE_TYPES = new Set<Step['type']>([
  'boolean',
  'choice',
  'multi_choice',
  'text',
  'number',
  'rating',
  'datetime',
  'barcode',
]);

function toAnswerState(step: Step, draft: StepDraft | undefined, live: boolean): StepAnswerState | undefined {
  if (!draft) return undefined;
  if (draft.status === 'skipped') return { status: 'skipped' };
  if (draft.status !== 'answered' && !(live && LIVE_TYPES.has(step.type))) return undefined;
  const read = readAnswer(step, draft.value);
  if (read.kind === 'ok') return { status: 'answered', answer: read.answer };
  // Recorded earlier, being edited now: still answered, but no value to compare with.
  return draft.status === 'answered' ? { status: 'answered' } : undefined;
}

/** What the rules see of the drafts; `live` is the step on screen, counted before Next. */
export function toRuleAnswers(
  steps: readonly Step[],
  drafts: Readonly<Record<string, StepDraft>>,
  live: string | null = null,
): AnswersByStep {
  const answers: Record<string, StepAnswerState> = {};
  for (const step of steps) {
    const state = toAnswerState(step, drafts[step.id], step.id === live);
    if (state) answers[step.id] = state;
  }
  return answers;
}

export function evaluateDrafts(
  steps: readonly Step[],
  drafts: Readonly<Record<string, StepDraft>>,
  live: string | null = null,
): StepState[] {
  return evaluateSteps(steps, toRuleAnswers(steps, drafts, live));
}

/** The steps shown, in order, each with its `required` and `photos.min` as the rules make them now. */
export function listShownSteps(
  steps: readonly Step[],
  drafts: Readonly<Record<string, StepDraft>>,
  live: string | null = null,
): Step[] {
  const states = evaluateDrafts(steps, drafts, live);
  return steps.flatMap((step, i) => (states[i]!.visible ? [applyStepState(step, states[i]!)] : []));
}

/**
 * The screen to show for a stored position: the step itself while it is shown; once an answer hides
 * it, the next shown step after it (or the review).
 */
export function resolvePosition(
  steps: readonly Step[],
  drafts: Readonly<Record<string, StepDraft>>,
  position: Position,
): Position {
  const index = steps.findIndex((step) => step.id === position);
  if (position === REVIEW || index < 0) return REVIEW;
  const states = evaluateDrafts(steps, drafts);
  const next = steps.findIndex((_, i) => i >= index && states[i]!.visible);
  return next < 0 ? REVIEW : steps[next]!.id;
}

/** Says why a condition asks for photos, at the photo control; null when none asks. */
export function explainPhotoRule(
  step: Step,
  state: StepState | undefined,
  steps: readonly Step[],
): string | null {
  const rule = step.photos?.required_if;
  if (!rule || !state?.photosRequiredByCondition) return null;
  const min = state.photosMin;
  const what = min > 1 ? `${min} photos are` : 'A photo is';
  const onlyThisStep = listReferencedSteps(rule).every((id) => id === step.id);
  return onlyThisStep
    ? `${what} required because of your answer.`
    : `${what} required because ${describeCondition(rule, steps)}.`;
}

/** Words for the steps an answer adds or removes, for the live announcement; "" when none. */
export function describeShownChange(before: readonly Step[], after: readonly Step[]): string {
  const had = new Set(before.map((s) => s.id));
  const has = new Set(after.map((s) => s.id));
  const list = (steps: Step[]) => {
    const names = steps.map((s) => `“${s.label}”`).join(', ');
    return `${steps.length === 1 ? 'a step' : `${steps.length} steps`}: ${names}`;
  };
  const added = after.filter((s) => !had.has(s.id));
  const removed = before.filter((s) => !has.has(s.id));
  const parts = [
    added.length ? `adds ${list(added)}` : '',
    removed.length ? `removes ${list(removed)}` : '',
  ].filter(Boolean);
  return parts.length ? `This answer ${parts.join(', and ')}.` : '';
}
