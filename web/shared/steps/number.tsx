/**
 * number: a text input with the decimal keypad (type=number mangles commas and hides typos). The
 * keypad has no minus sign on iOS, so steps that allow negative values get the full keyboard.
 */
import type { DraftValue, StepDraft } from '../../executor/src/answers';
import type { Step } from '../../executor/src/types';
import { INPUT_ID, StepHelp, StepTitle, describeStep } from './step-text';

function describeBounds(step: Step): string {
  const unit = step.unit ? ` ${step.unit}` : '';
  const kind = step.integer ? 'A whole number' : 'A number';
  if (step.min !== undefined && step.max !== undefined)
    return `${kind} from ${step.min} to ${step.max}${unit}.`;
  if (step.min !== undefined) return `${kind}, at least ${step.min}${unit}.`;
  if (step.max !== undefined) return `${kind}, at most ${step.max}${unit}.`;
  return step.integer ? 'A whole number.' : '';
}

export function NumberControl({
  step,
  draft,
  onChange,
}: {
  step: Step;
  draft: StepDraft;
  onChange: (value: DraftValue) => void;
}) {
  const bounds = describeBounds(step);
  const allowsNegative = step.min !== undefined && step.min < 0;
  return (
    <div class="group">
      <StepTitle step={step} forInput />
      <StepHelp step={step} />
      {bounds ? (
        <p id="step-bounds" class="hint">
          {bounds}
        </p>
      ) : null}
      <div class="with-unit">
        <input
          id={INPUT_ID}
          type="text"
          inputMode={allowsNegative ? 'text' : step.integer ? 'numeric' : 'decimal'}
          autoComplete="off"
          enterKeyHint="next"
          value={typeof draft.value === 'string' ? draft.value : ''}
          aria-describedby={describeStep(
            step,
            Boolean(draft.error),
            step.unit && 'step-unit',
            bounds && 'step-bounds',
          )}
          aria-required={step.required}
          aria-invalid={Boolean(draft.error)}
          onInput={(event) => onChange(event.currentTarget.value)}
        />
        {step.unit ? (
          <span id="step-unit" class="unit">
            {step.unit}
          </span>
        ) : null}
      </div>
    </div>
  );
}
