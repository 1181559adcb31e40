/**
 * The live preview: the selected step drawn by the executor app's own step components
 * (web/shared/steps) with the executor's own stylesheet, inside a 360×640 frame, so the layout and its
 * breakpoints are the phone's. The frame is a blank standards-mode iframe the dashboard renders into
 * (a portal), so the two apps' styles never mix. Answers typed in the preview stay in the preview; they
 * drive the template's conditions through the same rules module as the server, so a step hidden by
 * its condition says so, and Back / Next walk the steps the executor would show.
 */
import type { ComponentChildren } from 'preact';
import { createPortal } from 'preact/compat';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { applyStepState, describeCondition, evaluateSteps } from '../../../../../../src/domain/conditions';
import { createEmptyDraft, type StepDraft } from '../../../../../executor/src/answers';
import type { OutboxState } from '../../../../../executor/src/outbox';
import { SyncStatus } from '../../../../../executor/src/sync-status';
import { toRuleAnswers } from '../../../../../executor/src/step-logic';
import executorCss from '../../../../../executor/src/styles.css?inline';
import { PhotoPicker } from '../../../../../shared/steps/photos';
import { StepControl, type StepSession } from '../../../../../shared/steps/step-control';
import type { DraftStep, TemplateDraft } from './template-draft';

export const PHONE_WIDTH = 360;
export const PHONE_HEIGHT = 640;

/**
 * The frame's document is written with a doctype (srcdoc), as the executor's index.html is: an
 * about:blank document is in quirks mode, where line boxes and the scrolling element differ from the
 * phone's (a tall step then scrolled differently and its last control sat lower than on the phone).
 * Its scrollbar is hidden as a phone's overlay scrollbar takes no width: a desktop scrollbar would
 * narrow the 360 px screen and wrap text where the phone does not. It still scrolls.
 */
const FRAME_DOCUMENT =
  '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
  '<meta name="viewport" content="width=device-width, initial-scale=1">' +
  '<style>html { scrollbar-width: none; }</style></head><body></body></html>';

function PhoneFrame({ title, children }: { title: string; children: ComponentChildren }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const [body, setBody] = useState<HTMLElement | null>(null);
  const attach = () => {
    const doc = frame.current?.contentDocument;
    if (!doc || doc.compatMode !== 'CSS1Compat' || body === doc.body) return;
    const style = doc.createElement('style');
    style.textContent = executorCss;
    doc.head.append(style);
    doc.title = title;
    setBody(doc.body);
  };
  useEffect(attach, []);
  return (
    <iframe
      ref={frame}
      class="phone-frame"
      title={title}
      width={PHONE_WIDTH}
      height={PHONE_HEIGHT}
      srcdoc={FRAME_DOCUMENT}
      onLoad={attach}
    >
      {body ? createPortal(<>{children}</>, body) : null}
    </iframe>
  );
}

interface Props {
  template: TemplateDraft;
  selectedId: string | null;
  onSelect: (stepId: string) => void;
}

export function PhonePreview({ template, selectedId, onSelect }: Props) {
  const [drafts, setDrafts] = useState<Record<string, StepDraft>>({});
  const steps = template.steps;
  const draftOf = (step: DraftStep) => drafts[step.id] ?? createEmptyDraft(step);
  const states = useMemo(
    () => evaluateSteps(steps, toRuleAnswers(steps, drafts, selectedId)),
    [steps, drafts, selectedId],
  );
  const index = steps.findIndex((s) => s.id === selectedId);
  const raw = steps[index];
  const state = states[index];
  const shown = steps.filter((_, i) => states[i]?.visible);
  const shownIndex = raw ? shown.findIndex((s) => s.id === raw.id) : -1;
  const step = raw && state ? applyStepState(raw, state) : undefined;

  const session: StepSession = {
    allSteps: steps,
    countPreparingPhotos: () => 0,
    getStepState: (id) => states.find((s) => s.stepId === id),
    addPhotos: () => Promise.resolve('Photos are taken on the phone; the preview shows the control only.'),
    removePhoto: () => Promise.resolve(),
    clearSignature: () => undefined,
    updateDraft: () => undefined,
    outbox: { readQueuedBlob: () => Promise.resolve(undefined), isMediaQueued: () => false },
  };
  const sync: OutboxState = { pending: 0, sending: false, waiting: false, uploads: {}, storageProblem: null };

  return (
    <section class="preview" aria-labelledby="preview-title">
      <h2 id="preview-title">Preview</h2>
      <div class="preview-region">
        {step && state && !state.visible && raw?.visible_if ? (
          <p class="muted preview-note">
            Hidden with the answers given in the preview: shown only when{' '}
            {describeCondition(raw.visible_if, steps)}.
          </p>
        ) : null}
        <PhoneFrame title="Phone preview">
          {step ? (
            <>
              <header class="topbar">
                <div class="topbar-text">
                  <p class="template-name">{template.name || 'Untitled template'}</p>
                  <p class="progress-text">
                    {shownIndex >= 0 ? `Step ${shownIndex + 1} of ${shown.length}` : 'Hidden step'}
                  </p>
                </div>
                <button type="button" class="exit">
                  Exit
                </button>
              </header>
              <div class="progress-track" aria-hidden="true">
                <div
                  class="progress-fill"
                  style={{ width: `${Math.round(((shownIndex + 1) / Math.max(1, shown.length)) * 100)}%` }}
                />
              </div>
              <main class="page">
                {/* What the phone shows above a step before anything is answered. */}
                <SyncStatus sync={sync} />
                <form class="step" noValidate onSubmit={(event) => event.preventDefault()}>
                  <StepControl
                    step={step}
                    draft={draftOf(step)}
                    session={session}
                    sync={sync}
                    onChange={(value) =>
                      setDrafts((all) => ({ ...all, [step.id]: { ...draftOf(step), value, error: null } }))
                    }
                    onSignature={() => undefined}
                  />
                  <p class="hint shown-change" aria-live="polite" />
                  {step.photos && step.type !== 'photo' ? (
                    <PhotoPicker step={step} draft={draftOf(step)} session={session} sync={sync} overlay />
                  ) : null}
                  <div class="actions">
                    {shownIndex > 0 ? (
                      <button
                        type="button"
                        class="secondary"
                        onClick={() => onSelect(shown[shownIndex - 1]!.id)}
                      >
                        Back
                      </button>
                    ) : null}
                    {template.settings.allow_skip && !step.required ? (
                      <button
                        type="button"
                        class="secondary"
                        onClick={() => shown[shownIndex + 1] && onSelect(shown[shownIndex + 1]!.id)}
                      >
                        Skip
                      </button>
                    ) : null}
                    <button
                      type="submit"
                      class="primary"
                      onClick={() => shown[shownIndex + 1] && onSelect(shown[shownIndex + 1]!.id)}
                    >
                      Next
                    </button>
                  </div>
                </form>
              </main>
            </>
          ) : (
            <main class="page">
              <p>Add a step to see it here.</p>
            </main>
          )}
        </PhoneFrame>
      </div>
    </section>
  );
}
