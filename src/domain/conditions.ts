/**
 * Conditional logic: which steps of a template are shown and required, given the answers so far.
 * This is the one implementation; the server, the executor app and the template editor import it, so
 * phone, editor preview and server never disagree. Pure TypeScript with no imports at run time: it runs
 * in Node and in the browser.
 *
 * A condition is a leaf `{ "step": <id>, <op>: <value> }` or a combinator `{ "all": [...] }`,
 * `{ "any": [...] }`, `{ "not": <condition> }` (depth ≤ 5, ≤ 50 leaves; see condition-validation.ts).
 * A leaf looks at the referred step's answer:
 *   answered: true  the step is answered          skipped: true  the step is skipped
 *   equals v, not_equals v, in [v…]               the answer is (is not, is one of) v
 *   includes o                                    a multi_choice answer holds option o
 *   gt, gte, lt, lte n                            a number or rating answer compares so with n
 * Every leaf other than `answered`/`skipped` is false while the step has no answer (unanswered or
 * skipped): `not_equals` means "answered, and not that". Use `{ "not": … }` for "anything but".
 *
 * Steps are evaluated in template order. A hidden step's answer counts as no answer for the steps
 * after it, so hiding a step also hides what depended on it (ODK's relevance works the same way).
 * A hidden step is neither asked nor required nor counted, whatever its own `required` says.
 */
import type { Step } from './template.js';

