/** A button that copies a text and says so (a polite live region), falling back to selecting the text where the Clipboard API is refused. */
import { useState } from 'preact/hooks';

export function CopyButton({
  text,
  label = 'Copy',
  targetId,
}: {
  text: string;
  label?: string;
  targetId?: string;
}) {
  const [status, setStatus] = useState('');
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setStatus('Copied');
    } catch {
      const target = targetId ? document.getElementById(targetId) : null;
      if (target instanceof HTMLInputElement) target.select();
      setStatus('Press Ctrl+C (⌘C) to copy');
    }
    window.setTimeout(() => setStatus(''), 3000);
  }
  return (
    <span class="copy">
      <button type="button" class="button" onClick={() => void copy()}>
        {label}
      </button>
      <span class="copy-status" role="status" aria-live="polite">
        {status}
      </span>
    </span>
  );
}

/** A read-only text with a copy button beside it: run links, new keys, invitation links. */
export function CopyField({
  id,
  label,
  value,
  buttonLabel,
}: {
  id: string;
  label: string;
  value: string;
  buttonLabel?: string;
}) {
  return (
    <div class="field copy-field">
      <label for={id}>{label}</label>
      <div class="copy-row">
        <input id={id} type="text" readOnly value={value} onFocus={(event) => event.currentTarget.select()} />
        <CopyButton text={value} targetId={id} {...(buttonLabel ? { label: buttonLabel } : {})} />
      </div>
    </div>
  );
}
