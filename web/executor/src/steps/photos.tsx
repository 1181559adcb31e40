/**
 * Photos: the whole control of a `photo` step, and the `photos: {min, max}` overlay on any other step.
 * "Take photo" opens the rear camera, "Choose from gallery" the picker. Each photo is shrunk, stored
 * on the phone and queued for upload at once; its tile shows the upload's progress.
 */
import { useEffect, useState } from 'preact/hooks';
import type { PhotoDraft, StepDraft } from '../answers';
import type { OutboxState } from '../outbox';
import type { RunSession } from '../session';
import type { Step } from '../types';
import { StepHelp, StepTitle, TITLE_ID, describeStep } from './step-text';

interface Props {
  step: Step;
  draft: StepDraft;
  session: RunSession;
  sync: OutboxState;
  /** true when the photos accompany another control rather than being the step's answer. */
  overlay: boolean;
}

/** A displayable URL for a photo: the server's, or an object URL of the bytes still queued on the phone. */
export function usePhotoSource(
  photo: PhotoDraft,
  session: RunSession,
  remote: string | undefined,
): string | undefined {
  const [localUrl, setLocalUrl] = useState<string | null>(null);
  useEffect(() => {
    if (remote || !photo.ref) return;
    let url: string | null = null;
    let cancelled = false;
    void session.outbox.readQueuedBlob(photo.ref).then((blob) => {
      if (!blob || cancelled) return;
      url = URL.createObjectURL(blob);
      setLocalUrl(url);
    });
    return () => {
      cancelled = true;
      if (url) URL.revokeObjectURL(url);
    };
    // Keyed on the ref only: once made, the local URL outlives the upload, so the tile does not flash.
  }, [photo.ref]);
  return localUrl ?? remote;
}

function PhotoThumb({ photo, index, session }: { photo: PhotoDraft; index: number; session: RunSession }) {
  const src = usePhotoSource(photo, session, photo.thumbnail_url ?? photo.url);
  return src ? (
    <img src={src} alt={`Photo ${index + 1}`} />
  ) : (
    <span class="thumb-missing">Photo {index + 1}</span>
  );
}

/** The tile's line; the sync status above says whether a missing connection is why a photo waits. */
function describeUpload(
  photo: PhotoDraft,
  session: RunSession,
  sync: OutboxState,
): { text: string; progress?: number } {
  if (photo.media_id) return { text: 'Uploaded' };
  const ref = photo.ref ?? '';
  const progress = sync.uploads[ref];
  if (progress !== undefined) return { text: `Uploading ${Math.round(progress * 100)}%`, progress };
  if (session.outbox.isMediaQueued(ref)) return { text: 'Waiting to upload' };
  return { text: 'Saved' };
}

export function PhotoPicker({ step, draft, session, sync, overlay }: Props) {
  const [preparing, setPreparing] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const min = step.photos?.min ?? (step.type === 'photo' ? 1 : 0);
  const max = step.photos?.max ?? 10;
  const count = draft.photos.length;
  const full = count + preparing >= max;
  const rule =
    min > 0
      ? `At least ${min}, up to ${max} photo${max > 1 ? 's' : ''}`
      : `Up to ${max} photo${max > 1 ? 's' : ''}`;

  const addFiles = async (input: HTMLInputElement) => {
    const files = Array.from(input.files ?? []);
    input.value = '';
    if (files.length === 0) return;
    setNotice(null);
    setPreparing((n) => n + files.length);
    const message = await session.addPhotos(step, files);
    setPreparing((n) => n - files.length);
    setNotice(message);
  };

  const legend = overlay ? <h2 id="photos-title">Photos</h2> : <StepTitle step={step} />;
  return (
    <fieldset
      class={overlay ? 'group photos overlay' : 'group photos'}
      aria-labelledby={overlay ? 'photos-title' : TITLE_ID}
      aria-describedby={overlay ? 'photos-rule' : describeStep(step, Boolean(draft.error), 'photos-rule')}
    >
      <legend>{legend}</legend>
      {overlay ? null : <StepHelp step={step} />}
      <p id="photos-rule" class="hint">
        {rule}. {count} added.
      </p>
      {count > 0 ? (
        <ul class="thumbs">
          {draft.photos.map((photo, index) => {
            const upload = describeUpload(photo, session, sync);
            return (
              <li key={photo.ref ?? photo.media_id} class="thumb">
                <PhotoThumb photo={photo} index={index} session={session} />
                <span class="thumb-status">
                  {upload.progress !== undefined ? (
                    <progress max={1} value={upload.progress} aria-label={`Photo ${index + 1} upload`} />
                  ) : null}
                  {upload.text}
                </span>
                <button type="button" class="remove" onClick={() => void session.removePhoto(step, photo)}>
                  <span aria-hidden="true">×</span>
                  <span class="vh">Remove photo {index + 1}</span>
                </button>
              </li>
            );
          })}
        </ul>
      ) : null}
      <div aria-live="polite" class="hint">
        {preparing > 0 ? `Preparing ${preparing} photo${preparing > 1 ? 's' : ''}…` : ''}
        {notice ? <span class="error-text">{notice}</span> : null}
      </div>
      {full ? (
        <p class="hint">{count >= max ? `You have added the most photos this step allows (${max}).` : ''}</p>
      ) : (
        <div class="photo-buttons">
          <span class="file-button primary-outline">
            <input
              id="photo-camera"
              type="file"
              accept="image/*"
              capture="environment"
              onChange={(event) => void addFiles(event.currentTarget)}
            />
            <label for="photo-camera">Take photo</label>
          </span>
          <span class="file-button">
            <input
              id="photo-gallery"
              type="file"
              accept="image/jpeg,image/png,image/*"
              multiple={max - count > 1}
              onChange={(event) => void addFiles(event.currentTarget)}
            />
            <label for="photo-gallery">Choose from gallery</label>
          </span>
        </div>
      )}
    </fieldset>
  );
}
