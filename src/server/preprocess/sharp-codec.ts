// The general path: sharp (libvips) decodes every format and shrinks large pictures, off the main thread.
import sharp from 'sharp';
import { HttpError } from '../errors.js';
import { SIDE, type Rgba } from './mnist-normalise.js';

/** Large pictures are reduced to this before any per-pixel work: plenty for a 20×20 result, and bounded cost. */
export const WORKING_SIZE = 512;

/** `within`: the box a large picture is shrunk to fit (the reader keeps a wider one). */
export async function decodeWithSharp(input: Buffer, maxPixels: number, within = { width: WORKING_SIZE, height: WORKING_SIZE }): Promise<Rgba> {
  try {
    const { data, info } = await sharp(input, { limitInputPixels: maxPixels })
      .rotate() // honour EXIF orientation (phone photos)
      .resize({ ...within, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (err) {
    const message = (err as Error).message;
    if (/unsupported image format/i.test(message)) {
      throw new HttpError(415, 'unsupported_image_format', 'the body is not an image in a supported format (PNG, JPEG, WebP, GIF, TIFF, AVIF, SVG)');
    }
    if (/pixel limit/i.test(message)) throw new HttpError(413, 'image_too_large', `the image has more than ${maxPixels} pixels`);
    throw new HttpError(400, 'invalid_image', `the image could not be decoded: ${message}`);
  }
}

/** The preprocessed input as a PNG, to show a person what the model saw. */
export function pixelsToPng(pixels: Uint8Array): Promise<Buffer> {
  return sharp(Buffer.from(pixels), { raw: { width: SIDE, height: SIDE, channels: 1 } }).png().toBuffer();
}
