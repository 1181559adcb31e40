/**
 * Pixel comparison of two screenshots of the same size (decoded with sharp): a pixel differs when any
 * colour channel is more than CHANNEL_TOLERANCE apart, which absorbs anti-aliasing noise but not a
 * moved line of text. The diff image paints differing pixels red over a faded copy of the first.
 */
import sharp from 'sharp';

const CHANNEL_TOLERANCE = 16;

export interface ImageDiff {
  width: number;
  height: number;
  differing: number;
  /** PNG: the first image faded, differing pixels red. */
  diffPng: Buffer;
}

async function decode(image: Buffer) {
  return sharp(image).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
}

export async function compareImages(a: Buffer, b: Buffer): Promise<ImageDiff> {
  const [one, two] = await Promise.all([decode(a), decode(b)]);
  if (one.info.width !== two.info.width || one.info.height !== two.info.height)
    throw new Error(
      `images differ in size: ${one.info.width}×${one.info.height} and ${two.info.width}×${two.info.height}`,
    );
  const out = Buffer.alloc(one.data.length);
  let differing = 0;
  for (let i = 0; i < one.data.length; i += 4) {
    const differs =
      Math.abs(one.data[i]! - two.data[i]!) > CHANNEL_TOLERANCE ||
      Math.abs(one.data[i + 1]! - two.data[i + 1]!) > CHANNEL_TOLERANCE ||
      Math.abs(one.data[i + 2]! - two.data[i + 2]!) > CHANNEL_TOLERANCE;
    if (differs) differing += 1;
    out[i] = differs ? 255 : 255 - ((255 - one.data[i]!) >> 2);
    out[i + 1] = differs ? 0 : 255 - ((255 - one.data[i + 1]!) >> 2);
    out[i + 2] = differs ? 0 : 255 - ((255 - one.data[i + 2]!) >> 2);
    out[i + 3] = 255;
  }
  const diffPng = await sharp(out, {
    raw: { width: one.info.width, height: one.info.height, channels: 4 },
  })
    .png()
    .toBuffer();
  return { width: one.info.width, height: one.info.height, differing, diffPng };
}
