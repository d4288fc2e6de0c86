// POST /read: a picture of a handwritten number (a zip code, an amount) → its digits, left to right. All the candidate
// pieces of one picture are classified in one batch, through the same batcher and model as /predict (and the few more
// that some pictures need once the first are read, in a later one: src/reader/index.ts).
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Prediction } from '../inference.js';
import type { ModelSummary } from '../model-slot.js';
import { requireBearer } from '../plugins/require-bearer.js';
import { pixelsToPng } from '../../imaging/index.js';
import { readTemperature } from '../../model/calibration.js';
import { readNumber } from '../../reader/index.js';
import { MAX_DIGITS } from '../../reader/segmentation.js';
import { imageFrom } from './predict.js';

/** The candidates of one batch of a picture, queued together so that they share a batch. The one place /read reaches
 * the inference service. */
function classifyAll(app: FastifyInstance, tensors: Float32Array[]): Promise<Prediction[]> {
  return app.inference.predictAll(tensors);
}

const read: FastifyPluginAsync = async (app) => {
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
      const reading = await readNumber(image, {
        maxPixels: app.config.MAX_INPUT_PIXELS,
        length: req.query.length,
        classify: async (tensors) => {
          const predictions = await classifyAll(app, tensors);
          answered = predictions[0];
          return { probabilities: predictions.map((p) => p.probabilities), temperature: temperatureOf(answered.model), model: answered.model.sha256 };
        },
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
