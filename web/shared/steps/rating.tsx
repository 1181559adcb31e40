/** rating: a radiogroup of 1..max, laid out as a row of number buttons. */
import type { DraftValue, StepDraft } from '../../executor/src/answers';
import type { Step } from '../../executor/src/types';
import { StepHelp, StepTitle, TITLE_ID, describeStep } from './step-text';

export function RatingControl({
  step,
  draft,
  onChange,
}: {
  step: Step;
  draft: StepDraft;
  onChange: (value: DraftValue) => void;
}) {
  const max = step.max ?? 5;
  const values = Array.from({ length: max }, (_, i) => i + 1);
  return (
    <fieldset
      class="group"
      role="radiogroup"
      aria-labelledby={TITLE_ID}
      aria-describedby={describeStep(step, Boolean(draft.error), 'step-scale')}
      aria-required={step.required}
      aria-invalid={Boolean(draft.error)}
    >
      <legend>
        <StepTitle step={step} />
      </legend>
      <StepHelp step={step} />
      <p id="step-scale" class="hint">
        1 is the lowest, {max} the highest.
      </p>
      <div class="rating">
        {values.map((n) => {
          const checked = draft.value === n;
          return (
            <label key={n} class={checked ? 'rate checked' : 'rate'}>
              <input type="radio" name={step.id} value={n} checked={checked} onChange={() => onChange(n)} />
              {n}
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}
