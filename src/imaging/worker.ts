// A preprocessing worker thread (piscina): the per-pixel work for pictures too big to do on the event loop. It inflates
// on its own thread: a thread of its own has no event loop to keep free, and a hop to libuv's threads costs CPU.
import { PreprocessError, type PreprocessErrorData } from './errors.js';
import { pngToMnist } from './png-decode.js';
import { toMnist, type Rgba } from './mnist-normalise.js';

export type WorkerTask = { png: Uint8Array; maxPixels: number } | { rgba: Rgba };
export type WorkerResult = { pixels: Uint8Array } | { error: PreprocessErrorData };

export default async function preprocessTask(task: WorkerTask): Promise<WorkerResult> {
  try {
    return { pixels: 'png' in task ? pngToMnist(task.png, task.maxPixels) : toMnist(task.rgba) };
  } catch (err) {
    if (err instanceof PreprocessError) return { error: err.toData() };
    throw err;
  }
}
