/**
 * One condition of a step (`visible_if`, `required_if` or `photos.required_if`): pick an earlier step,
 * an operator that fits its type (the server's own table, OPERATORS_BY_STEP_TYPE) and a value from its
 * options. A condition combining several (`all`, `any`, `not`) is shown in words and can be removed or
 * edited through Import JSON; the builder writes single conditions.
 */
import { useId } from 'preact/hooks';
import {
  describeCondition,
  isLeaf,
  readLeaf,
  type Condition,
  type ConditionOperator,
} from '../../../../../../src/domain/conditions';
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

/** The ops the builder offers for a step: `in` needs a list, which a single value picker does not write. */
function offeredOps(step: DraftStep, allowSkip: boolean): ConditionOperator[] {
  return OPERATORS_BY_STEP_TYPE[step.type].filter(
    (op) => op !== 'in' && (op !== 'skipped' || (allowSkip && !step.required)),
  );
}

function defaultValue(step: DraftStep, op: ConditionOperator): unknown {
  if (op === 'answered' || op === 'skipped') return true;
  if (step.type === 'boolean') return true;
  if (step.type === 'choice' || step.type === 'multi_choice') return step.options?.[0]?.id ?? '';
  if (step.type === 'number' || step.type === 'rating') return 1;
  return '';
}

function makeLeaf(stepId: string, op: ConditionOperator, value: unknown): Condition {
  return { step: stepId, [op]: value } as unknown as Condition;
}

interface Props {
  /** The heading of the builder: `Show only when`, `Required when`, `Photos required when`. */
  label: string;
  condition: Condition | undefined;
  /** Steps it may refer to: the earlier ones (and the step itself, for photos.required_if). */
  candidates: readonly DraftStep[];
  allSteps: readonly DraftStep[];
  allowSkip: boolean;
  error?: string | undefined;
  onChange: (condition: Condition | undefined) => void;
}

export function ConditionBuilder({
  label,
  condition,
  candidates,
  allSteps,
  allowSkip,
  error,
  onChange,
}: Props) {
  const id = `c${useId()}`;
  const errorId = error ? `${id}-error` : undefined;
  const invalid = error ? true : undefined;
  if (!condition) {
    return (
      <div class="condition">
        <span class="condition-label">{label}</span>{' '}
        <button
          type="button"
          class="button small"
          disabled={candidates.length === 0}
          onClick={() => {
            const ref = candidates[candidates.length - 1]!;
            const op = offeredOps(ref, allowSkip)[0]!;
            onChange(makeLeaf(ref.id, op, defaultValue(ref, op)));
          }}
        >
          Add condition: {label.toLowerCase()}
        </button>
        {candidates.length === 0 ? <span class="muted"> (needs an earlier step)</span> : null}
      </div>
    );
  }
  if (!isLeaf(condition)) {
    return (
      <fieldset class={`condition${error ? ' field-invalid' : ''}`} aria-describedby={errorId}>
        <legend>{label}</legend>
        <p>{describeCondition(condition, allSteps)}</p>
        <button type="button" class="button small" onClick={() => onChange(undefined)}>
          Remove condition
        </button>
        {error ? (
          <p class="field-error" id={errorId}>
            {error}
          </p>
        ) : null}
      </fieldset>
    );
  }
  const { op, value } = readLeaf(condition);
  const ref = allSteps.find((s) => s.id === condition.step);
  const ops = ref ? offeredOps(ref, allowSkip) : [];
  const optionValues = ref?.options ?? [];
  return (
    <fieldset class={`condition${error ? ' field-invalid' : ''}`} aria-describedby={errorId}>
      <legend>{label}</legend>
      <div class="condition-row">
        <label>
          <span class="sr-only">{label}: step</span>
          <select
            aria-invalid={invalid}
            value={condition.step}
            onChange={(e) => {
              const next = allSteps.find((s) => s.id === e.currentTarget.value)!;
              const nextOp = offeredOps(next, allowSkip).includes(op) ? op : offeredOps(next, allowSkip)[0]!;
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
          <span class="sr-only">{label}: operator</span>
          <select
            aria-invalid={invalid}
            value={op}
            onChange={(e) => {
              const nextOp = e.currentTarget.value as ConditionOperator;
              onChange(makeLeaf(condition.step, nextOp, ref ? defaultValue(ref, nextOp) : true));
            }}
          >
            {(ops.includes(op) ? ops : [op, ...ops]).map((o) => (
              <option key={o} value={o}>
                {OP_LABELS[o]}
              </option>
            ))}
          </select>
        </label>
        {op === 'answered' || op === 'skipped' ? null : ref?.type === 'boolean' ? (
          <label>
            <span class="sr-only">{label}: value</span>
            <select
              aria-invalid={invalid}
              value={String(value)}
              onChange={(e) => onChange(makeLeaf(ref.id, op, e.currentTarget.value === 'true'))}
            >
              <option value="true">Yes</option>
              <option value="false">No</option>
            </select>
          </label>
        ) : optionValues.length ? (
          <label>
            <span class="sr-only">{label}: value</span>
            <select
              aria-invalid={invalid}
              value={String(value)}
              onChange={(e) => onChange(makeLeaf(condition.step, op, e.currentTarget.value))}
            >
              {optionValues.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <label>
            <span class="sr-only">{label}: value</span>
            <input
              aria-invalid={invalid}
              // Preact types each input type's attributes apart; this one input serves number and text.
              // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
              type={(ref?.type === 'number' || ref?.type === 'rating' ? 'number' : 'text') as 'text'}
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
                const numeric = ref?.type === 'number' || ref?.type === 'rating';
                onChange(makeLeaf(condition.step, op, numeric && text !== '' ? Number(text) : text));
              }}
            />
          </label>
        )}
        <button type="button" class="button small" onClick={() => onChange(undefined)}>
          Remove condition
        </button>
      </div>
      {error ? (
        <p class="field-error" id={errorId}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
