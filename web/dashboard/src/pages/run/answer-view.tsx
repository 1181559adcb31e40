/** Each answer as the executor gave it: option labels for choices, units for numbers, photos as a gallery, the signature as its image. */
import { useState } from 'preact/hooks';
import type { RunAnswer, Step } from '../../wire';
import { formatDate, formatDateTime } from '../../ui/format';
import { PhotoViewer } from './photo-viewer';

function optionLabel(step: Step, id: unknown): string {
  return step.options?.find((o) => o.id === id)?.label ?? String(id);
}

export function AnswerValue({ step, answer }: { step: Step; answer: RunAnswer }) {
  if (answer.status === 'skipped') return <p class="muted">Skipped</p>;
  const value = answer.answer;
  switch (step.type) {
    case 'boolean':
      return <p>{value === true ? 'Yes' : value === false ? 'No' : '—'}</p>;
    case 'choice':
      return <p>{value === null ? '—' : optionLabel(step, value)}</p>;
    case 'multi_choice':
      return (
        <p>
          {Array.isArray(value) && value.length
            ? value.map((id) => optionLabel(step, id)).join(', ')
            : 'None selected'}
        </p>
      );
    case 'number':
      return (
        <p>
          {String(value)}
          {step.unit ? ` ${step.unit}` : ''}
        </p>
      );
    case 'rating':
      return <p>{`${String(value)} of ${step.max ?? 5}`}</p>;
    case 'datetime':
      return (
        <p>
          {typeof value === 'string'
            ? step.mode === 'date'
              ? formatDate(`${value}T12:00:00`)
              : formatDateTime(value)
            : '—'}
        </p>
      );
    case 'signature':
      return typeof value === 'string' ? (
        <img class="signature" src={value} alt={`Signature: ${step.label}`} />
      ) : (
        <p>—</p>
      );
    case 'photo':
      return null;
    case 'instruction':
      return <p>Acknowledged</p>;
    default:
      return <p class="answer-text">{typeof value === 'string' ? value : JSON.stringify(value)}</p>;
  }
}

export function PhotoGallery({ step, photos }: { step: Step; photos: RunAnswer['photos'] }) {
  const [open, setOpen] = useState<number>();
  if (photos.length === 0) return null;
  return (
    <>
      <ul class="gallery">
        {photos.map((photo, i) => (
          <li key={photo.url}>
            <button
              type="button"
              class="thumb"
              onClick={() => setOpen(i)}
              aria-label={`Open photo ${i + 1} of ${step.label} full size`}
            >
              <img
                src={photo.thumbnail_url ?? photo.url}
                alt=""
                loading="lazy"
                width={160}
                height={Math.round((160 * photo.height) / photo.width)}
              />
            </button>
          </li>
        ))}
      </ul>
      {open !== undefined && photos[open] && (
        <PhotoViewer
          title={`${step.label}: photo ${open + 1} of ${photos.length}`}
          photo={photos[open]}
          onClose={() => setOpen(undefined)}
        />
      )}
    </>
  );
}
