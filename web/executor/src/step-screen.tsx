/** One step on screen: its control, the photo overlay, and Back / Skip / Next. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { requestPosition } from './geo';
import type { OutboxState } from './outbox';
import { REVIEW } from './drafts';
import type { RunSession } from './session';
import { PhotoPicker } from '../../shared/steps/photos';
import { StepControl } from '../../shared/steps/step-control';
import { describeShownChange } from './step-logic';
import { ERROR_ID, TITLE_ID } from '../../shared/steps/step-text';
import { dropStaleTap, useShownAt } from './tap-guard';
import type { Step } from './types';

interface Props {
  session: RunSession;
  step: Step;
  index: number;
  sync: OutboxState;
}

export function StepScreen({ session, step, index, sync }: Props) {
  const draft = session.getDraft(step.id);
  const [signatureBlob, setSignatureBlob] = useState<Blob | null>(null);
  // A ref as well as state: a second tap can arrive before the re-render that would show busy.
  const [busy, setBusy] = useState(false);
  const busyRef = useRef(false);
  const shownAt = useShownAt(step.id);
  const form = useRef<HTMLFormElement>(null);
  const preparing = session.countPreparingPhotos(step.id);
  const settings = session.doc.template.settings;
  const canSkip = settings.allow_skip && !step.required;
  // The steps shown when this one opened: what its answer adds or removes is announced.
  const shownAtOpen = useRef(session.steps);
  const shownChange = describeShownChange(shownAtOpen.current, session.steps);

  useEffect(() => {
    window.scrollTo(0, 0);
    document.getElementById(TITLE_ID)?.focus();
    if (settings.geo === 'per_step') void requestPosition();
  }, [step.id]);

  const goForward = () => session.goTo(session.steps[index + 1]?.id ?? REVIEW);

  const focusFirstControl = () =>
    window.requestAnimationFrame(() => {
      const control = form.current?.querySelector<HTMLElement>(
        '[aria-invalid="true"] input, input[aria-invalid="true"], textarea, input',
      );
      control?.focus();
    });

  /** Runs one action at a time; the screen is left (or the error shown) before the next tap counts. */
  const runOnce = async (action: () => Promise<void>) => {
    if (busyRef.current) return;
    busyRef.current = true;
    setBusy(true);
    try {
      await action();
    } finally {
      busyRef.current = false;
      setBusy(false);
    }
  };

  const submitStep = (event: Event) => {
    event.preventDefault();
    void runOnce(async () => {
      const message = await session.commitStep(step, signatureBlob);
      if (message) focusFirstControl();
      else await goForward();
    });
  };

  const skip = () =>
    runOnce(async () => {
      await session.skipStep(step);
      await goForward();
    });

  return (
    <form
      ref={form}
      class="step"
      noValidate
      onClickCapture={(event) => dropStaleTap(event, shownAt)}
      onSubmit={submitStep}
    >
      <StepControl
        step={step}
        draft={draft}
        session={session}
        sync={sync}
        onChange={(value) => session.updateDraft(step.id, { value, error: null })}
        onSignature={(blob) => {
          setSignatureBlob(blob);
          if (blob && draft.error) session.updateDraft(step.id, { error: null });
        }}
      />
      <p class="hint shown-change" aria-live="polite">
        {shownChange}
      </p>
      {draft.error ? (
        <p id={ERROR_ID} class="error" role="alert">
          {draft.error}
        </p>
      ) : null}
      {draft.status === 'skipped' ? (
        <p class="hint">You skipped this step. Answer it and tap Next to change that.</p>
      ) : null}
      {step.photos && step.type !== 'photo' ? (
        <PhotoPicker step={step} draft={draft} session={session} sync={sync} overlay />
      ) : null}
      <div class="actions">
        {busy && preparing > 0 ? (
          <p class="actions-note" aria-live="polite">
            Waiting for {preparing === 1 ? 'the photo' : `${preparing} photos`} to be ready…
          </p>
        ) : null}
        {index > 0 ? (
          <button
            type="button"
            class="secondary"
            onClick={() => void session.goTo(session.steps[index - 1]!.id)}
          >
            Back
          </button>
        ) : null}
        {canSkip ? (
          <button type="button" class="secondary" onClick={() => void skip()}>
            Skip
          </button>
        ) : null}
        <button type="submit" class="primary" aria-disabled={busy || preparing > 0}>
          Next
        </button>
      </div>
    </form>
  );
}
