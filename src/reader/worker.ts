// A whole reading on a preprocessing thread (piscina, the pool /predict uses): decoding, finding the ink and cutting
// candidates are per-pixel work that held the event loop for up to 350 ms a picture. Only the classification crosses
// back, over a MessagePort, to the batcher and model on the main thread, so /read's candidates share its batches.
import { fileURLToPath } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import { PreprocessError, type PreprocessErrorData } from '../imaging/errors.js';
import { readForCombining } from './combined.js';
import { readPicture, type ClassifyAll, type NumberRead } from './index.js';
import type { PreparedLine } from './line-read.js';
import { WorkBudget } from './work-budget.js';

/** This module, from the same tree as the caller's: dist/**.js in production, src/**.ts under tsx. */
export const READ_WORKER = fileURLToPath(import.meta.url);

export interface ReadTask {
  image: Uint8Array;
  maxPixels: number;
  length?: number;
  /** READ_WORK_PIXELS. */
  workPixels: number;
  /** For the combined reader: the line model's input too, from the same decoded picture (src/reader/combined.ts). */
  line?: boolean;
  /** Tensors go out on it; what ClassifyAll resolves to, or { failed: true }, comes back. */
  port: MessagePort;
}

export type ClassifyReply = Awaited<ReturnType<ClassifyAll>> | { failed: true };
type Or<T> = T | { error: PreprocessErrorData };
/** For the combined reader (`line`), its parts: src/reader/combined.ts's, with the refusals as data. */
export interface CombiningParts {
  segmented: Or<{ reading: NumberRead }>;
  line: Or<{ prepared: PreparedLine }>;
  scale: number;
}
export type ReadTaskResult = Or<{ reading: NumberRead }> | { combining: CombiningParts } | { classifyFailed: true };

class ClassifyFailed extends Error {}

export default async function readTask({ image, maxPixels, length, workPixels, port, line }: ReadTask): Promise<ReadTaskResult> {
  const classify: ClassifyAll = (tensors) =>
    new Promise((resolve, reject) => {
      port.once('message', (reply: ClassifyReply) => ('failed' in reply ? reject(new ClassifyFailed()) : resolve(reply)));
      port.postMessage(tensors);
    });
  try {
    const bytes = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
    const opts = { maxPixels, length, classify, work: new WorkBudget(workPixels) };
    if (!line) return { reading: await readPicture(bytes, opts) };
    const both = await readForCombining(bytes, opts);
    const segmented = 'error' in both.segmented ? { error: both.segmented.error.toData() } : both.segmented;
    const prepared = 'error' in both.line ? { error: both.line.error.toData() } : both.line;
    return { combining: { segmented, line: prepared, scale: both.scale } };
  } catch (err) {
    if (err instanceof PreprocessError) return { error: err.toData() };
    if (err instanceof ClassifyFailed) return { classifyFailed: true };
    throw err;
  } finally {
    port.close();
  }
}
