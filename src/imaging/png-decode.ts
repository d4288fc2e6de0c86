// The fast path: PNGs small enough to decode in JS (png-grey.ts), skipping sharp's fixed per-call cost (~0.4–0.8 ms
// even for a 250-byte PNG, measured) which otherwise dominates a 28×28 request.
import { toMnist, type Grey } from './mnist-normalise.js';
import { orient } from './orientation.js';
import { parsePngHeader, type PngHeader } from './png-header.js';
import { decodePngPixels, inflateExactAsync } from './png-grey.js';

/** Any PNG → one byte per pixel, upright (EXIF orientation applied). Throws a PreprocessError for a bad or too big file. */
export function decodePng(bytes: Uint8Array, maxPixels: number, header: PngHeader = parsePngHeader(bytes, maxPixels)): Grey {
  return orient(decodePngPixels(header), header.orientation);
}

/** The same, inflating on libuv's threads when the pixel data is larger than SYNC_INFLATE_BYTES. */
export async function decodePngAsync(
  bytes: Uint8Array,
  maxPixels: number,
  header: PngHeader = parsePngHeader(bytes, maxPixels),
): Promise<Grey> {
  return orient(decodePngPixels(header, await inflateExactAsync(header)), header.orientation);
}

/** A PNG straight to the model's bytes (mnist-normalise.ts): decoded and normalised in one synchronous run, so that the
 * decoded plane is normalised where the WebAssembly kernels left it. */
export function pngToMnist(bytes: Uint8Array, maxPixels: number, header: PngHeader = parsePngHeader(bytes, maxPixels)): Uint8Array {
  return toMnist(orient(decodePngPixels(header, undefined, true), header.orientation));
}

/** The same, inflating on libuv's threads first when the pixel data is larger than SYNC_INFLATE_BYTES. */
export async function pngToMnistAsync(
  bytes: Uint8Array,
  maxPixels: number,
  header: PngHeader = parsePngHeader(bytes, maxPixels),
): Promise<Uint8Array> {
  const raw = await inflateExactAsync(header);
  return toMnist(orient(decodePngPixels(header, raw, true), header.orientation));
}
