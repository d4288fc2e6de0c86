// app.lineReader: the line model (LINE_MODEL_PATH) in a slot of its own, behind its own batcher, when the reader that
// POST /read uses needs it. A missing file is not fatal: the service starts, /read uses the segmentation reader, and
// /health/ready says why. A file that is there but unusable stops the start-up, as a bad digit model does.
import fp from 'fastify-plugin';
import { readAgreementFit, readTemperature, type AgreementFit } from '../../model/calibration.js';
import { createLineInference, type LineInference } from '../line-inference.js';
import { loadLineModel, type LoadedLineModel } from '../line-model.js';
import { ModelSlot, summaryOf, type ModelSummary } from '../model-slot.js';
import { chosenReader, type ReaderName } from '../reader-choice.js';

export interface LineReader {
  /** The reader /read uses now. */
  reader: ReaderName;
  /** Why it is not the configured one (the line model's file is missing). */
  reason?: string;
  /** Present when the reader needs the line model. */
  line?: {
    slot: ModelSlot<LoadedLineModel>;
    inference: LineInference;
    /** The temperature its card records for it (1 when none). */
    temperature: number;
    /** The agreement fit its card records for it with the digit model of this sha256 (undefined when none). */
    agreementWith: (digitSha256: string) => AgreementFit | undefined;
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    lineReader: LineReader;
  }
}

export interface LineModelOptions {
  /** A line model loaded already (tests share one, and it stays theirs to release); null: none, as if the file were
   * missing. Otherwise LINE_MODEL_PATH is loaded. */
  lineModel?: LoadedLineModel | null;
}

export const lineModelSummary = (reader: LineReader): ModelSummary | undefined => reader.line && summaryOf(reader.line.slot.current.info);

export default fp<LineModelOptions>(
  async (app, opts) => {
    const { LINE_MODEL_PATH, READER, EXECUTION_PROVIDER, CPU_THREADS, BATCH_MAX_SIZE, BATCH_MAX_DELAY_MS, QUEUE_MAX } = app.config;
    const wanted = chosenReader(READER);
    if (wanted === 'segmentation') return void app.decorate('lineReader', { reader: wanted });
    let model: LoadedLineModel | undefined;
    try {
      model =
        opts.lineModel === null ? undefined : (opts.lineModel ?? (await loadLineModel(LINE_MODEL_PATH, EXECUTION_PROVIDER, CPU_THREADS)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (!model) {
      const reason = `no line model at ${LINE_MODEL_PATH}: reading with the segmentation reader`;
      app.log.warn({ reader: wanted }, reason);
      return void app.decorate('lineReader', { reader: 'segmentation', reason });
    }
    if (model.fallbackReason)
      app.log.warn({ reason: model.fallbackReason }, 'CUDA execution provider unavailable: the line model runs on the CPU');
    const slot = new ModelSlot(model, opts.lineModel === undefined);
    const { metrics } = app;
    const inference = createLineInference(
      slot,
      { maxBatchSize: BATCH_MAX_SIZE, maxDelayMs: BATCH_MAX_DELAY_MS, maxQueue: QUEUE_MAX },
      {
        batch({ size, seconds }) {
          metrics.lineBatchSize.observe(size);
          metrics.lineInference.observe(seconds);
        },
        queueWait: (seconds) => metrics.queueWait.observe(seconds),
      },
    );
    const temperature = readTemperature(model.info.path, model.info.sha256);
    app.log.info({ model: model.info, executionProvider: model.provider, temperature, reader: wanted }, 'line model loaded and warmed up');
    // The card is read once for each digit model that serves (a hot reload brings a new one).
    const fits = new Map<string, AgreementFit | undefined>();
    const agreementWith = (digitSha256: string) => {
      if (!fits.has(digitSha256)) fits.set(digitSha256, readAgreementFit(model.info.path, model.info.sha256, digitSha256));
      return fits.get(digitSha256);
    };
    app.decorate('lineReader', { reader: wanted, line: { slot, inference, temperature, agreementWith } });
    app.addHook('onClose', async () => slot.close());
  },
  { name: 'line-model', dependencies: ['metrics'] },
);
