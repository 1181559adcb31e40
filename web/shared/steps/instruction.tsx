/** instruction: text to read; Next acknowledges it (answer null). */
import type { Step } from '../../executor/src/types';
import { StepHelp, StepTitle, TITLE_ID } from './step-text';

export function InstructionControl({ step }: { step: Step }) {
  return (
    <section class="group" aria-labelledby={TITLE_ID}>
      <StepTitle step={step} />
      <StepHelp step={step} />
      <p class="hint">Tap Next when you have read this.</p>
    </section>
  );
}
