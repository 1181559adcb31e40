/** "Exit this checklist?": a modal <dialog>; confirming cancels the run (after sending what is queued). */
import { useEffect, useRef, useState } from 'preact/hooks';

interface Props {
  open: boolean;
  /** The label of the step on screen when it has a change Next has not saved. */
  unsavedStep: string | null;
  onDismiss: () => void;
  onConfirm: () => Promise<string | null>;
}

export function ExitDialog({ open, unsavedStep, onDismiss, onConfirm }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      setError(null);
      // Safari < 15.4 has no showModal; an open dialog styled as a sheet still works there.
      if (typeof element.showModal === 'function') element.showModal();
      else element.setAttribute('open', '');
    } else if (!open && element.open) {
      if (typeof element.close === 'function') element.close();
      else element.removeAttribute('open');
    }
  }, [open]);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    const message = await onConfirm();
    setBusy(false);
    if (message) setError(message);
  };

  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="exit-title"
      aria-describedby="exit-text"
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onDismiss();
      }}
      onClose={() => open && onDismiss()}
    >
      <h2 id="exit-title">Exit this checklist?</h2>
      <p id="exit-text">
        The checklist will be cancelled and this link will stop working. The answers you already gave are
        kept, but you cannot continue later.
        {unsavedStep
          ? ` What you entered for “${unsavedStep}” is not saved yet (tap Next first to keep it).`
          : ''}
      </p>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="dialog-actions">
        <button type="button" class="secondary" onClick={onDismiss} disabled={busy}>
          Keep working
        </button>
        <button type="button" class="danger" onClick={() => void confirm()} disabled={busy}>
          {busy ? 'Cancelling…' : 'Cancel checklist'}
        </button>
      </div>
    </dialog>
  );
}
