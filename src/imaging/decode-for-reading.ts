// Uploaded bytes → one byte per pixel for the reader, through the same decoders as /predict: PNGs of up to a page's
// width in JavaScript on the event loop (png-decode.ts), everything else by sharp, shrunk to at most READ_SIZE. A
// number is wider than a digit, so the reader keeps more pixels than /predict's 512×512.
import { PreprocessError } from './errors.js';
import { greyOf, type Grey } from './mnist-normalise.js';
import { decodePngAsync } from './png-decode.js';
import { isPng } from './image-format.js';
import { parsePngHeader } from './png-header.js';
import { decodeWithSharp } from './sharp-codec.js';

export const READ_SIZE = { width: 2048, height: 1024 };
/** PNGs up to this size are decoded in JavaScript (a drawing, a scan of one line). */
const INLINE = { width: 1024, height: 512 };

export interface Decoded {
  grey: Grey;
  /** Picture pixels per decoded pixel (1 unless sharp shrank it). */
  scale: number;
}

/** `work`, when given, is told the pixels a decoding will write before it starts (sharp's: the most it may write): the
 * reader's work budget (src/reader/work-budget.ts), for a reading on the event loop to give up before a big picture. */
export async function decodeForReading(input: Buffer, maxPixels: number, work?: { visit(pixels: number): void }): Promise<Decoded> {
  if (input.length === 0) throw new PreprocessError('missing_image', 'the request has no image; send a picture of a number');
  // The same checked header as /predict's: structure, size and orientation, whichever decoder then reads it.
  const png = isPng(input) ? parsePngHeader(input, maxPixels) : undefined;
  if (png && png.width <= INLINE.width && png.height <= INLINE.height) {
    work?.visit(png.width * png.height);
    return { grey: await decodePngAsync(input, maxPixels, png), scale: 1 };
  }
  const rgba = await decodeWithSharp(input, maxPixels, READ_SIZE, (pixels) => work?.visit(pixels));
  return { grey: greyOf(rgba), scale: rgba.scale };
}
