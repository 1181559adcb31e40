/** datetime: the browser's date or date-and-time picker; a datetime answer is sent as UTC ISO with Z. */
import { toLocalInputValue, type DraftValue, type StepDraft } from '../../executor/src/answers';
import type { Step } from '../../executor/src/types';
import { INPUT_ID, StepHelp, StepTitle, describeStep } from './step-text';

export function DateTimeControl({
  step,
  draft,
  onChange,
}: {
  step: Step;
  draft: StepDraft;
  onChange: (value: DraftValue) => void;
}) {
  const withTime = step.mode === 'datetime';
  const fillNow = () => {
    const now = toLocalInputValue(new Date());
    onChange(withTime ? now : now.slice(0, 10));
  };
  return (
    <div class="group">
      <StepTitle step={step} forInput />
      <StepHelp step={step} />
      <div class="inline-row">
        <input
          id={INPUT_ID}
          type={withTime ? 'datetime-local' : 'date'}
          value={typeof draft.value === 'string' ? draft.value : ''}
          aria-describedby={describeStep(step, Boolean(draft.error))}
          aria-required={step.required}
          aria-invalid={Boolean(draft.error)}
          onInput={(event) => onChange(event.currentTarget.value)}
        />
        <button type="button" class="secondary" onClick={fillNow}>
          {withTime ? 'Now' : 'Today'}
        </button>
      </div>
    </div>
  );
}
