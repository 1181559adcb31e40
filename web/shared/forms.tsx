/**
 * Form pieces for the dashboard and the template editor: a labelled field whose error and hint are
 * tied to the control (`aria-describedby`, `aria-invalid`), a form-level error announced to screen
 * readers, and a submit button that shows it is busy.
 */
import type {
  ButtonHTMLAttributes,
  ComponentChildren,
  InputHTMLAttributes,
  SelectHTMLAttributes,
} from 'preact';
import { useId, useState } from 'preact/hooks';

type InputProps = Pick<
  InputHTMLAttributes<HTMLInputElement>,
  | 'name'
  | 'autoComplete'
  | 'required'
  | 'minLength'
  | 'maxLength'
  | 'placeholder'
  | 'readOnly'
  | 'inputMode'
  | 'min'
  | 'max'
  | 'step'
  | 'pattern'
>;

interface FieldProps extends InputProps {
  id?: string;
  type?: 'text' | 'email' | 'password' | 'search' | 'url' | 'number' | 'date' | 'datetime-local';
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string | undefined;
  hint?: ComponentChildren;
}

export function Field({ label, value, onValue, error, hint, id, type = 'text', ...input }: FieldProps) {
  const generated = useId();
  const fieldId = id ?? `f${generated}`;
  const hintId = hint ? `${fieldId}-hint` : undefined;
  const errorId = error ? `${fieldId}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${error ? ' field-invalid' : ''}`}>
      <label for={fieldId}>{label}</label>
      {hint && (
        <p class="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      <input
        {...input}
        // Preact types each input type's attributes apart; this one component serves them all.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
        type={type as 'text'}
        id={fieldId}
        value={value}
        onInput={(event) => onValue(event.currentTarget.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
      />
      {error && (
        <p class="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

interface SelectProps extends Pick<
  SelectHTMLAttributes<HTMLSelectElement>,
  'name' | 'required' | 'disabled'
> {
  id?: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  options: { value: string; label: string }[];
  error?: string | undefined;
  hint?: ComponentChildren;
}

export function SelectField({ label, value, onValue, options, error, hint, id, ...select }: SelectProps) {
  const generated = useId();
  const fieldId = id ?? `f${generated}`;
  const hintId = hint ? `${fieldId}-hint` : undefined;
  const errorId = error ? `${fieldId}-error` : undefined;
  return (
    <div class={`field${error ? ' field-invalid' : ''}`}>
      <label for={fieldId}>{label}</label>
      {hint && (
        <p class="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      <select
        {...select}
        id={fieldId}
        value={value}
        onChange={(event) => onValue(event.currentTarget.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={[hintId, errorId].filter(Boolean).join(' ') || undefined}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {error && (
        <p class="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

export function FormError({ message }: { message: string | undefined }) {
  return (
    <div role="alert" class={message ? 'form-error' : 'form-error-empty'}>
      {message}
    </div>
  );
}

export function SubmitButton({
  busy,
  children,
  ...rest
}: { busy: boolean; children: ComponentChildren } & Pick<
  ButtonHTMLAttributes<HTMLButtonElement>,
  'class' | 'form'
>) {
  return (
    <button
      type="submit"
      class={`button primary${busy ? ' busy' : ''}`}
      disabled={busy}
      aria-busy={busy ? true : undefined}
      {...rest}
    >
      {children}
    </button>
  );
}

/**
 * A form's submit: prevents the page load, marks the form busy, clears the last error, runs `action`;
 * a failure is kept as `error` (for `fieldErrors` / `describeError`) and the form is usable again. On
 * success the form stays busy, since the action navigates away.
 */
export function useFormSubmit(action: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }
  return { busy, error, submit };
}
