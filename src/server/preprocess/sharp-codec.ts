// The general path: sharp (libvips) decodes every format and shrinks large pictures, off the main thread.
import sharp from 'sharp';
import { SIDE } from '../../model/input-contract.js';
import { decodeFailure } from './errors.js';
import type { Rgba } from './mnist-normalise.js';

/** Large pictures are reduced to this before any per-pixel work: plenty for a 20×20 result, and bounded cost. */
export const WORKING_SIZE = 512;

export async function decodeWithSharp(input: Buffer, maxPixels: number): Promise<Rgba> {
  try {
    const { data, info } = await sharp(input, { limitInputPixels: maxPixels })
      .rotate() // honour EXIF orientation (phone photos)
      .resize({ width: WORKING_SIZE, height: WORKING_SIZE, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (err) {
    throw decodeFailure(err, maxPixels);
  }
}

/** The preprocessed input as a PNG, to show a person what the model saw. */
export function pixelsToPng(pixels: Uint8Array): Promise<Buffer> {
  return sharp(Buffer.from(pixels), { raw: { width: SIDE, height: SIDE, channels: 1 } }).png().toBuffer();
}
