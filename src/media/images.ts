/**
 * What happens to an uploaded image before it is stored. Its type is read from its first bytes before
 * any decoder sees it: only JPEG and PNG signatures go on (SVG, TIFF, GIF, WebP, HEIC, PDF and
 * anything else libvips could load are refused here, undecoded), and the signature must match the
 * declared Content-Type. Then, at most `imageConcurrency` at a time per process (others wait their
 * turn), sharp decodes it once to pixels (so a body that only claims to be an image is refused), turns it upright by its EXIF orientation, and re-encodes it without any
 * metadata — phones put the GPS position in EXIF, and the integrator gets positions only through `geo`.
 * The thumbnail fits inside 320×240 and is a JPEG of about 25 KB: quality steps down from
 * THUMBNAIL_JPEG_QUALITY until it is under THUMBNAIL_TARGET_BYTES (a photo of ordinary detail
 * needs one pass; noise-like images need two or three). Both encodings start from those pixels.
 */
import sharp, { type Sharp } from 'sharp';
import { DomainError } from '../domain/errors.js';
import { Semaphore } from './semaphore.js';

export const UPLOAD_CONTENT_TYPES = ['image/jpeg', 'image/png'] as const;
export type UploadContentType = (typeof UPLOAD_CONTENT_TYPES)[number];

export const THUMBNAIL_MAX_WIDTH_PX = 320;
export const THUMBNAIL_MAX_HEIGHT_PX = 240;
export const THUMBNAIL_JPEG_QUALITY = 80;
export const THUMBNAIL_TARGET_BYTES = 28_000;
const THUMBNAIL_MIN_QUALITY = 40;
export const FULL_JPEG_QUALITY = 90;
/** 64 megapixels: beyond any phone camera, and a bound on what a small, highly compressed file can expand to. */
export const MAX_INPUT_PIXELS = 64_000_000;

export interface ProcessedImage {
  contentType: UploadContentType;
  bytes: Buffer;
  width: number;
  height: number;
  thumbnail: Buffer;
  thumbnailWidth: number;
  thumbnailHeight: number;
}

function toImageError(error: unknown, message: string): DomainError {
  if (error instanceof Error && /pixel limit/i.test(error.message))
    return new DomainError(
      'payload_too_large',
      `The image has more than ${MAX_INPUT_PIXELS / 1e6} megapixels.`,
    );
  return new DomainError('unsupported_media_type', message, [], { cause: error });
}

const SIGNATURES: { type: string; test: (b: Buffer) => boolean }[] = [
  { type: 'image/jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/png', test: (b) => b.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex')) },
  { type: 'a TIFF image', test: (b) => ['49492a00', '4d4d002a'].includes(b.subarray(0, 4).toString('hex')) },
  { type: 'a GIF image', test: (b) => b.subarray(0, 4).toString('latin1') === 'GIF8' },
  { type: 'a WebP image', test: (b) => b.subarray(8, 12).toString('latin1') === 'WEBP' },
  { type: 'a HEIF/AVIF image', test: (b) => b.subarray(4, 8).toString('latin1') === 'ftyp' },
  { type: 'a PDF document', test: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-' },
  { type: 'an SVG or other XML document', test: (b) => /^\s*</.test(b.subarray(0, 256).toString('latin1')) },
];

const NAMES: Record<string, string> = {
  'image/jpeg': 'a JPEG image (image/jpeg)',
  'image/png': 'a PNG image (image/png)',
};

/** What the first bytes say the body is: an upload type, or a description of what it is instead. */
export function sniffImageType(bytes: Buffer): string {
  return SIGNATURES.find((signature) => signature.test(bytes))?.type ?? 'not a JPEG or PNG image';
}

/** Refuses, before any decoder sees it, a body whose bytes are not of its declared type. */
export function assertImageBytes(bytes: Buffer, contentType: UploadContentType): void {
  const actual = sniffImageType(bytes);
  if (actual === contentType) return;
  throw new DomainError(
    'unsupported_media_type',
    `The body was sent as ${contentType} but its bytes are ${NAMES[actual] ?? actual}; only JPEG and PNG images are accepted.`,
  );
}

async function makeThumbnail(upright: Sharp): Promise<{ data: Buffer; width: number; height: number }> {
  const resized = upright
    .resize(THUMBNAIL_MAX_WIDTH_PX, THUMBNAIL_MAX_HEIGHT_PX, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' });
  for (let quality = THUMBNAIL_JPEG_QUALITY; ; quality -= 15) {
    const { data, info } = await resized.clone().jpeg({ quality }).toBuffer({ resolveWithObject: true });
    if (data.length <= THUMBNAIL_TARGET_BYTES || quality - 15 < THUMBNAIL_MIN_QUALITY)
      return { data, width: info.width, height: info.height };
  }
}

let imageWork = new Semaphore(2);
/** Decodes started since the process began (the upload tests read it). */
export let imageDecodes = 0;

/** How many images are decoded and encoded at once in this process (config `imageConcurrency`). */
export function setImageConcurrency(n: number): void {
  if (imageWork.limit !== n) imageWork = new Semaphore(n);
}

/** Pixels of the upright image, decoded once; 8 bits per channel. */
async function decodeUpright(input: Buffer) {
  imageDecodes++;
  return sharp(input, { limitInputPixels: MAX_INPUT_PIXELS })
    .rotate()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
}

/**
 * Checks the bytes' type, then decodes, orients and strips the upload and makes its thumbnail, taking a
 * turn of the image work. Throws 415/413 problems for bad input.
 */
export async function processUpload(input: Buffer, contentType: UploadContentType): Promise<ProcessedImage> {
  assertImageBytes(input, contentType);
  return imageWork.run(async () => {
    try {
      const { data: pixels, info } = await decodeUpright(input);
      const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
      const full = sharp(pixels, raw);
      const encoded = contentType === 'image/jpeg' ? full.jpeg({ quality: FULL_JPEG_QUALITY }) : full.png();
      const { data } = await encoded.toBuffer({ resolveWithObject: true });
      const thumbnail = await makeThumbnail(sharp(pixels, raw));
      return {
        contentType,
        bytes: data,
        width: info.width,
        height: info.height,
        thumbnail: thumbnail.data,
        thumbnailWidth: thumbnail.width,
        thumbnailHeight: thumbnail.height,
      };
    } catch (error) {
      throw toImageError(error, `The ${contentType} image could not be decoded.`);
    }
  });
}
