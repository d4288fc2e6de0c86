// The general path: sharp (libvips) decodes every format and shrinks large pictures, off the main thread.
import sharp from 'sharp';
import { SIDE } from '../model/input-contract.js';
import { decodeFailure, PreprocessError, tooManyPixels, unsupportedFormat } from './errors.js';
import { checkAvifSize, checkSides, checkTiffPages, SHARP_FORMAT, sniffFormat } from './image-format.js';
import type { Rgba } from './mnist-normalise.js';

/** Large pictures are reduced to this before any per-pixel work: plenty for a 20×20 result, and bounded cost. */
export const WORKING_SIZE = 512;

/** Decoded pixels, and how many picture pixels each decoded one stands for (1 unless the picture was shrunk). */
export type Shrunk = Rgba & { scale: number };

/** `within`: the box a large picture is shrunk to fit (the reader keeps a wider one); `beforeDecoding` is told the most
 * pixels the decoding will write, once the declared size is checked and before anything is decoded. */
export async function decodeWithSharp(
  input: Buffer,
  maxPixels: number,
  within = { width: WORKING_SIZE, height: WORKING_SIZE },
  beforeDecoding?: (pixels: number) => void,
): Promise<Shrunk> {
  const { width, height, orientation } = await declaredSize(input, maxPixels);
  beforeDecoding?.(Math.min(width * height, within.width * within.height));
  try {
    const { data, info } = await sharp(input, { limitInputPixels: maxPixels })
      .rotate() // honour EXIF orientation (phone photos; a PNG's eXIf chunk too), as orientation.ts does on our path
      .resize({ ...within, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const uprightWidth = orientation >= 5 ? height : width; // EXIF orientations 5–8 swap the sides
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
      scale: uprightWidth / info.width,
    };
  } catch (err) {
    throw decodeFailure(err, maxPixels);
  }
}

/** The size the file declares, checked before anything is decoded (limitInputPixels is the second line of defence). */
async function declaredSize(input: Buffer, maxPixels: number): Promise<{ width: number; height: number; orientation: number }> {
  const format = sniffFormat(input);
  if (!format) throw unsupportedFormat();
  if (format === 'tiff') checkTiffPages(input);
  try {
    // Read without the limit, which would refuse the header without saying its size.
    const { width = 0, height = 0, orientation = 1, format: loaded } = await sharp(input, { limitInputPixels: false }).metadata();
    if (loaded !== SHARP_FORMAT[format]) throw unsupportedFormat(new Error(`sniffed ${format}, libvips loaded ${loaded}`));
    if (width * height > maxPixels)
      throw new PreprocessError('image_too_large', tooManyPixels(`the image has ${width}×${height} pixels`, maxPixels));
    checkSides(width, height);
    if (format === 'avif') checkAvifSize(width, height);
    return { width, height, orientation };
  } catch (err) {
    if (err instanceof PreprocessError) throw err;
    throw decodeFailure(err, maxPixels);
  }
}

/** The preprocessed input as a PNG, to show a person what the model saw. */
export function pixelsToPng(pixels: Uint8Array): Promise<Buffer> {
  return sharp(Buffer.from(pixels), { raw: { width: SIDE, height: SIDE, channels: 1 } })
    .png()
    .toBuffer();
}
