/** text: a one-line input, or a textarea when the step is multiline; a counter when there is a limit. */
import type { DraftValue, StepDraft } from '../../executor/src/answers';
import type { Step } from '../../executor/src/types';
import { INPUT_ID, StepHelp, StepTitle, describeStep } from './step-text';

export function TextControl({
  step,
  draft,
  onChange,
}: {
  step: Step;
  draft: StepDraft;
  onChange: (value: DraftValue) => void;
}) {
  const value = typeof draft.value === 'string' ? draft.value : '';
  const common = {
    id: INPUT_ID,
    value,
    maxLength: step.max_length,
    'aria-describedby': describeStep(
      step,
      Boolean(draft.error),
      step.max_length !== undefined && 'step-count',
    ),
    'aria-required': step.required,
    'aria-invalid': Boolean(draft.error),
    onInput: (event: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) =>
      onChange(event.currentTarget.value),
  };
  return (
    <div class="group">
      <StepTitle step={step} forInput />
      <StepHelp step={step} />
      {step.multiline ? (
        <textarea {...common} rows={5} />
      ) : (
        <input {...common} type="text" autoComplete="off" enterKeyHint="next" />
      )}
      {step.max_length !== undefined ? (
        <p id="step-count" class="hint counter">
          {value.length} of {step.max_length} characters
        </p>
      ) : null}
    </div>
  );
}
