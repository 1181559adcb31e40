/** The pages a run ends on; each says plainly what happened and what (if anything) to do. */
import { useEffect, useRef } from 'preact/hooks';

export type FinalKind =
  'submitted' | 'completed' | 'cancelled' | 'exited' | 'expired' | 'not_found' | 'error';

const PAGES: Record<FinalKind, { title: string; text: string }> = {
  submitted: { title: 'Thank you!', text: 'Your checklist was submitted. You can close this page.' },
  completed: {
    title: 'Already submitted',
    text: 'This checklist has already been submitted. There is nothing more to do.',
  },
  cancelled: {
    title: 'This checklist was cancelled',
    text: 'It can no longer be filled in. If you think this is a mistake, contact whoever sent you the link.',
  },
  exited: {
    title: 'This checklist was cancelled',
    text: 'You exited the checklist. The answers you gave so far were sent.',
  },
  expired: {
    title: 'This link has expired',
    text: 'It can no longer be used. Ask whoever sent it to you for a new link.',
  },
  not_found: {
    title: 'Checklist not found',
    text: 'This link does not lead to a checklist. Check that you opened the whole link, or ask for a new one.',
  },
  error: { title: 'Can’t load the checklist', text: 'Check your connection and try again.' },
};

export function FinalPage({ kind, note, onRetry }: { kind: FinalKind; note?: string; onRetry?: () => void }) {
  const page = PAGES[kind];
  // "Were sent" is said only when it is true; otherwise the note says what was not.
  const text = kind === 'exited' && note ? `You exited the checklist. ${note}` : page.text;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [kind]);
  return (
    <main class="page final">
      <h1 tabIndex={-1} ref={heading}>
        {page.title}
      </h1>
      <p>{text}</p>
      {onRetry ? (
        <button type="button" class="primary" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </main>
  );
}
