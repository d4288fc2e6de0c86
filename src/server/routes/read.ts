// POST /read: a picture of a handwritten number (a zip code, an amount) → its digits, left to right. All the candidate
// pieces of one picture are classified in one batch, through the same batcher and model as /predict (and the few more
// that some pictures need once the first are read, in a later one: src/reader/index.ts).
import { MessageChannel } from 'node:worker_threads';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Prediction } from '../inference.js';
import type { ModelSummary } from '../model-slot.js';
import { requireBearer } from '../plugins/require-bearer.js';
import { pixelsToPng } from '../../imaging/index.js';
import { readTemperature } from '../../model/calibration.js';
import { PreprocessError } from '../../imaging/errors.js';
import { MAX_DIGITS, type ClassifyAll, type NumberRead } from '../../reader/index.js';
import { READ_WORKER, type ClassifyReply, type ReadTask, type ReadTaskResult } from '../../reader/worker.js';
import { Admission } from '../admission.js';
import { imageFrom } from './predict.js';

/** The reading, on a preprocessing thread (src/reader/worker.ts); its classifications come back here to the batcher. */
async function readOffThread(app: FastifyInstance, image: Buffer, length: number | undefined, classify: ClassifyAll): Promise<NumberRead> {
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
    const task: ReadTask = { image, maxPixels: MAX_INPUT_PIXELS, length, workPixels: READ_WORK_PIXELS, port: port2 };
    const result = await app.preprocessor.offload<ReadTask, ReadTaskResult>(READ_WORKER, task, [port2]);
    if ('classifyFailed' in result) throw classifyError; // a full batcher queue (503), a model closing under a drain
    if ('error' in result) throw PreprocessError.fromData(result.error);
    return result.reading;
  } finally {
    port1.close();
  }
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
      let answered: Prediction | undefined;
      const reading = await readOffThread(app, image, req.query.length, async (tensors) => {
        // The candidates of one batch of a picture, queued together so that they share a batch.
        const predictions = await app.inference.predictAll(tensors);
        answered = predictions[0];
        return { probabilities: predictions.map((p) => p.probabilities), temperature: temperatureOf(answered.model), model: answered.model.sha256 };
      });
      const debug = req.query.debug === '1' || req.query.debug === 'true';
      const digits = await Promise.all(
        reading.digits.map(async ({ pixels, ...digit }) =>
          debug ? { ...digit, input: `data:image/png;base64,${(await pixelsToPng(pixels)).toString('base64')}` } : digit,
        ),
      );
      return { text: reading.text, confidence: reading.confidence, digits, model: answered!.model, executionProvider: answered!.executionProvider };
    },
  );
};

export default read;
