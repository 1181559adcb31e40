/**
 * What happens to an uploaded image before it is stored: sharp decodes it (so a body that only claims
 * to be an image is refused), turns it upright by its EXIF orientation, and re-encodes it without any
 * metadata — phones put the GPS position in EXIF, and the integrator gets positions only through `geo`.
 * The thumbnail fits inside 320×240 and is a JPEG of about 25 KB: quality steps down from
 * THUMBNAIL_JPEG_QUALITY until it is under THUMBNAIL_TARGET_BYTES (a photo of ordinary detail
 * needs one pass; noise-like images need two or three).
 */
import sharp from 'sharp';
import { DomainError } from '../domain/errors.js';

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

const FORMAT_BY_TYPE: Record<UploadContentType, string> = { 'image/jpeg': 'jpeg', 'image/png': 'png' };

function toImageError(error: unknown, message: string): DomainError {
  if (error instanceof Error && /pixel limit/i.test(error.message))
    return new DomainError(
      'payload_too_large',
      `The image has more than ${MAX_INPUT_PIXELS / 1e6} megapixels.`,
    );
  return new DomainError('unsupported_media_type', message, [], { cause: error });
}

async function readFormat(input: Buffer, contentType: UploadContentType): Promise<void> {
  let format: string | undefined;
  try {
    ({ format } = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS }).metadata());
  } catch (error) {
    throw toImageError(error, `The body is not a readable ${contentType} image.`);
  }
  if (format !== FORMAT_BY_TYPE[contentType])
    throw new DomainError(
      'unsupported_media_type',
      `The body was sent as ${contentType} but is ${format ? `a ${format} image` : 'not an image'}.`,
    );
}

async function makeThumbnail(upright: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const resized = sharp(upright)
    .resize(THUMBNAIL_MAX_WIDTH_PX, THUMBNAIL_MAX_HEIGHT_PX, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' });
  for (let quality = THUMBNAIL_JPEG_QUALITY; ; quality -= 15) {
    const { data, info } = await resized.clone().jpeg({ quality }).toBuffer({ resolveWithObject: true });
    if (data.length <= THUMBNAIL_TARGET_BYTES || quality - 15 < THUMBNAIL_MIN_QUALITY)
      return { data, width: info.width, height: info.height };
  }
}

/** Decodes, orients and strips an upload, and makes its thumbnail. Throws 415/413 problems for bad input. */
export async function processUpload(input: Buffer, contentType: UploadContentType): Promise<ProcessedImage> {
  await readFormat(input, contentType);
  try {
    const pipeline = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS }).rotate();
    const encoded =
      contentType === 'image/jpeg' ? pipeline.jpeg({ quality: FULL_JPEG_QUALITY }) : pipeline.png();
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    const thumbnail = await makeThumbnail(data);
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
}
