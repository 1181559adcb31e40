/**
 * The heading, help and error of the step on screen. Only one step is shown at a time, so the ids are
 * fixed; every control names itself with TITLE_ID (or a <label> inside it) and is described by the rest.
 */
import type { Step } from '../../executor/src/types';

export const TITLE_ID = 'step-title';
export const META_ID = 'step-meta';
export const HELP_ID = 'step-help';
export const ERROR_ID = 'step-error';
export const INPUT_ID = 'step-input';

export function StepTitle({ step, forInput = false }: { step: Step; forInput?: boolean }) {
  return (
    <h1 id={TITLE_ID} class="step-title" tabIndex={-1}>
      {forInput ? <label for={INPUT_ID}>{step.label}</label> : step.label}
    </h1>
  );
}

export function StepHelp({ step }: { step: Step }) {
  return (
    <>
      {step.type === 'instruction' ? null : (
        <p id={META_ID} class="step-meta">
          {step.required ? 'Required' : 'Optional'}
        </p>
      )}
      {step.description ? (
        <p id={HELP_ID} class="help">
          {step.description}
        </p>
      ) : null}
    </>
  );
}

/** The ids a step's main control is described by: required/optional, help text, the current error, extras. */
export function describeStep(
  step: Step,
  hasError: boolean,
  ...extra: (string | false | undefined)[]
): string {
  return [META_ID, step.description ? HELP_ID : '', ...extra, hasError ? ERROR_ID : '']
    .filter(Boolean)
    .join(' ');
}
