// A preprocessing worker thread (piscina): the per-pixel work for pictures too big to do on the event loop, and the
// pixel work of POST /read (decoding and segmenting a number).
import { segmentPicture, type SegmentedPicture } from '../read/segment-picture.js';
import { PreprocessError, type PreprocessErrorData } from './errors.js';
import { decodePngAsync } from './png-decode.js';
import { toMnist, type Rgba } from './mnist-normalise.js';

export type WorkerTask = { png: Uint8Array; maxPixels: number } | { rgba: Rgba } | { number: Uint8Array; maxPixels: number; length?: number };
export type WorkerResult = { pixels: Uint8Array } | { segmented: SegmentedPicture } | { error: PreprocessErrorData };

export default async function preprocessTask(task: WorkerTask): Promise<WorkerResult> {
  try {
    // A Buffer arrives as a plain Uint8Array: sharp and the decoders want a Buffer over the same bytes.
    if ('number' in task) return { segmented: await segmentPicture(Buffer.from(task.number.buffer, task.number.byteOffset, task.number.length), task.maxPixels, task.length) };
    return { pixels: toMnist('png' in task ? await decodePngAsync(task.png, task.maxPixels) : task.rgba) };
  } catch (err) {
    if (err instanceof PreprocessError) return { error: err.toData() };
    throw err;
  }
}
