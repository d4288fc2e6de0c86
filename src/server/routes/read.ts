// POST /read: a picture of a handwritten number (a zip code, an amount) → its digits, left to right. All the candidate
// pieces of one picture are classified in one batch, through the same batcher and model as /predict.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { argmax } from '../../model/lenet.js';
import { QueueFullError } from '../batcher.js';
import { errorBody, HttpError } from '../errors.js';
import type { Prediction } from '../inference.js';
import { requireBearer } from '../plugins/require-bearer.js';
import { pixelsToPng } from '../preprocess/index.js';
import { toTensor } from '../preprocess/mnist-normalise.js';
import { readTemperature, withTemperature } from '../read/calibration.js';
import { decodeForReading } from '../read/decode.js';
import { MAX_DIGITS, segmentNumber } from '../read/reader.js';
import { imageFrom } from './predict.js';

/** Every candidate of one picture, queued together so that they share a batch. The one place /read reaches the
 * inference service. */
function classifyAll(app: FastifyInstance, tensors: Float32Array[]): Promise<Prediction[]> {
  return app.inference.submitAll(tensors);
}

const read: FastifyPluginAsync = async (app) => {
  if (app.config.API_KEY) await requireBearer(app, app.config.API_KEY, 'API_KEY');

  // The temperature of the model that answered, read from its card once per model (a hot reload brings a new one).
  const temperatures = new Map<string, number>();
  const temperatureOf = ({ info }: Prediction['model']) => {
    let t = temperatures.get(info.sha256);
    if (t === undefined) temperatures.set(info.sha256, (t = readTemperature(info.path, info.sha256)));
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
      const started = performance.now();
      const { grey, scale } = await decodeForReading(image, app.config.MAX_INPUT_PIXELS);
      const segmentation = segmentNumber(grey, { length: req.query.length });
      app.metrics.preprocess.observe({ path: 'read' }, (performance.now() - started) / 1000);
      let predictions: Prediction[];
      try {
        predictions = await classifyAll(app, segmentation.candidates.map((c) => toTensor(c.pixels)));
      } catch (err) {
        if (err instanceof QueueFullError) throw new HttpError(503, 'overloaded', `${err.message}; retry shortly`);
        throw err;
      }
      const picked = segmentation.pick(predictions.map((p) => p.probabilities));
      if (picked.length === 0) throw new HttpError(422, 'no_digit_found', 'no digit could be read in the image');
      const model = predictions[0].model;
      const temperature = temperatureOf(model);
      const debug = req.query.debug === '1' || req.query.debug === 'true';
      const digits = await Promise.all(
        picked.map(async (i) => {
          const probabilities = withTemperature(predictions[i].probabilities, temperature);
          const digit = argmax(probabilities);
          const { x, y, width, height } = segmentation.candidates[i].box;
          return {
            digit,
            confidence: probabilities[digit],
            box: { x: Math.round(x * scale), y: Math.round(y * scale), width: Math.round(width * scale), height: Math.round(height * scale) },
            probabilities,
            ...(debug ? { input: `data:image/png;base64,${(await pixelsToPng(segmentation.candidates[i].pixels)).toString('base64')}` } : {}),
          };
        }),
      );
      const { name, version, sha256 } = model.info;
      return {
        text: digits.map((d) => d.digit).join(''),
        // The chance that every digit is right, if their errors are independent.
        confidence: digits.reduce((p, d) => p * d.confidence, 1),
        digits,
        model: { name, version, sha256 },
        executionProvider: model.provider,
      };
    },
  );

  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: '/read',
    handler: async (req, reply) =>
      reply.status(405).header('allow', 'POST').send(errorBody('method_not_allowed', `${req.method} is not allowed on /read; use POST`)),
  });
};

export default read;
