// A preprocessing worker thread (piscina): the per-pixel work for pictures too big to do on the event loop.
import { HttpError } from '../errors.js';
import { decodePng } from './png-decode.js';
import { toMnist, type Rgba } from './mnist-normalise.js';

export type WorkerTask = { png: Uint8Array; maxPixels: number } | { rgba: Rgba };
/** HttpError does not survive the thread boundary as a class, so client errors travel as plain data. */
export type WorkerResult = { pixels: Uint8Array } | { error: { statusCode: number; code: string; message: string } };

export default function preprocessTask(task: WorkerTask): WorkerResult {
  try {
    return { pixels: toMnist('png' in task ? decodePng(task.png, task.maxPixels) : task.rgba) };
  } catch (err) {
    if (err instanceof HttpError) return { error: { statusCode: err.statusCode, code: err.code, message: err.message } };
    throw err;
  }
}
