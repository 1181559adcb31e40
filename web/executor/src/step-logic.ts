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
} from '../../../src/domain/conditions.js';
import { readAnswer, readSentValue, type StepDraft } from './answers.js';
import { REVIEW, type Position } from './drafts.js';
import type { Step } from './types.js';

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

/**
 * What the server holds (or will, once the queue is sent) for a step: the value last queued, not what
 * the control holds now, since an edit left without Next is not sent. The step on screen counts
 * with its control's value when that is an answer Next would send.
 */
function toAnswerState(step: Step, draft: StepDraft | undefined, live: boolean): StepAnswerState | undefined {
  if (!draft) return undefined;
  if (live && LIVE_TYPES.has(step.type)) {
    const now = readAnswer(step, draft.value);
    if (now.kind === 'ok') return { status: 'answered', answer: now.answer };
  }
  if (draft.status === 'skipped') return { status: 'skipped' };
  if (draft.status !== 'answered') return undefined;
  const sent = readAnswer(step, readSentValue(draft) ?? draft.value);
  return sent.kind === 'ok' ? { status: 'answered', answer: sent.answer } : { status: 'answered' };
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

/** Shown steps that submit would refuse: required and not answered, or short of their photos. */
export function findUnfinishedSteps(
  shown: readonly Step[],
  drafts: Readonly<Record<string, StepDraft>>,
): Step[] {
  return shown.filter((step) => {
    const draft = drafts[step.id];
    if (step.required && draft?.status !== 'answered') return true;
    return draft?.status === 'answered' && draft.photos.length < (step.photos?.min ?? 0);
  });
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
