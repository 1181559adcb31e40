/**
 * One leaf of a condition: an earlier step, an operator that fits its type (the server's own table,
 * OPERATORS_BY_STEP_TYPE) and its value — Yes / No, an option, a number or text, or for `in` a list:
 * the options to tick, or values separated by commas.
 */
import { useState } from 'preact/hooks';
import type { ConditionLeaf, ConditionOperator } from '../../../../../../src/domain/conditions';
import { readLeaf } from '../../../../../../src/domain/conditions';
import { OPERATORS_BY_STEP_TYPE } from '../../../../../../src/domain/condition-validation';
import type { DraftStep } from './template-draft';

const OP_LABELS: Record<ConditionOperator, string> = {
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

/** What a condition may refer to, and whether its fields show an error. */
export interface ConditionContext {
  /** Steps it may refer to: the earlier ones (and the step itself, for photos.required_if). */
  candidates: readonly DraftStep[];
  allSteps: readonly DraftStep[];
  allowSkip: boolean;
  invalid: true | undefined;
}

/** The ops offered for a step: `skipped` only where the template lets that step be skipped. */
function offeredOps(step: DraftStep, allowSkip: boolean): ConditionOperator[] {
  return OPERATORS_BY_STEP_TYPE[step.type].filter((op) => op !== 'skipped' || (allowSkip && !step.required));
}

function defaultValue(step: DraftStep, op: ConditionOperator): unknown {
  if (op === 'answered' || op === 'skipped') return true;
  const single: unknown =
    step.type === 'boolean'
      ? true
      : step.type === 'choice' || step.type === 'multi_choice'
        ? (step.options?.[0]?.id ?? '')
        : step.type === 'number' || step.type === 'rating'
          ? 1
          : '';
  return op === 'in' ? (single === '' ? [] : [single]) : single;
}

export function makeLeaf(stepId: string, op: ConditionOperator, value: unknown): ConditionLeaf {
  return { step: stepId, [op]: value } as unknown as ConditionLeaf;
}

/** A new leaf on the latest step it may refer to, with that step's first operator. */
export function newLeaf(context: ConditionContext): ConditionLeaf {
  const ref = context.candidates[context.candidates.length - 1]!;
  const op = offeredOps(ref, context.allowSkip)[0]!;
  return makeLeaf(ref.id, op, defaultValue(ref, op));
}

function isNumeric(step: DraftStep | undefined): boolean {
  return step?.type === 'number' || step?.type === 'rating';
}

/** A list typed as text: values separated by commas, numbers for a number or rating step. */
function ListInput({
  name,
  step,
  value,
  invalid,
  onValues,
}: {
  name: string;
  step: DraftStep | undefined;
  value: unknown;
  invalid: true | undefined;
  onValues: (values: unknown[]) => void;
}) {
  const [text, setText] = useState(() => (Array.isArray(value) ? value.join(', ') : ''));
  return (
    <label>
      <span class="sr-only">{name}: values</span>
      <input
        type="text"
        aria-invalid={invalid}
        placeholder="values, separated by commas"
        value={text}
        onInput={(e) => {
          const next = e.currentTarget.value;
          setText(next);
          const items = next
            .split(',')
            .map((item) => item.trim())
            .filter((item) => item !== '');
          onValues(isNumeric(step) ? items.map(Number) : items);
        }}
      />
    </label>
  );
}

function ValueEditor({
  name,
  leaf,
  context,
  onChange,
}: {
  name: string;
  leaf: ConditionLeaf;
  context: ConditionContext;
  onChange: (leaf: ConditionLeaf) => void;
}) {
  const { op, value } = readLeaf(leaf);
  const ref = context.allSteps.find((s) => s.id === leaf.step);
  const set = (next: unknown) => onChange(makeLeaf(leaf.step, op, next));
  const invalid = context.invalid;
  if (op === 'answered' || op === 'skipped') return null;
  const options = ref?.options ?? [];
  if (op === 'in' && options.length) {
    const chosen = Array.isArray(value) ? (value as unknown[]) : [];
    return (
      <fieldset class="condition-values">
        <legend class="sr-only">{name}: values</legend>
        {options.map((o) => (
          <label key={o.id} class="checkbox">
            <input
              type="checkbox"
              aria-invalid={invalid}
              checked={chosen.includes(o.id)}
              onChange={(e) =>
                set(
                  e.currentTarget.checked
                    ? options.filter((x) => x.id === o.id || chosen.includes(x.id)).map((x) => x.id)
                    : chosen.filter((id) => id !== o.id),
                )
              }
            />{' '}
            {o.label}
          </label>
        ))}
      </fieldset>
    );
  }
  if (op === 'in')
    return (
      <ListInput
        key={`${leaf.step}-in`}
        name={name}
        step={ref}
        value={value}
        invalid={invalid}
        onValues={set}
      />
    );
  if (ref?.type === 'boolean')
    return (
      <label>
        <span class="sr-only">{name}: value</span>
        <select
          aria-invalid={invalid}
          value={String(value)}
          onChange={(e) => set(e.currentTarget.value === 'true')}
        >
          <option value="true">Yes</option>
          <option value="false">No</option>
        </select>
      </label>
    );
  if (options.length)
    return (
      <label>
        <span class="sr-only">{name}: value</span>
        <select aria-invalid={invalid} value={String(value)} onChange={(e) => set(e.currentTarget.value)}>
          {options.map((o) => (
            <option key={o.id} value={o.id}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
    );
  return (
    <label>
      <span class="sr-only">{name}: value</span>
      <input
        aria-invalid={invalid}
        // Preact types each input type's attributes apart; this one input serves number and text.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
        type={(isNumeric(ref) ? 'number' : 'text') as 'text'}
        placeholder={
          ref?.type === 'datetime'
            ? ref.mode === 'datetime'
              ? 'YYYY-MM-DDTHH:MM:SSZ'
              : 'YYYY-MM-DD'
            : undefined
        }
        value={typeof value === 'string' || typeof value === 'number' ? String(value) : ''}
        onInput={(e) => {
          const text = e.currentTarget.value;
          set(isNumeric(ref) && text !== '' ? Number(text) : text);
        }}
      />
    </label>
  );
}

/** The step, operator and value of one leaf; `name` prefixes the fields' accessible names. */
export function LeafEditor({
  name,
  leaf,
  context,
  onChange,
}: {
  name: string;
  leaf: ConditionLeaf;
  context: ConditionContext;
  onChange: (leaf: ConditionLeaf) => void;
}) {
  const { op } = readLeaf(leaf);
  const { candidates, allSteps, allowSkip, invalid } = context;
  const ref = allSteps.find((s) => s.id === leaf.step);
  const ops = ref ? offeredOps(ref, allowSkip) : [];
  return (
    <>
      <label>
        <span class="sr-only">{name}: step</span>
        <select
          aria-invalid={invalid}
          value={leaf.step}
          onChange={(e) => {
            const next = allSteps.find((s) => s.id === e.currentTarget.value)!;
            const nextOps = offeredOps(next, allowSkip);
            const nextOp = nextOps.includes(op) ? op : nextOps[0]!;
            onChange(makeLeaf(next.id, nextOp, defaultValue(next, nextOp)));
          }}
        >
          {ref && !candidates.includes(ref) ? (
            <option value={ref.id}>{ref.label || ref.id} (not earlier)</option>
          ) : null}
          {candidates.map((s) => (
            <option key={s.id} value={s.id}>
              {s.label || s.id}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span class="sr-only">{name}: operator</span>
        <select
          aria-invalid={invalid}
          value={op}
          onChange={(e) => {
            const nextOp = e.currentTarget.value as ConditionOperator;
            onChange(makeLeaf(leaf.step, nextOp, ref ? defaultValue(ref, nextOp) : true));
          }}
        >
          {(ops.includes(op) ? ops : [op, ...ops]).map((o) => (
            <option key={o} value={o}>
              {OP_LABELS[o]}
            </option>
          ))}
        </select>
      </label>
      <ValueEditor key={`${leaf.step}-${op}`} name={name} leaf={leaf} context={context} onChange={onChange} />
    </>
  );
}
