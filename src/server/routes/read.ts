// POST /read: a picture of a handwritten number (a zip code, an amount) → its digits, left to right, by the reader that
// app.lineReader names (READER; docs/performance.md's rule for #36 chose the default): the segmentation reader, which
// reads a small picture on the event loop and any other on a preprocessing thread (src/reader/worker.ts), while the
// candidate pieces of one picture are classified in one batch through the same batcher and model as /predict (and the
// few more some pictures need, in a later one: src/reader/index.ts); or the line model (line-reading.ts, through its
// own batcher); or the line model's reading trusted only where the segmentation reader agrees. Admission
// (READ_QUEUE_MAX) comes before the body is read.
import { MessageChannel } from 'node:worker_threads';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Prediction } from '../inference.js';
import type { ModelSummary } from '../model-slot.js';
import { requireBearer } from '../plugins/require-bearer.js';
import { pixelsToPng } from '../../imaging/index.js';
import { readTemperature } from '../../model/calibration.js';
import { decodeForReading } from '../../imaging/decode-for-reading.js';
import { PreprocessError } from '../../imaging/errors.js';
import { MAX_DIGITS, readPicture, type ClassifyAll, type NumberRead } from '../../reader/index.js';
import { combine, readForCombining, type ReadForCombining } from '../../reader/combined.js';
import { prepareLine } from '../../reader/line-read.js';
import { NotForTheEventLoop, WorkBudget } from '../../reader/work-budget.js';
import { READ_WORKER, type ClassifyReply, type ReadTask, type ReadTaskResult } from '../../reader/worker.js';
import { Admission } from '../admission.js';
import { readWithLineModel } from '../line-reading.js';
import { imageFrom } from './predict.js';

/** `read` on the event loop, while it costs no more than READ_INLINE_PIXELS of work; undefined once it would. */
async function onTheLoop<T>(app: FastifyInstance, read: (work: WorkBudget) => Promise<T>): Promise<T | undefined> {
  const work = new WorkBudget(app.config.READ_WORK_PIXELS, app.config.READ_INLINE_PIXELS);
  try {
    return await read(work);
  } catch (err) {
    if (err instanceof NotForTheEventLoop) return undefined;
    throw err;
  }
}

type ThreadResult = Exclude<ReadTaskResult, { classifyFailed: true }>;

/** The reading (with `line`, the combined reader's parts), on a preprocessing thread (src/reader/worker.ts); its
 * classifications come back here to the batcher. */
async function readOffThread(
  app: FastifyInstance,
  image: Buffer,
  length: number | undefined,
  classify: ClassifyAll,
  line = false,
): Promise<ThreadResult> {
  const { port1, port2 } = new MessageChannel();
  let classifyError: unknown;
  port1.on('message', (tensors: Float32Array[]) =>
    classify(tensors).then(
      (reply) => port1.postMessage(reply satisfies ClassifyReply),
      (err: unknown) => {
        classifyError = err;
        port1.postMessage({ failed: true } satisfies ClassifyReply);
      },
    ),
  );
  try {
    const { MAX_INPUT_PIXELS, READ_WORK_PIXELS } = app.config;
    const task: ReadTask = { image, maxPixels: MAX_INPUT_PIXELS, length, workPixels: READ_WORK_PIXELS, port: port2, line };
    const result = await app.preprocessor.offload<ReadTask, ReadTaskResult>(READ_WORKER, task, [port2]);
    if ('classifyFailed' in result) throw classifyError; // a full batcher queue (503), a model closing under a drain
    return result;
  } finally {
    port1.close();
  }
}

/** The combined reader's parts of a picture, read from one decoding: on the event loop within its share, else all of
 * it again on a thread. Throws what the decoding throws and the segmentation reader's refusals of the whole picture. */
async function partsForCombining(
  app: FastifyInstance,
  image: Buffer,
  length: number | undefined,
  classify: ClassifyAll,
): Promise<ReadForCombining> {
  const { MAX_INPUT_PIXELS: maxPixels } = app.config;
  const inline = await onTheLoop(app, (work) => readForCombining(image, { maxPixels, length, classify, work }));
  app.metrics.readWhere.inc({ where: inline ? 'event_loop' : 'thread' });
  if (inline) return inline;
  const result = await readOffThread(app, image, length, classify, true);
  if ('error' in result) throw PreprocessError.fromData(result.error);
  if (!('combining' in result)) throw new Error('the read worker answered without the combined reader’s parts');
  const { segmented, line, scale } = result.combining;
  return {
    segmented: 'error' in segmented ? { error: PreprocessError.fromData(segmented.error) } : segmented,
    line: 'error' in line ? { error: PreprocessError.fromData(line.error) } : line,
    scale,
  };
}

