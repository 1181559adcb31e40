/**
 * Photos: the whole control of a `photo` step, and the `photos: {min, max}` overlay on any other step.
 * "Take photo" opens the rear camera, "Choose from gallery" the picker. Each photo is shrunk, stored
 * on the phone and queued for upload at once; its tile shows the upload's progress.
 */
import { useEffect, useState } from 'preact/hooks';
import type { PhotoDraft, StepDraft } from '../../executor/src/answers';
import type { OutboxState } from '../../executor/src/outbox';
import type { StepSession } from './step-control';
import type { Step } from '../../executor/src/types';
import { explainPhotoRule } from '../../executor/src/step-logic';
import { StepHelp, StepTitle, TITLE_ID, describeStep } from './step-text';

interface Props {
  step: Step;
  draft: StepDraft;
  session: StepSession;
  sync: OutboxState;
  /** true when the photos accompany another control rather than being the step's answer. */
  overlay: boolean;
}

/** A displayable URL for a photo: the server's, or an object URL of the bytes still queued on the phone. */
export function usePhotoSource(
  photo: PhotoDraft,
  session: StepSession,
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

function PhotoThumb({ photo, index, session }: { photo: PhotoDraft; index: number; session: StepSession }) {
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
  session: StepSession,
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
  const preparing = session.countPreparingPhotos(step.id);
  const [notice, setNotice] = useState<string | null>(null);
  const min = step.photos?.min ?? (step.type === 'photo' ? 1 : 0);
  const max = step.photos?.max ?? 10;
  const count = draft.photos.length;
  const because = explainPhotoRule(step, session.getStepState(step.id), session.allSteps);
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
    const message = await session.addPhotos(step, files);
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
        {because ? <strong class="photos-because"> {because}</strong> : null}
      </p>
      {/*
        The first row of tiles is always there (an empty tile before any photo) and a photo being
        prepared has its tile at once, the size of the finished one: nothing below (Next) moves when a
        photo is ready, so a tap aimed at Next cannot land on "Take photo".
      */}
      <ul class="thumbs">
        {count + preparing === 0 ? (
          <li class="thumb thumb-empty" aria-hidden="true">
            <span class="thumb-missing">No photo yet</span>
            <span class="thumb-status">&nbsp;</span>
          </li>
        ) : null}
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
        {Array.from({ length: preparing }, (_, i) => (
          <li key={`preparing-${i}`} class="thumb thumb-preparing">
            <span class="thumb-missing">Photo {count + i + 1}</span>
            <span class="thumb-status">Preparing…</span>
          </li>
        ))}
      </ul>
      <p aria-live="polite" class="vh">
        {preparing > 0 ? `Preparing ${preparing} photo${preparing > 1 ? 's' : ''}…` : ''}
      </p>
      {notice ? <p class="error-text">{notice}</p> : null}
      {full ? (
        <p class="hint photos-full">You have added the most photos this step allows ({max}).</p>
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
