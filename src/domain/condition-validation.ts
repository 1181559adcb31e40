/**
 * Checks the conditions of a template's steps (`visible_if`, `required_if`, `photos.required_if`)
 * before it is saved. Each error names the step (`step_id`), the field (`field`, e.g. `visible_if`),
 * a JSON pointer to the offending part and the rule broken:
 *
 *   condition_shape           not `{ step, <one op> }`, `{ all: [...] }`, `{ any: [...] }` or `{ not: ... }`
 *   condition_unknown_step    refers to a step id the template does not have
 *   condition_later_step      refers to this step or a later one (`photos.required_if` may use its own)
 *   condition_operator        the op does not fit the referred step's type (or it can never be skipped)
 *   condition_value           the value does not fit the op or the step (type, date format, `true` only…)
 *   condition_unknown_option  an option id the referred step does not have
 *   condition_depth           nested deeper than CONDITION_MAX_DEPTH
 *   condition_size            more than CONDITION_MAX_LEAVES leaves
 *
 * Pure, no imports at run time besides the date check: the template editor runs it as the author types.
 */
import { isValidDateAnswer } from './answers.js';
import { CONDITION_OPERATORS, type ConditionOperator } from './conditions.js';
import type { FieldError } from './errors.js';
import type { StepType } from './template.js';

export const CONDITION_MAX_DEPTH = 5;
export const CONDITION_MAX_LEAVES = 50;
export const CONDITION_MAX_LIST = 100;

export const CONDITION_FIELDS = ['visible_if', 'required_if', 'photos.required_if'] as const;
export type ConditionField = (typeof CONDITION_FIELDS)[number];

const ANY: ConditionOperator[] = ['answered', 'skipped'];

/** The ops each step type's answer can be compared with. */
export const OPERATORS_BY_STEP_TYPE: Record<StepType, readonly ConditionOperator[]> = {
  boolean: ['equals', 'not_equals', ...ANY],
  choice: ['equals', 'not_equals', 'in', ...ANY],
  multi_choice: ['includes', ...ANY],
  text: ['equals', 'not_equals', 'in', ...ANY],
  barcode: ['equals', 'not_equals', 'in', ...ANY],
  number: ['equals', 'not_equals', 'in', 'gt', 'gte', 'lt', 'lte', ...ANY],
  rating: ['equals', 'not_equals', 'in', 'gt', 'gte', 'lt', 'lte', ...ANY],
  datetime: ['equals', 'not_equals', 'in', ...ANY],
  photo: ANY,
  signature: ANY,
  instruction: ANY,
};

/** The fields of a step this check reads; both an author's input and a normalised step fit. */
export interface ConditionalStepInput {
  id?: string | undefined;
  type: StepType;
  required?: boolean | undefined;
  mode?: 'date' | 'datetime' | undefined;
  options?: readonly { id?: string | undefined }[] | undefined;
  visible_if?: unknown;
  required_if?: unknown;
  photos?: { required_if?: unknown } | undefined;
}

export interface ConditionError extends FieldError {
  field: ConditionField;
}

