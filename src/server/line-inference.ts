// The line model behind a dynamic batcher (the same Batcher as the digit model's): lines that arrive together run as
// one batch, each padded on the right with black to the batch's widest (the model is trained to read blank there),
// and each answered with its own columns of scores, cut at its own width's frame count.
import { LINE_CLASSES, LINE_ROWS, lineFrames } from '../model/line.js';
import type { Provider } from '../model/session.js';
import type { LineScores } from '../reader/ctc-decode.js';
import { Batcher, type BatcherOptions } from './batcher.js';
import type { LoadedLineModel } from './line-model.js';
import { summaryOf, type ModelSlot, type ModelSummary } from './model-slot.js';
import type { InferenceObserver } from './inference.js';

export interface LineInput {
  /** 28 × width floats, row-major (normaliseLine's output). */
  data: Float32Array;
  width: number;
}

export interface LineScored {
  scores: LineScores;
  model: ModelSummary;
  executionProvider: Provider;
}

export interface LineInference {
  score(line: LineInput): Promise<LineScored>;
  readonly queued: number;
}

/** Lines per ORT run at most: with LINE_MAX_WIDTH columns each, a padded batch stays under 15 MB of floats. */
export const LINE_BATCH_MAX = 64;

export function createLineInference(
  slot: ModelSlot<LoadedLineModel>,
  options: BatcherOptions,
  observe: InferenceObserver = {},
): LineInference {
  const batcher = new Batcher<LineInput, LineScored>(
    (lines) =>
      slot.use(async (model) => {
        const width = Math.max(...lines.map((l) => l.width));
        // A lone line is already the batch (ORT only reads its input); more are padded to the widest into one.
        let input = lines[0].data;
        if (lines.length > 1) {
          input = new Float32Array(lines.length * LINE_ROWS * width); // zeros: black padding
          lines.forEach((l, i) => {
            for (let y = 0; y < LINE_ROWS; y++) input.set(l.data.subarray(y * l.width, (y + 1) * l.width), (i * LINE_ROWS + y) * width);
          });
        }
        const started = performance.now();
        const out = await model.run(input, lines.length, width);
        observe.batch?.({ size: lines.length, seconds: (performance.now() - started) / 1000 });
        const frames = lineFrames(width);
        const served = { model: summaryOf(model.info), executionProvider: model.provider };
        return lines.map((l, i) => {
          const own = lineFrames(l.width);
          const start = i * frames * LINE_CLASSES;
          // A view, not a copy: each batch's output is its lines' own, and lives as long as their readings.
          return { scores: { data: out.subarray(start, start + own * LINE_CLASSES), frames: own }, ...served };
        });
      }),
    { ...options, maxBatchSize: Math.min(options.maxBatchSize, LINE_BATCH_MAX), onQueueWait: observe.queueWait },
  );
  return {
    score: (line) => batcher.submit(line),
    get queued() {
      return batcher.queued;
    },
  };
}