/** The operator keys of a leaf. */
export const CONDITION_OPERATORS = [
  'equals',
  'not_equals',
  'in',
  'includes',
  'gt',
  'gte',
  'lt',
  'lte',
  'answered',
  'skipped',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** A value an answer is compared with: a boolean, number, string (text, date, option id). */
export type ConditionValue = boolean | number | string;

export type ConditionLeaf = { step: string } & (
  | { equals: ConditionValue }
  | { not_equals: ConditionValue }
  | { in: ConditionValue[] }
  | { includes: string }
  | { gt: number }
  | { gte: number }
  | { lt: number }
  | { lte: number }
  | { answered: true }
  | { skipped: true }
);

export type Condition = ConditionLeaf | { all: Condition[] } | { any: Condition[] } | { not: Condition };

/** What a condition sees of one step: its status and, when answered, the answer as the API stores it. */
export interface StepAnswerState {
  status: 'answered' | 'skipped';
  answer?: unknown;
}

/** The answers so far by step id; a step without an entry has no answer. */
export type AnswersByStep = Readonly<Record<string, StepAnswerState | undefined>>;

/** The leaf's operator and value (the key beside `step`). */
export function readLeaf(leaf: ConditionLeaf): { op: ConditionOperator; value: unknown } {
  const op = CONDITION_OPERATORS.find((key) => key in leaf)!;
  return { op, value: (leaf as unknown as Record<string, unknown>)[op] };
}

export function isLeaf(condition: Condition): condition is ConditionLeaf {
  return 'step' in condition;
}

function compare(op: ConditionOperator, answer: unknown, value: unknown): boolean {
  switch (op) {
    case 'equals':
      return answer === value;
    case 'not_equals':
      return answer !== value;
    case 'in':
      return Array.isArray(value) && value.includes(answer);
    case 'includes':
      return Array.isArray(answer) && answer.includes(value);
    case 'gt':
      return typeof answer === 'number' && answer > (value as number);
    case 'gte':
      return typeof answer === 'number' && answer >= (value as number);
    case 'lt':
      return typeof answer === 'number' && answer < (value as number);
    case 'lte':
      return typeof answer === 'number' && answer <= (value as number);
    default:
      return false;
  }
}

/** Whether `condition` holds for these answers. Unknown shapes are false (validation refuses them). */
export function evaluateCondition(condition: Condition, answers: AnswersByStep): boolean {
  if ('all' in condition) return condition.all.every((c) => evaluateCondition(c, answers));
  if ('any' in condition) return condition.any.some((c) => evaluateCondition(c, answers));
  if ('not' in condition) return !evaluateCondition(condition.not, answers);
  const state = answers[condition.step];
  const { op, value } = readLeaf(condition);
  if (op === 'answered') return state?.status === 'answered';
  if (op === 'skipped') return state?.status === 'skipped';
  return state?.status === 'answered' && compare(op, state.answer, value);
}

/** A step's logic at this moment. */
export interface StepState {
  stepId: string;
  /** Shown and asked: no `visible_if`, or it holds. */
  visible: boolean;
  /** Visible, and `required` or its `required_if` holds. */
  required: boolean;
  /** Photos needed for the step to count as answered (see countPhotosNeeded); 0 when hidden. */
  photosMin: number;
  /** True while `photos.required_if` holds (and the step is visible). */
  photosRequiredByCondition: boolean;
  /** True while `required_if` holds (and the step is visible). */
  requiredByCondition: boolean;
}

/**
 * Photos a visible step needs. Without `photos.required_if`: `photos.min`. With it: `photos.min`
 * (at least 1) while it holds, none otherwise. A `photo` step's photos are its answer, so it keeps
 * its minimum (at least 1) either way; `required_if` decides whether it must be answered.
 */
function countPhotosNeeded(step: Step, requiredByCondition: boolean): number {
  const min = step.photos?.min ?? 0;
  if (step.type === 'photo') return Math.max(1, min);
  if (!step.photos?.required_if) return min;
  return requiredByCondition ? Math.max(1, min) : 0;
}

/**
 * The state of every step, in template order. Hidden steps' answers are left out of what later
 * conditions see; `photos.required_if` sees its own step's answer.
 */
export function evaluateSteps(steps: readonly Step[], answers: AnswersByStep): StepState[] {
  const seen: Record<string, StepAnswerState | undefined> = {};
  return steps.map((step) => {
    const visible = step.visible_if ? evaluateCondition(step.visible_if, seen) : true;
    if (!visible)
      return {
        stepId: step.id,
        visible,
        required: false,
        photosMin: 0,
        photosRequiredByCondition: false,
        requiredByCondition: false,
      };
    const requiredByCondition = step.required_if ? evaluateCondition(step.required_if, seen) : false;
    seen[step.id] = answers[step.id];
    const photosRule = step.photos?.required_if;
    const photosRequiredByCondition = photosRule ? evaluateCondition(photosRule, seen) : false;
    return {
      stepId: step.id,
      visible,
      required: step.required || requiredByCondition,
      photosMin: countPhotosNeeded(step, photosRequiredByCondition),
      photosRequiredByCondition,
      requiredByCondition,
    };
  });
}

/** The steps shown for these answers, in order. */
export function listVisibleSteps<S extends Step>(steps: readonly S[], answers: AnswersByStep): S[] {
  const states = evaluateSteps(steps, answers);
  return steps.filter((_, index) => states[index]!.visible);
}

/** The steps that must be answered before submit for these answers, in order. */
export function listRequiredSteps<S extends Step>(steps: readonly S[], answers: AnswersByStep): S[] {
  const states = evaluateSteps(steps, answers);
  return steps.filter((_, index) => states[index]!.required);
}

/**
 * The step as the rules make it now: `required` and `photos.min` as evaluated, so code that checks
 * an answer against a step (server and app alike) needs no knowledge of conditions.
 */
export function applyStepState<S extends Step>(step: S, state: StepState): S {
  const photos = step.photos ? { ...step.photos, min: state.photosMin } : undefined;
  return { ...step, required: state.required, ...(photos ? { photos } : {}) };
}

/** The answer states of stored answers (server rows or app drafts reduced to status and answer). */
export function toAnswersByStep(
  answers: Iterable<{ stepId: string; status: 'answered' | 'skipped'; answer?: unknown }>,
): Record<string, StepAnswerState> {
  const byStep: Record<string, StepAnswerState> = {};
  for (const { stepId, status, answer } of answers) byStep[stepId] = { status, answer };
  return byStep;
}

/** The step ids a condition looks at, each once, in the order they appear. */
export function listReferencedSteps(condition: Condition): string[] {
  const ids = new Set<string>();
  const walk = (c: Condition): void => {
    if ('all' in c) c.all.forEach(walk);
    else if ('any' in c) c.any.forEach(walk);
    else if ('not' in c) walk(c.not);
    else ids.add(c.step);
  };
  walk(condition);
  return [...ids];
}

const OP_WORDS: Record<ConditionOperator, string> = {
  equals: 'is',
  not_equals: 'is not',
  in: 'is one of',
  includes: 'includes',
  gt: 'is more than',
  gte: 'is at least',
  lt: 'is less than',
  lte: 'is at most',
  answered: 'is answered',
  skipped: 'is skipped',
};

function describeValue(step: Step | undefined, value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => describeValue(step, v)).join(', ');
  if (typeof value === 'boolean' && step?.type === 'boolean') return value ? 'Yes' : 'No';
  const option = step?.options?.find((o) => o.id === value);
  if (option) return `“${option.label}”`;
  return typeof value === 'string' ? `“${value}”` : String(value);
}

/** The condition in words, for people: `“Any damage?” is Yes and “Odometer” is more than 100000`. */
export function describeCondition(condition: Condition, steps: readonly Step[]): string {
  const inner = (c: Condition) => {
    const text = describeCondition(c, steps);
    return isLeaf(c) || 'not' in c ? text : `(${text})`;
  };
  if ('all' in condition) return condition.all.map(inner).join(' and ');
  if ('any' in condition) return condition.any.map(inner).join(' or ');
  if ('not' in condition) return `not ${inner(condition.not)}`;
  const step = steps.find((s) => s.id === condition.step);
  const name = step ? `“${step.label}”` : condition.step;
  const { op, value } = readLeaf(condition);
  if (op === 'answered' || op === 'skipped') return `${name} ${OP_WORDS[op]}`;
  return `${name} ${OP_WORDS[op]} ${describeValue(step, value)}`;
}
