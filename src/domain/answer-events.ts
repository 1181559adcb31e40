/**
 * The `data` of the step events, exactly as the webhook seed shows them. `step.completed` embeds each
 * photo as its JPEG thumbnail (a data URL, with the thumbnail's own width and height), so the event is
 * self-contained; a signature's answer is its full-size signed URL.
 */
import type { Answer } from '@rundun/webhooks';
import type { EventData, Progress } from './events.js';
import type { Geo } from './run-document.js';
import type { Step } from './template.js';

export interface PhotoPreview {
  id: string;
  thumbnail: Uint8Array | null;
  thumbnailWidth: number | null;
  thumbnailHeight: number | null;
}

export function toJpegDataUrl(bytes: Uint8Array): string {
  return `data:image/jpeg;base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

export function buildStepCompletedData(
  step: Step,
  answer: { answer: unknown; mediaIds: readonly string[]; geo: Geo | null },
  previews: ReadonlyMap<string, PhotoPreview>,
  signatureUrl: string | null,
  progress: Progress,
): EventData['step.completed'] {
  const photos = answer.mediaIds.flatMap((id, index) => {
    const preview = previews.get(id);
    if (!preview?.thumbnail || preview.thumbnailWidth === null || preview.thumbnailHeight === null) return [];
    return [
      {
        photo_index: index,
        preview: toJpegDataUrl(preview.thumbnail),
        width: preview.thumbnailWidth,
        height: preview.thumbnailHeight,
      },
    ];
  });
  return {
    step_id: step.id,
    step_label: step.label,
    step_type: step.type,
    // Validated against the step (src/domain/answers.ts), so it has the wire's shape.
    answer: step.type === 'signature' ? signatureUrl : (answer.answer as Answer),
    photos,
    geo: answer.geo,
    progress,
  };
}

export function buildStepSkippedData(step: Step, progress: Progress): EventData['step.skipped'] {
  return { step_id: step.id, step_label: step.label, step_type: step.type, progress };
}
