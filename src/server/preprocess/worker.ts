// A preprocessing worker thread (piscina): the per-pixel work for pictures too big to do on the event loop.
import { PreprocessError, type PreprocessErrorData } from './errors.js';
import { decodePng } from './png-decode.js';
import { toMnist, type Rgba } from './mnist-normalise.js';

export type WorkerTask = { png: Uint8Array; maxPixels: number } | { rgba: Rgba };
export type WorkerResult = { pixels: Uint8Array } | { error: PreprocessErrorData };

export default function preprocessTask(task: WorkerTask): WorkerResult {
  try {
    return { pixels: toMnist('png' in task ? decodePng(task.png, task.maxPixels) : task.rgba) };
  } catch (err) {
    if (err instanceof PreprocessError) return { error: err.toData() };
    throw err;
  }
}
