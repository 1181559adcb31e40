/** A started run: the top bar (name, "Step n of N", Exit), the sync status, then a step or the review. */
import { useEffect, useState } from 'preact/hooks';
import { ExitDialog } from './exit-dialog';
import { ReviewScreen } from './review-screen';
import type { RunSession } from './session';
import { StepScreen } from './step-screen';
import { SyncStatus } from './sync-status';

/** Re-renders the caller whenever the session (or its outbox) changes. */
function useSessionUpdates(session: RunSession) {
  const [, setVersion] = useState(0);
  useEffect(() => session.subscribe(() => setVersion((v) => v + 1)), [session]);
}

/** Points back to steps whose answer the server refused after the person had moved on. */
function RefusalNotice({ session, currentStepId }: { session: RunSession; currentStepId: string | null }) {
  const refused = session.findRefused().filter((s) => s.id !== currentStepId);
  const first = refused[0];
  if (!first) return null;
  const number = session.steps.findIndex((s) => s.id === first.id) + 1;
  return (
    <div class="notice" role="alert">
      <p>
        Your answer to “{first.label}” was not accepted
        {refused.length > 1 ? ` (and ${refused.length - 1} more)` : ''}.
      </p>
      <button type="button" class="secondary" onClick={() => void session.goTo(first.id)}>
        Go to step {number}
      </button>
    </div>
  );
}

function StorageNotice({ problem }: { problem: 'full' | 'unavailable' | null }) {
  if (!problem) return null;
  return (
    <div class="notice" role="alert">
      <p>
        {problem === 'full'
          ? 'This phone is out of storage, so your latest answers are not saved on it.'
          : 'This browser is not saving your answers on this phone.'}{' '}
        They are kept while this page stays open and sent when there is a connection: keep the page open until
        it says “All saved”{problem === 'full' ? ', or free some space' : ''}.
      </p>
    </div>
  );
}

/** Shown instead of the steps when another tab or window of this browser has taken the run over. */
function OtherTabNotice({ onContinueHere }: { onContinueHere: () => void }) {
  return (
    <section class="other-tab" aria-labelledby="other-tab-title">
      <h1 id="other-tab-title" class="step-title" tabIndex={-1}>
        This checklist is open in another tab
      </h1>
      <p>
        To keep your answers from overwriting each other, it can be filled in in one tab at a time. What you
        gave there is kept.
      </p>
      <button type="button" class="primary wide" onClick={onContinueHere}>
        Continue here
      </button>
    </section>
  );
}

interface Props {
  session: RunSession;
  offline: boolean;
  /** Takes the run back from another tab: the app reads it again. */
  onContinueHere: () => void;
}

export function RunFlow({ session, offline, onContinueHere }: Props) {
  useSessionUpdates(session);
  const [exiting, setExiting] = useState(false);
  const steps = session.steps;
  const index = steps.findIndex((s) => s.id === session.shownPosition);
  const step = steps[index];
  const sync = session.getSyncState();
  const lastStepId = step?.id ?? steps[steps.length - 1]?.id ?? null;
  const fraction = index >= 0 ? (index + 1) / steps.length : 1;

  return (
    <>
      <header class="topbar">
        <div class="topbar-text">
          <p class="template-name">{session.doc.template.name}</p>
          <p class="progress-text">{step ? `Step ${index + 1} of ${steps.length}` : 'Review'}</p>
        </div>
        <button type="button" class="exit" onClick={() => setExiting(true)}>
          Exit
        </button>
      </header>
      <div class="progress-track" aria-hidden="true">
        <div class="progress-fill" style={{ width: `${Math.round(fraction * 100)}%` }} />
      </div>
      <main class="page">
        {session.isLostToOtherTab() ? null : <SyncStatus sync={sync} />}
        <StorageNotice problem={session.getStorageProblem()} />
        {offline ? (
          <p class="notice">
            You are offline. This is the copy saved on this phone; your answers will be sent when the
            connection returns.
          </p>
        ) : null}
        <RefusalNotice session={session} currentStepId={step?.id ?? null} />
        {session.isLostToOtherTab() ? (
          <OtherTabNotice onContinueHere={onContinueHere} />
        ) : step ? (
          <StepScreen key={step.id} session={session} step={step} index={index} sync={sync} />
        ) : (
          <ReviewScreen session={session} sync={sync} />
        )}
      </main>
      <ExitDialog
        open={exiting}
        unsavedStep={step && session.hasUnsavedChange(step) ? step.label : null}
        onDismiss={() => setExiting(false)}
        onConfirm={() => session.cancel(lastStepId)}
      />
    </>
  );
}
