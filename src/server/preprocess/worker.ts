// A preprocessing worker thread (piscina): the per-pixel work for pictures too big to do on the event loop.
import { PreprocessError, type PreprocessErrorData } from './errors.js';
import { pngToMnistAsync } from './png-decode.js';
import { toMnist, type Rgba } from './mnist-normalise.js';

export type WorkerTask = { png: Uint8Array; maxPixels: number } | { rgba: Rgba };
export type WorkerResult = { pixels: Uint8Array } | { error: PreprocessErrorData };

export default async function preprocessTask(task: WorkerTask): Promise<WorkerResult> {
  try {
    return { pixels: 'png' in task ? await pngToMnistAsync(task.png, task.maxPixels) : toMnist(task.rgba) };
  } catch (err) {
    if (err instanceof PreprocessError) return { error: err.toData() };
    throw err;
  }
}
