/** Picks the control for a step's type. */
import type { DraftValue, StepDraft } from '../../executor/src/answers';
import type { OutboxState } from '../../executor/src/outbox';
import type { RunSession } from '../../executor/src/session';
import type { Step } from '../../executor/src/types';
import { BarcodeControl } from './barcode';
import { BooleanControl, ChoiceControl } from './choice';
import { DateTimeControl } from './datetime';
import { InstructionControl } from './instruction';
import { NumberControl } from './number';
import { PhotoPicker } from './photos';
import { RatingControl } from './rating';
import { SignatureControl } from './signature';
import { TextControl } from './text';

/**
 * What the controls need of a run: the executor's RunSession, or the template editor's preview, which
 * holds no run and answers these from its own state.
 */
export type StepSession = Pick<
  RunSession,
  | 'countPreparingPhotos'
  | 'getStepState'
  | 'allSteps'
  | 'addPhotos'
  | 'removePhoto'
  | 'clearSignature'
  | 'updateDraft'
> & { outbox: Pick<RunSession['outbox'], 'readQueuedBlob' | 'isMediaQueued'> };

interface Props {
  step: Step;
  draft: StepDraft;
  session: StepSession;
  sync: OutboxState;
  onChange: (value: DraftValue) => void;
  onSignature: (blob: Blob | null) => void;
}

export function StepControl({ step, draft, session, sync, onChange, onSignature }: Props) {
  switch (step.type) {
    case 'boolean':
      return <BooleanControl step={step} draft={draft} onChange={onChange} />;
    case 'choice':
    case 'multi_choice':
      return <ChoiceControl step={step} draft={draft} onChange={onChange} />;
    case 'rating':
      return <RatingControl step={step} draft={draft} onChange={onChange} />;
    case 'text':
      return <TextControl step={step} draft={draft} onChange={onChange} />;
    case 'number':
      return <NumberControl step={step} draft={draft} onChange={onChange} />;
    case 'datetime':
      return <DateTimeControl step={step} draft={draft} onChange={onChange} />;
    case 'barcode':
      return <BarcodeControl step={step} draft={draft} onChange={onChange} />;
    case 'photo':
      return <PhotoPicker step={step} draft={draft} session={session} sync={sync} overlay={false} />;
    case 'signature':
      return (
        <SignatureControl
          step={step}
          draft={draft}
          session={session}
          onSignature={onSignature}
          onClearSaved={() => session.clearSignature(step)}
        />
      );
    case 'instruction':
      return <InstructionControl step={step} />;
  }
}