interface Walk {
  steps: readonly ConditionalStepInput[];
  indexById: ReadonlyMap<string, number>;
  index: number;
  field: ConditionField;
  allowOwnStep: boolean;
  allowSkip: boolean;
  leaves: number;
  errors: ConditionError[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stepName(walk: Walk): string {
  const id = walk.steps[walk.index]!.id;
  return id ? `Step ${id}` : `Step ${walk.index + 1}`;
}

function fail(walk: Walk, pointer: string, rule: string, message: string): void {
  const id = walk.steps[walk.index]!.id;
  walk.errors.push({
    pointer,
    rule,
    message: `${stepName(walk)}: ${walk.field} ${message}`,
    field: walk.field,
    ...(id ? { step_id: id } : {}),
  });
}

/** Tolerates a malformed `options` (already reported by the schema check). */
function hasOption(step: ConditionalStepInput, id: string): boolean {
  const options: unknown = step.options;
  return Array.isArray(options) && options.some((o: { id?: unknown } | null) => o?.id === id);
}

function fitsStep(step: ConditionalStepInput, value: unknown): 'ok' | 'type' | 'option' {
  switch (step.type) {
    case 'boolean':
      return typeof value === 'boolean' ? 'ok' : 'type';
    case 'choice':
    case 'multi_choice':
      if (typeof value !== 'string') return 'type';
      return hasOption(step, value) ? 'ok' : 'option';
    case 'number':
    case 'rating':
      return typeof value === 'number' && Number.isFinite(value) ? 'ok' : 'type';
    case 'datetime':
      return typeof value === 'string' && isValidDateAnswer(value, step.mode ?? 'date') ? 'ok' : 'type';
    default:
      return typeof value === 'string' ? 'ok' : 'type';
  }
}

const EXPECTED: Partial<Record<StepType, string>> = {
  boolean: 'true or false',
  choice: 'an option id of that step',
  multi_choice: 'an option id of that step',
  number: 'a number',
  rating: 'a number',
  datetime: 'a date (YYYY-MM-DD), or a date-time with a zone for a datetime step',
};

function checkValue(
  walk: Walk,
  ref: ConditionalStepInput,
  op: ConditionOperator,
  value: unknown,
  at: string,
) {
  const refId = ref.id!;
  if (op === 'answered' || op === 'skipped') {
    if (value !== true) fail(walk, at, 'condition_value', `${op} takes only true; wrap it in { "not": … }`);
    return;
  }
  if (op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') {
    if (typeof value !== 'number' || !Number.isFinite(value))
      fail(walk, at, 'condition_value', `${op} takes a number`);
    return;
  }
  const values = op === 'in' ? value : [value];
  if (op === 'in' && (!Array.isArray(value) || value.length < 1 || value.length > CONDITION_MAX_LIST)) {
    fail(walk, at, 'condition_value', `in takes a list of 1 to ${CONDITION_MAX_LIST} values`);
    return;
  }
  (values as unknown[]).forEach((item, i) => {
    const pointer = op === 'in' ? `${at}/${i}` : at;
    const fit = fitsStep(ref, item);
    if (fit === 'option')
      fail(walk, pointer, 'condition_unknown_option', `${JSON.stringify(item)} is not an option of ${refId}`);
    else if (fit === 'type')
      fail(
        walk,
        pointer,
        'condition_value',
        `${op} on ${refId} (${ref.type}) takes ${EXPECTED[ref.type] ?? 'a string'}`,
      );
  });
}

function checkLeaf(walk: Walk, node: Record<string, unknown>, at: string) {
  walk.leaves += 1;
  const ops = Object.keys(node).filter((key) => key !== 'step');
  const op = ops[0] as ConditionOperator | undefined;
  if (ops.length !== 1 || !CONDITION_OPERATORS.includes(op!)) {
    fail(
      walk,
      at,
      'condition_shape',
      `needs "step" and exactly one of ${CONDITION_OPERATORS.join(', ')} (got ${ops.join(', ') || 'none'})`,
    );
    return;
  }
  const refId = node.step;
  if (typeof refId !== 'string') {
    fail(walk, `${at}/step`, 'condition_shape', 'step must be a step id');
    return;
  }
  const refIndex = walk.indexById.get(refId);
  if (refIndex === undefined) {
    fail(
      walk,
      `${at}/step`,
      'condition_unknown_step',
      `refers to ${refId}, which is not a step of this template`,
    );
    return;
  }
  if (refIndex > walk.index || (refIndex === walk.index && !walk.allowOwnStep)) {
    const where = refIndex === walk.index ? 'this step itself' : 'a later step';
    fail(
      walk,
      `${at}/step`,
      'condition_later_step',
      `refers to ${refId}, ${where}; a condition may refer only to earlier steps`,
    );
    return;
  }
  const ref = walk.steps[refIndex]!;
  if (!OPERATORS_BY_STEP_TYPE[ref.type].includes(op!)) {
    fail(
      walk,
      `${at}/${op}`,
      'condition_operator',
      `uses ${op} on ${refId}, a ${ref.type} step; it takes ${OPERATORS_BY_STEP_TYPE[ref.type].join(', ')}`,
    );
    return;
  }
  if (op === 'skipped' && (ref.required || !walk.allowSkip)) {
    const why = ref.required ? `${refId} is required` : 'settings.allow_skip is off';
    fail(
      walk,
      `${at}/skipped`,
      'condition_operator',
      `asks whether ${refId} is skipped, which never happens: ${why}`,
    );
    return;
  }
  checkValue(walk, ref, op!, node[op!], `${at}/${op}`);
}

function checkNode(walk: Walk, node: unknown, at: string, depth: number): void {
  if (!isObject(node)) {
    fail(walk, at, 'condition_shape', 'must be a condition object');
    return;
  }
  if (depth > CONDITION_MAX_DEPTH) {
    fail(walk, at, 'condition_depth', `is nested deeper than ${CONDITION_MAX_DEPTH} levels`);
    return;
  }
  if ('step' in node) return checkLeaf(walk, node, at);
  const keys = Object.keys(node);
  const key = keys[0];
  if (keys.length !== 1 || (key !== 'all' && key !== 'any' && key !== 'not')) {
    fail(
      walk,
      at,
      'condition_shape',
      'must be { step, <op> }, { all: [...] }, { any: [...] } or { not: {...} }',
    );
    return;
  }
  if (key === 'not') return checkNode(walk, node.not, `${at}/not`, depth + 1);
  const list = node[key];
  if (!Array.isArray(list) || list.length === 0) {
    fail(walk, `${at}/${key}`, 'condition_shape', `${key} takes a non-empty list of conditions`);
    return;
  }
  list.forEach((child, i) => checkNode(walk, child, `${at}/${key}/${i}`, depth + 1));
}

function readField(step: ConditionalStepInput, field: ConditionField): unknown {
  if (field === 'photos.required_if') return step.photos?.required_if;
  return step[field];
}

/**
 * Every error in the steps' conditions, in step order. `allowSkip` is the template's
 * `settings.allow_skip`: without it `skipped: true` can never hold, and is refused.
 */
export function validateStepConditions(
  steps: readonly ConditionalStepInput[],
  allowSkip: boolean,
): ConditionError[] {
  const indexById = new Map<string, number>();
  steps.forEach((step, index) => {
    if (step.id && !indexById.has(step.id)) indexById.set(step.id, index);
  });
  const errors: ConditionError[] = [];
  steps.forEach((step, index) => {
    for (const field of CONDITION_FIELDS) {
      const condition = readField(step, field);
      if (condition === undefined) continue;
      const walk: Walk = {
        steps,
        indexById,
        index,
        field,
        allowOwnStep: field === 'photos.required_if',
        allowSkip,
        leaves: 0,
        errors,
      };
      const at = `/steps/${index}/${field.replace('.', '/')}`;
      checkNode(walk, condition, at, 1);
      if (walk.leaves > CONDITION_MAX_LEAVES)
        fail(
          walk,
          at,
          'condition_size',
          `has ${walk.leaves} leaves; at most ${CONDITION_MAX_LEAVES} are allowed`,
        );
    }
  });
  return errors;
}
