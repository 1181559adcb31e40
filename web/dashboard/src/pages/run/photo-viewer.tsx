/** A photo at full size in a modal dialog (Escape or Close returns to the gallery). */
import { useEffect, useRef } from 'preact/hooks';
import type { RunAnswer } from '../../wire';

export function PhotoViewer({
  title,
  photo,
  onClose,
}: {
  title: string;
  photo: RunAnswer['photos'][number];
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      class="dialog photo-dialog"
      aria-label={title}
      onCancel={(event) => (event.preventDefault(), onClose())}
    >
      <div class="photo-dialog-head">
        <h2>{title}</h2>
        <button type="button" class="button" onClick={onClose}>
          Close
        </button>
      </div>
      <img class="photo-full" src={photo.url} alt={title} width={photo.width} height={photo.height} />
      <p>
        <a href={photo.url} target="_blank" rel="noreferrer">
          Open the original ({photo.width}×{photo.height})
        </a>
      </p>
    </dialog>
  );
}
