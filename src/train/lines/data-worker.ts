// A worker thread that makes training chunks (training-line.ts) while the main thread trains: making lines costs as
// much CPU as learning from them, and on two cores the two run side by side.
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { loadMnist } from '../mnist.js';
import { trainingFontDigits, TRAINING_POINTS, type LineExtraFont } from './glyphs.js';
import type { WriterHabits } from './compose.js';
import type { LinePackagedFont } from '../../synth/packaged-fonts.js';
import { trainingChunk, type LineBatch } from './training-line.js';

export interface DataWorkerInit {
  mnistDir?: string;
  seed: number;
  batches: number;
  batchSize: number;
  fontShare: number;
  /** The recipe's fonts beyond the training fonts. */
  extraFonts: LineExtraFont[];
  /** The recipe's packaged fonts (packaged-fonts.ts). */
  packagedFonts: LinePackagedFont[];
  habits: WriterHabits;
}
export type DataRequest = { chunk: number };
export type DataReply = { ready: true; fonts: number } | { chunk: number; batches: LineBatch[] } | { error: string };

const init = workerData.init as DataWorkerInit;
// One libvips thread per worker: its pictures are small, and the cores are the trainer's.
sharp.concurrency(1);
const port = parentPort!;
try {
  const mnist = loadMnist(init.mnistDir).train;
  const fonts = await trainingFontDigits(init.extraFonts, init.packagedFonts);
  const sources = { mnist, fonts, fontShare: init.fontShare, habits: init.habits };
  port.postMessage({ ready: true, fonts: fonts.length / TRAINING_POINTS.length } satisfies DataReply);
  port.on('message', async ({ chunk }: DataRequest) => {
    try {
      const batches = await trainingChunk(sources, init.seed, chunk, init.batches, init.batchSize);
      port.postMessage(
        { chunk, batches } satisfies DataReply,
        batches.map((b) => b.data.buffer as ArrayBuffer),
      );
    } catch (err) {
      port.postMessage({ error: (err as Error).stack ?? String(err) } satisfies DataReply);
    }
  });
} catch (err) {
  port.postMessage({ error: (err as Error).stack ?? String(err) } satisfies DataReply);
}
