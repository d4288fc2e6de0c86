// Uploaded bytes → the model's input (src/model/input-contract.ts), by the cheapest path that keeps the event loop free:
//   small PNG        → JS decode (png-decode.ts) + normalisation on the main thread (tens of µs; a hop costs more)
//   PNG ≤ 512×512    → JS decode + normalisation in a worker thread (or on the event loop with no threads)
//   anything else    → sharp (its own threads) decodes and shrinks to ≤ 512, then normalisation in a worker
// Every PNG's chunk structure and pixel count is checked first (png-header.ts), whichever decoder then reads it.
// Every path ends in the same toMnist(), so they agree to the decoder's rounding (test/preprocess.test.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { toModelInput } from '../model/input-contract.js';
import { PreprocessError, QueueFullError } from './errors.js';
import { toMnist } from './mnist-normalise.js';
import { pngToMnist, pngToMnistAsync } from './png-decode.js';
import { isPng } from './image-format.js';
import { parsePngHeader } from './png-header.js';
import { decodeWithSharp, WORKING_SIZE } from './sharp-codec.js';
import type { WorkerResult, WorkerTask } from './worker.js';

export { PreprocessError, type PreprocessErrorCode } from './errors.js';
export { pixelsToPng } from './sharp-codec.js';

export type PreprocessPath = 'inline' | 'worker' | 'sharp';

export interface Preprocessed {
  /** The model's input as bytes, for a debug picture. */
  pixels: Uint8Array;
  /** The same as the model's float input in [0,1]. */
  tensor: Float32Array;
  path: PreprocessPath;
}

export interface PreprocessorOptions {
  /** Largest accepted picture, width × height. */
  maxPixels: number;
  /** Worker threads for /predict's per-pixel work; 0 does it on the calling thread (CLIs, tests of the pure function).
   * Work that must never run on the event loop (offload(): a whole reading) gets one thread even then. */
  threads: number;
  /** PNGs up to this many pixels are decoded on the main thread. */
  inlineMaxPixels: number;
  /** Tasks waiting for a worker before new ones are refused with QueueFullError. */
  maxQueue: number;
}

// Run the worker from the same tree as this file: dist/**.js in production, src/**.ts under tsx.
const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), `worker${path.extname(fileURLToPath(import.meta.url))}`);

export class Preprocessor {
  /** Runs every kind of task: this module's worker by default, any other module's by filename. */
  readonly #threads: Piscina;
  /** The threads /predict's pictures go to; none with threads: 0. */
  readonly #pool?: Piscina<WorkerTask, WorkerResult>;

  constructor(readonly options: PreprocessorOptions) {
    // stricterFIFO: by default piscina puts a task it could not hand out back at the tail of its queue, so under
    // sustained load one request can lose its turn again and again (piscina#1031; docs/performance.md).
    this.#threads = new Piscina({
      filename: WORKER,
      minThreads: Math.max(1, options.threads),
      maxThreads: Math.max(1, options.threads),
      maxQueue: options.maxQueue,
      stricterFIFO: true,
    });
    if (options.threads > 0) this.#pool = this.#threads as Piscina<WorkerTask, WorkerResult>;
  }

  /** Runs the default export of `filename` (a worker module) on one of the threads, with the same queue limit. */
  async offload<T, R>(filename: string, task: T, transferList?: Transferable[]): Promise<R> {
    try {
      return (await this.#threads.run(task, { filename, transferList: transferList as never })) as R;
    } catch (err) {
      throw queueFull(err, this.options.maxQueue);
    }
  }

  async run(input: Buffer): Promise<Preprocessed> {
    if (input.length === 0) throw new PreprocessError('missing_image', 'the request has no image');
    const { maxPixels, inlineMaxPixels } = this.options;
    // Every PNG's structure and size is checked here once, whichever decoder then reads it.
    const png = isPng(input) ? parsePngHeader(input, maxPixels) : undefined;
    if (png && png.width <= WORKING_SIZE && png.height <= WORKING_SIZE) {
      if (png.width * png.height <= inlineMaxPixels) return done(pngToMnist(input, maxPixels, png), 'inline');
      if (!this.#pool) return done(await pngToMnistAsync(input, maxPixels, png), 'inline');
      return done(await this.#offload({ png: input, maxPixels }), 'worker');
    }
    const rgba = await decodeWithSharp(input, maxPixels);
    return done(this.#pool ? await this.#offload({ rgba }) : toMnist(rgba), 'sharp');
  }

  async #offload(task: WorkerTask): Promise<Uint8Array> {
    const pool = this.#pool!;
    // Refused here rather than by piscina, whose full queue is an Error told only by its words; queueSize and run() are
    // both synchronous, so nothing joins the queue between the look and the run.
    const { maxQueue } = this.options;
    if (pool.queueSize >= maxQueue) throw new QueueFullError(maxQueue, 'too many images waiting for preprocessing');
    const result = await pool.run(task);
    if ('error' in result) throw PreprocessError.fromData(result.error);
    return result.pixels;
  }

  async close(): Promise<void> {
    await this.#threads.destroy();
  }
}

/** piscina says its queue is full only in words; the service answers every full queue the same way (the errors plugin). */
function queueFull(err: unknown, limit: number): unknown {
  return /queue is at limit/i.test((err as Error).message) ? new QueueFullError(limit, 'too many images waiting for preprocessing') : err;
}

function done(pixels: Uint8Array, path: PreprocessPath): Preprocessed {
  return { pixels, tensor: toModelInput(pixels), path };
}
