/**
 * The settings of one step: Type, Label, Required, help text, and what its type adds (options with
 * their ids, number bounds and unit, rating max, date mode, text length), the photo overlay and the
 * conditions. Each field shows its error (typed rules or the API's 422) beside it.
 */
import { Field, SelectField } from '../../../../../shared/forms';
import { STEP_TYPES, type StepType } from '../../../../../../src/domain/template';
import { ConditionBuilder } from './condition-builder';
import { newOptionId, retypeStep, STEP_TYPE_LABELS, type DraftStep } from './template-draft';

interface Props {
  step: DraftStep;
  index: number;
  steps: readonly DraftStep[];
  allowSkip: boolean;
  errors: Record<string, string>;
  readOnly: boolean;
  onChange: (step: DraftStep) => void;
}

function numberText(value: number | undefined): string {
  return value === undefined ? '' : String(value);
}

function parseNumber(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function without<T extends object>(value: T, key: keyof T): T {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

function Checkbox({
  label,
  checked,
  onChecked,
  disabled,
}: {
  label: string;
  checked: boolean;
  onChecked: (v: boolean) => void;
  disabled?: boolean;
}) {
  return (
    <label class="checkbox">
      <input
        type="checkbox"
        checked={checked}
        disabled={disabled}
        onChange={(e) => onChecked(e.currentTarget.checked)}
      />{' '}
      {label}
    </label>
  );
}

function OptionsEditor({
  step,
  errors,
  onChange,
}: {
  step: DraftStep;
  errors: Record<string, string>;
  onChange: (s: DraftStep) => void;
}) {
  const options = step.options ?? [];
  const set = (next: typeof options) => onChange({ ...step, options: next });
  return (
    <fieldset class={`options-editor${errors.options ? ' field-invalid' : ''}`}>
      <legend>Options</legend>
      <ol class="option-rows">
        {options.map((option, i) => (
          <li key={option.id} class="option-row">
            <Field
              label={`Option ${i + 1}`}
              value={option.label}
              onValue={(label) => set(options.map((o, j) => (j === i ? { ...o, label } : o)))}
              hint={<code>{option.id}</code>}
            />
            <div class="row-buttons">
              <button
                type="button"
                class="button small"
                aria-label={`Move option ${i + 1} up`}
                disabled={i === 0}
                onClick={() => {
                  const n = [...options];
                  [n[i - 1], n[i]] = [n[i]!, n[i - 1]!];
                  set(n);
                }}
              >
                ↑
              </button>
              <button
                type="button"
                class="button small"
                aria-label={`Move option ${i + 1} down`}
                disabled={i === options.length - 1}
                onClick={() => {
                  const n = [...options];
                  [n[i + 1], n[i]] = [n[i]!, n[i + 1]!];
                  set(n);
                }}
              >
                ↓
              </button>
              <button
                type="button"
                class="button small"
                aria-label={`Remove option ${i + 1}`}
                onClick={() => set(options.filter((_, j) => j !== i))}
              >
                Remove
              </button>
            </div>
          </li>
        ))}
      </ol>
      <button
        type="button"
        class="button small"
        onClick={() => set([...options, { id: newOptionId(options), label: `Option ${options.length + 1}` }])}
      >
        Add option
      </button>
      {errors.options ? <p class="field-error">{errors.options}</p> : null}
    </fieldset>
  );
}

function TypeSettings({
  step,
  errors,
  onChange,
}: {
  step: DraftStep;
  errors: Record<string, string>;
  onChange: (s: DraftStep) => void;
}) {
  const setNumber = (key: 'min' | 'max' | 'min_selected' | 'max_selected' | 'max_length', text: string) => {
    const n = parseNumber(text);
    onChange(n === undefined ? without(step, key) : { ...step, [key]: n });
  };
  switch (step.type) {
    case 'choice':
      return <OptionsEditor step={step} errors={errors} onChange={onChange} />;
    case 'multi_choice':
      return (
        <>
          <OptionsEditor step={step} errors={errors} onChange={onChange} />
          <div class="field-row">
            <Field
              type="number"
              label="At least (selected)"
              value={numberText(step.min_selected)}
              onValue={(v) => setNumber('min_selected', v)}
              error={errors.min_selected}
            />
            <Field
              type="number"
              label="At most (selected)"
              value={numberText(step.max_selected)}
              onValue={(v) => setNumber('max_selected', v)}
              error={errors.max_selected}
            />
          </div>
        </>
      );
    case 'number':
      return (
        <>
          <div class="field-row">
            <Field
              type="number"
              label="Minimum"
              value={numberText(step.min)}
              onValue={(v) => setNumber('min', v)}
              error={errors.min}
            />
            <Field
              type="number"
              label="Maximum"
              value={numberText(step.max)}
              onValue={(v) => setNumber('max', v)}
              error={errors.max}
            />
            <Field
              label="Unit"
              value={step.unit ?? ''}
              onValue={(v) => onChange(v ? { ...step, unit: v } : without(step, 'unit'))}
              error={errors.unit}
            />
          </div>
          <Checkbox
            label="Whole numbers only"
            checked={step.integer ?? false}
            onChecked={(v) => onChange(v ? { ...step, integer: true } : without(step, 'integer'))}
          />
        </>
      );
    case 'rating':
      return (
        <Field
          type="number"
          label="Highest rating"
          value={numberText(step.max)}
          onValue={(v) => onChange({ ...step, max: parseNumber(v) ?? 5 })}
          error={errors.max}
          min="2"
          max="10"
        />
      );
    case 'datetime':
      return (
        <SelectField
          label="Date mode"
          value={step.mode ?? 'date'}
          onValue={(v) => onChange({ ...step, mode: v as 'date' | 'datetime' })}
          options={[
            { value: 'date', label: 'Date only' },
            { value: 'datetime', label: 'Date and time' },
          ]}
        />
      );
    case 'text':
      return (
        <div class="field-row">
          <Checkbox
            label="Several lines"
            checked={step.multiline ?? false}
            onChecked={(v) => onChange(v ? { ...step, multiline: true } : without(step, 'multiline'))}
          />
          <Field
            type="number"
            label="Longest answer (characters)"
            value={numberText(step.max_length)}
            onValue={(v) => setNumber('max_length', v)}
            error={errors.max_length}
          />
        </div>
      );
    default:
      return null;
  }
}

export function StepEditor({ step, index, steps, allowSkip, errors, readOnly, onChange }: Props) {
  const earlier = steps.slice(0, index);
  const photos = step.photos;
  return (
    <fieldset class="step-editor" disabled={readOnly} aria-labelledby={`step-editor-title-${step.id}`}>
      <h3 id={`step-editor-title-${step.id}`}>
        Step {index + 1}: {step.label || 'untitled'} <code class="muted step-id">{step.id}</code>
      </h3>
      <div class="field-row">
        <SelectField
          label="Type"
          value={step.type}
          onValue={(v) => onChange(retypeStep(step, v as StepType))}
          options={STEP_TYPES.map((type) => ({ value: type, label: STEP_TYPE_LABELS[type] }))}
          error={errors.type}
        />
        <Field
          label="Label"
          value={step.label}
          onValue={(label) => onChange({ ...step, label })}
          error={errors.label}
        />
      </div>
      {step.type === 'instruction' ? null : (
        <Checkbox
          label="Required"
          checked={step.required}
          onChecked={(required) => onChange({ ...step, required })}
        />
      )}
      <Field
        label={step.type === 'instruction' ? 'Instruction text' : 'Help text'}
        value={step.description ?? ''}
        onValue={(v) => onChange(v ? { ...step, description: v } : without(step, 'description'))}
        error={errors.description}
      />
      <TypeSettings step={step} errors={errors} onChange={onChange} />
      <fieldset class={`photos-editor${errors.photos ? ' field-invalid' : ''}`}>
        <legend>Photos</legend>
        {step.type === 'photo' ? null : (
          <Checkbox
            label="Ask for photos with this step"
            checked={Boolean(photos)}
            onChecked={(v) => onChange(v ? { ...step, photos: { min: 1, max: 5 } } : without(step, 'photos'))}
          />
        )}
        {photos ? (
          <div class="field-row">
            <Field
              type="number"
              label="Photos at least"
              value={String(photos.min)}
              onValue={(v) => onChange({ ...step, photos: { ...photos, min: parseNumber(v) ?? 0 } })}
            />
            <Field
              type="number"
              label="Photos at most"
              value={String(photos.max)}
              onValue={(v) => onChange({ ...step, photos: { ...photos, max: parseNumber(v) ?? 1 } })}
            />
          </div>
        ) : null}
        {errors.photos ? <p class="field-error">{errors.photos}</p> : null}
        {photos ? (
          <ConditionBuilder
            label="Photos required when"
            condition={photos.required_if}
            candidates={steps.slice(0, index + 1)}
            allSteps={steps}
            allowSkip={allowSkip}
            onChange={(c) =>
              onChange({
                ...step,
                photos: c ? { ...photos, required_if: c } : without(photos, 'required_if'),
              })
            }
          />
        ) : null}
      </fieldset>
      <ConditionBuilder
        label="Show only when"
        condition={step.visible_if}
        candidates={earlier}
        allSteps={steps}
        allowSkip={allowSkip}
        error={errors.visible_if}
        onChange={(c) => onChange(c ? { ...step, visible_if: c } : without(step, 'visible_if'))}
      />
      {step.type === 'instruction' ? null : (
        <ConditionBuilder
          label="Required when"
          condition={step.required_if}
          candidates={earlier}
          allSteps={steps}
          allowSkip={allowSkip}
          error={errors.required_if}
          onChange={(c) => onChange(c ? { ...step, required_if: c } : without(step, 'required_if'))}
        />
      )}
    </fieldset>
  );
}
