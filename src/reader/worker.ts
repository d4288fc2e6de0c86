// A whole reading on a preprocessing thread (piscina, the pool /predict uses): decoding, finding the ink and cutting
// candidates are per-pixel work that held the event loop for up to 350 ms a picture. Only the classification crosses
// back, over a MessagePort, to the batcher and model on the main thread, so /read's candidates share its batches.
import { fileURLToPath } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import { PreprocessError, type PreprocessErrorData } from '../imaging/errors.js';
import { readPicture, type ClassifyAll, type NumberRead } from './index.js';
import { WorkBudget } from './work-budget.js';

/** This module, from the same tree as the caller's: dist/**.js in production, src/**.ts under tsx. */
export const READ_WORKER = fileURLToPath(import.meta.url);

export interface ReadTask {
  image: Uint8Array;
  maxPixels: number;
  length?: number;
  /** READ_WORK_PIXELS. */
  workPixels: number;
  /** Tensors go out on it; what ClassifyAll resolves to, or { failed: true }, comes back. */
  port: MessagePort;
}

export type ClassifyReply = Awaited<ReturnType<ClassifyAll>> | { failed: true };
export type ReadTaskResult = { reading: NumberRead } | { error: PreprocessErrorData } | { classifyFailed: true };

class ClassifyFailed extends Error {}

export default async function readTask({ image, maxPixels, length, workPixels, port }: ReadTask): Promise<ReadTaskResult> {
  const classify: ClassifyAll = (tensors) =>
    new Promise((resolve, reject) => {
      port.once('message', (reply: ClassifyReply) => ('failed' in reply ? reject(new ClassifyFailed()) : resolve(reply)));
      port.postMessage(tensors);
    });
  try {
    const bytes = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
    return { reading: await readPicture(bytes, { maxPixels, length, classify, work: new WorkBudget(workPixels) }) };
  } catch (err) {
    if (err instanceof PreprocessError) return { error: err.toData() };
    if (err instanceof ClassifyFailed) return { classifyFailed: true };
    throw err;
  } finally {
    port.close();
  }
}
