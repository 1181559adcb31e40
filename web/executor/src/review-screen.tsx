/** The last screen: every step with its answer, a way back to each, and Submit once all is saved. */
import { useEffect, useState } from 'preact/hooks';
import { formatAnswer } from './answers';
import type { OutboxState } from './outbox';
import type { RunSession } from './session';
import { dropStaleTap, useShownAt } from './tap-guard';

function describeBlocker(sync: OutboxState, missingLabels: string[]): string | null {
  if (sync.pending > 0) {
    return sync.waiting
      ? `${sync.pending} change${sync.pending > 1 ? 's are' : ' is'} waiting for a connection. You can submit once everything is saved.`
      : 'Saving your answers… You can submit in a moment.';
  }
  if (missingLabels.length > 0)
    return `Answer the required step${missingLabels.length > 1 ? 's' : ''} first: ${missingLabels.join(', ')}.`;
  return null;
}

export function ReviewScreen({ session, sync }: { session: RunSession; sync: OutboxState }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [explained, setExplained] = useState(false);
  const shownAt = useShownAt(null);
  const steps = session.steps;
  const missing = session.findMissingRequired();
  const blocker = describeBlocker(
    sync,
    missing.map((s) => s.label),
  );
  const answered = steps.filter((s) => session.getDraft(s.id).status === 'answered').length;
  const skipped = steps.filter((s) => session.getDraft(s.id).status === 'skipped').length;

  useEffect(() => {
    window.scrollTo(0, 0);
    document.getElementById('review-title')?.focus();
  }, []);

  const submit = async () => {
    if (busy) return;
    // Submit is never `disabled`: a tap on it while something is missing says why, beside it.
    if (blocker) {
      setExplained(true);
      if (missing[0] && sync.pending === 0) {
        const item = document.getElementById(`review-${missing[0].id}`);
        item?.scrollIntoView({ block: 'center' });
      }
      return;
    }
    setBusy(true);
    setMessage(null);
    const problem = await session.submit();
    setBusy(false);
    if (problem) setMessage(problem);
  };

  return (
    <section
      class="review"
      aria-labelledby="review-title"
      onClickCapture={(event) => dropStaleTap(event, shownAt)}
    >
      <h1 id="review-title" class="step-title" tabIndex={-1}>
        Review your answers
      </h1>
      <p class="hint">
        {answered} of {steps.length} steps answered{skipped ? `, ${skipped} skipped` : ''}.
      </p>
      <ol class="review-list">
        {steps.map((step, index) => {
          const draft = session.getDraft(step.id);
          const isMissing = missing.some((m) => m.id === step.id);
          let value = step.required ? 'Not answered (required)' : 'Not answered';
          if (draft.status === 'skipped') value = 'Skipped';
          if (draft.status === 'answered') value = formatAnswer(step, draft) || 'Answered';
          if (draft.status === 'answered' && isMissing) value += ` · needs ${step.photos?.min ?? 1} photo(s)`;
          const pending = session.outbox.hasPendingFor(step.id);
          return (
            <li key={step.id} id={`review-${step.id}`} class={isMissing ? 'missing' : undefined}>
              <div class="review-head">
                <span class="review-label">
                  {index + 1}. {step.label}
                </span>
                <button type="button" class="link" onClick={() => void session.goTo(step.id)}>
                  Change
                  <span class="vh">
                    {' '}
                    step {index + 1}: {step.label}
                  </span>
                </button>
              </div>
              <p class="review-value">
                {value}
                {pending ? <span class="pending"> · not saved yet</span> : null}
              </p>
              {draft.error ? <p class="error-text">{draft.error}</p> : null}
            </li>
          );
        })}
      </ol>
      {message ? (
        <p class="error" role="alert">
          {message}
        </p>
      ) : null}
      <div class="actions">
        {/* In the sticky bar, so the reason is on screen next to Submit however long the list is. */}
        {blocker ? (
          <p
            id="submit-blocker"
            class={explained ? 'actions-note error-text' : 'actions-note'}
            role={explained ? 'alert' : undefined}
          >
            {blocker}
          </p>
        ) : null}
        {busy ? <p class="actions-note">Submitting…</p> : null}
        <button
          type="button"
          class="secondary"
          onClick={() => void session.goTo(steps[steps.length - 1]!.id)}
        >
          Back
        </button>
        <button
          type="button"
          class="primary"
          aria-disabled={busy || blocker !== null}
          aria-describedby={blocker ? 'submit-blocker' : undefined}
          onClick={() => void submit()}
        >
          Submit
        </button>
      </div>
    </section>
  );
}
