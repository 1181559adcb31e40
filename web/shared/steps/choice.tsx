/** boolean (two big Yes/No radios), choice (a radio list) and multi_choice (a checkbox list). */
import type { DraftValue, StepDraft } from '../../executor/src/answers';
import type { Step } from '../../executor/src/types';
import { StepHelp, StepTitle, TITLE_ID, describeStep } from './step-text';

interface Props {
  step: Step;
  draft: StepDraft;
  onChange: (value: DraftValue) => void;
}

export function BooleanControl({ step, draft, onChange }: Props) {
  const choices: [boolean, string][] = [
    [true, 'Yes'],
    [false, 'No'],
  ];
  return (
    <fieldset
      class="group"
      role="radiogroup"
      aria-labelledby={TITLE_ID}
      aria-describedby={describeStep(step, Boolean(draft.error))}
      aria-required={step.required}
      aria-invalid={Boolean(draft.error)}
    >
      <legend>
        <StepTitle step={step} />
      </legend>
      <StepHelp step={step} />
      <div class="yes-no">
        {choices.map(([value, label]) => {
          const checked = draft.value === value;
          return (
            <label key={label} class={checked ? 'big-choice checked' : 'big-choice'}>
              <input type="radio" name={step.id} checked={checked} onChange={() => onChange(value)} />
              <span aria-hidden="true" class="tick">
                {checked ? '✓' : ''}
              </span>
              {label}
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}

export function ChoiceControl({ step, draft, onChange }: Props) {
  const multiple = step.type === 'multi_choice';
  const selected = Array.isArray(draft.value) ? draft.value : [];
  const limits = [
    step.min_selected ? `at least ${step.min_selected}` : '',
    step.max_selected ? `at most ${step.max_selected}` : '',
  ].filter(Boolean);
  const toggle = (id: string, checked: boolean) =>
    onChange(checked ? [...selected.filter((s) => s !== id), id] : selected.filter((s) => s !== id));
  return (
    <fieldset
      class="group"
      role={multiple ? undefined : 'radiogroup'}
      aria-labelledby={TITLE_ID}
      aria-describedby={describeStep(step, Boolean(draft.error), multiple && 'step-choose')}
      aria-required={multiple ? undefined : step.required}
      aria-invalid={Boolean(draft.error)}
    >
      <legend>
        <StepTitle step={step} />
      </legend>
      <StepHelp step={step} />
      {multiple ? (
        <p id="step-choose" class="hint">
          Choose all that apply{limits.length ? ` (${limits.join(', ')})` : ''}.
        </p>
      ) : null}
      <div class="option-list">
        {(step.options ?? []).map((option) => {
          const checked = multiple ? selected.includes(option.id) : draft.value === option.id;
          return (
            <label key={option.id} class={checked ? 'option checked' : 'option'}>
              <input
                type={multiple ? 'checkbox' : 'radio'}
                name={step.id}
                value={option.id}
                checked={checked}
                onChange={(event) =>
                  multiple ? toggle(option.id, event.currentTarget.checked) : onChange(option.id)
                }
              />
              <span>{option.label}</span>
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}
