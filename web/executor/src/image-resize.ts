/**
 * Photos are shrunk on the phone before upload: a 12 MP camera JPEG (4–8 MB) becomes ~0.5 MB at
 * PHOTO_MAX_EDGE_PX, which is what makes uploads finish on a weak signal. Re-encoding also drops EXIF
 * (including the camera's own GPS tag); orientation is applied while decoding.
 */
export const PHOTO_MAX_EDGE_PX = 2048;
export const PHOTO_JPEG_QUALITY = 0.85;
export const MEDIA_MAX_BYTES = 15 * 1024 * 1024;

export class UnreadableImage extends Error {
  constructor() {
    super('This file could not be read as a photo.');
    this.name = 'UnreadableImage';
  }
}

interface Decoded {
  source: CanvasImageSource;
  width: number;
  height: number;
  release: () => void;
}

async function decodeWithBitmap(file: Blob): Promise<Decoded> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  return { source: bitmap, width: bitmap.width, height: bitmap.height, release: () => bitmap.close() };
}

function decodeWithImage(file: Blob): Promise<Decoded> {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(file);
    const image = new Image();
    image.onload = () =>
      resolve({
        source: image,
        width: image.naturalWidth,
        height: image.naturalHeight,
        release: () => URL.revokeObjectURL(url),
      });
    image.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new UnreadableImage());
    };
    image.src = url;
  });
}

async function decodeImage(file: Blob): Promise<Decoded> {
  if (typeof createImageBitmap === 'function') {
    try {
      return await decodeWithBitmap(file);
    } catch {
      // older engines reject the options bag or the format; the <img> path may still manage
    }
  }
  return decodeWithImage(file);
}

export function canvasToBlob(canvas: HTMLCanvasElement, type: string, quality?: number): Promise<Blob> {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new UnreadableImage())), type, quality);
  });
}

/** Returns a JPEG whose long edge is at most `maxEdge` pixels. */
export async function downscaleImage(
  file: Blob,
  maxEdge = PHOTO_MAX_EDGE_PX,
  quality = PHOTO_JPEG_QUALITY,
): Promise<Blob> {
  let decoded: Decoded;
  try {
    decoded = await decodeImage(file);
  } catch {
    // A format the browser cannot draw but the server accepts is sent as it is.
    if ((file.type === 'image/jpeg' || file.type === 'image/png') && file.size <= MEDIA_MAX_BYTES)
      return file;
    throw new UnreadableImage();
  }
  try {
    const scale = Math.min(1, maxEdge / Math.max(decoded.width, decoded.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(decoded.width * scale));
    canvas.height = Math.max(1, Math.round(decoded.height * scale));
    const context = canvas.getContext('2d');
    if (!context) throw new UnreadableImage();
    context.imageSmoothingQuality = 'high';
    context.drawImage(decoded.source, 0, 0, canvas.width, canvas.height);
    const blob = await canvasToBlob(canvas, 'image/jpeg', quality);
    canvas.width = canvas.height = 0; // frees the backing store at once on iOS
    return blob;
  } finally {
    decoded.release();
  }
}