const read: FastifyPluginAsync = async (app) => {
  const admission = new Admission('/read requests', app.config.READ_QUEUE_MAX, 'READ_QUEUE_MAX');
  if (app.config.API_KEY) await requireBearer(app, app.config.API_KEY, 'API_KEY');

  // The temperature of the model that answered, read from its card once per model (a hot reload brings a new one; a
  // card that does not name the answering model's sha256 gives 1).
  const temperatures = new Map<string, number>();
  const temperatureOf = ({ sha256 }: ModelSummary) => {
    let t = temperatures.get(sha256);
    if (t === undefined) temperatures.set(sha256, (t = readTemperature(app.modelSlot.current.info.path, sha256)));
    return t;
  };

  /** The digit model's classification of a picture's candidates, all in one batch; `model()` the last that answered. */
  const classifier = () => {
    let answered: Prediction | undefined;
    const classify: ClassifyAll = async (tensors) => {
      // The candidates of one batch of a picture, queued together so that they share a batch.
      const predictions = await app.inference.predictAll(tensors);
      answered = predictions[0];
      return {
        probabilities: predictions.map((p) => p.probabilities),
        temperature: temperatureOf(answered.model),
        model: answered.model.sha256,
      };
    };
    return { classify, answered: () => answered! };
  };

  /** The answer for the segmentation reader's reading (with `debug`, each digit's 28×28 input as a PNG data URL). */
  const segmentationAnswer = async (reading: NumberRead, answered: Prediction, debug: boolean) => {
    const digits = await Promise.all(
      reading.digits.map(async ({ pixels, ...digit }) =>
        debug ? { ...digit, input: `data:image/png;base64,${(await pixelsToPng(pixels)).toString('base64')}` } : digit,
      ),
    );
    return {
      text: reading.text,
      confidence: reading.confidence,
      digits,
      model: answered.model,
      executionProvider: answered.executionProvider,
    };
  };

  /** Today's reader: candidate cuts classified by the digit model, the best path over them. */
  const segmentationReading = async (image: Buffer, length: number | undefined, debug: boolean) => {
    const { classify, answered } = classifier();
    // A small picture is read here, at about half the CPU of a hop to a thread and back; READ_INLINE_PIXELS bounds what
    // it may cost the event loop, and one that needs more is read again from the start on a thread.
    const { MAX_INPUT_PIXELS: maxPixels } = app.config;
    const inline = await onTheLoop(app, (work) => readPicture(image, { maxPixels, length, classify, work }));
    app.metrics.readWhere.inc({ where: inline ? 'event_loop' : 'thread' });
    let reading = inline;
    if (!reading) {
      const result = await readOffThread(app, image, length, classify);
      if ('error' in result) throw PreprocessError.fromData(result.error);
      if (!('reading' in result)) throw new Error('the read worker answered without a reading');
      reading = result.reading;
    }
    return segmentationAnswer(reading, answered(), debug);
  };

  app.post<{ Querystring: { debug?: string; length?: number } }>(
    '/read',
    {
      onRequest: admission.onRequest,
      schema: {
        querystring: {
          type: 'object',
          properties: {
            debug: { type: 'string', enum: ['0', '1', 'true', 'false'] },
            length: { type: 'integer', minimum: 1, maximum: MAX_DIGITS },
          },
        },
      },
    },
    async (req) => {
      const image = await imageFrom(req);
      const { length } = req.query;
      const debug = req.query.debug === '1' || req.query.debug === 'true';
      const { reader } = app.lineReader;
      if (reader === 'segmentation') return { ...(await segmentationReading(image, length, debug)), reader };
      if (reader === 'line') {
        const picture = await decodeForReading(image, app.config.MAX_INPUT_PIXELS);
        return { ...(await readWithLineModel(app, prepareLine(picture.grey), picture.scale, { length, debug })).reading, reader };
      }
      // combined: the line model's reading, trusted only where the segmentation reader reads the same (docs/performance.md).
      // One decoding feeds both. The segmentation reader goes first: a picture it refuses as a whole is refused so, and
      // the line model never reads it.
      const { classify, answered } = classifier();
      const parts = await partsForCombining(app, image, length, classify);
      const segmented = 'reading' in parts.segmented ? parts.segmented.reading : undefined;
      const line =
        'error' in parts.line
          ? parts.line.error
          : await readWithLineModel(app, parts.line.prepared, parts.scale, { length, debug }).catch((err: unknown) => {
              if (err instanceof PreprocessError) return err;
              throw err;
            });
      // A line the model refused (too long at its height, no string of `length` digits) is a reading of nothing: where
      // the segmentation reader read the picture, a disagreement like any other.
      const answer = combine(
        segmented,
        line instanceof PreprocessError ? undefined : line,
        segmented && app.lineReader.line?.agreementWith(answered().model.sha256),
      );
      if (!answer) throw line;
      if (answer.from === 'line') return { ...answer.reading, confidence: answer.confidence, reader };
      return { ...(await segmentationAnswer(answer.reading, answered(), debug)), confidence: answer.confidence, reader };
    },
  );
};

export default read;
