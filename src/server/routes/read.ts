// POST /read: a picture of a handwritten number (a zip code, an amount) → its digits, left to right, by the reader that
// app.lineReader names (READER; docs/performance.md's rule for #36 chose the default): the line model (line-reading.ts,
// through its own batcher), or the segmentation reader, whose candidate pieces of one picture are classified in one
// batch through the same batcher and model as /predict (and the few more some pictures need, in a later one:
// src/reader/index.ts), or the line model's reading trusted only where the segmentation reader agrees. The picture is
// decoded once, whichever reader reads it.
import type { FastifyPluginAsync } from 'fastify';
import type { Prediction } from '../inference.js';
import type { ModelSummary } from '../model-slot.js';
import { requireBearer } from '../plugins/require-bearer.js';
import { pixelsToPng } from '../../imaging/index.js';
import { readTemperature } from '../../model/calibration.js';
import { decodeForReading, type Decoded } from '../../imaging/decode-for-reading.js';
import { MAX_DIGITS, readNumber } from '../../reader/index.js';
import { readWithLineModel } from '../line-reading.js';
import { imageFrom, postOnly, refuseNonImageBodies } from './predict.js';

const read: FastifyPluginAsync = async (app) => {
  if (app.config.API_KEY) await requireBearer(app, app.config.API_KEY, 'API_KEY');
  refuseNonImageBodies(app);

  // The temperature of the model that answered, read from its card once per model (a hot reload brings a new one; a
  // card that does not name the answering model's sha256 gives 1).
  const temperatures = new Map<string, number>();
  const temperatureOf = ({ sha256 }: ModelSummary) => {
    let t = temperatures.get(sha256);
    if (t === undefined) temperatures.set(sha256, (t = readTemperature(app.modelSlot.current.info.path, sha256)));
    return t;
  };

  /** Today's reader: candidate cuts classified by the digit model, the best path over them. */
  const segmentationReading = async (picture: Decoded, length: number | undefined, debug: boolean) => {
    let answered: Prediction | undefined;
    const reading = await readNumber(picture, {
      length,
      classify: async (tensors) => {
        // The candidates of one batch of a picture, queued together so that they share a batch.
        const predictions = await app.inference.predictAll(tensors);
        answered = predictions[0];
        return { probabilities: predictions.map((p) => p.probabilities), temperature: temperatureOf(answered.model), model: answered.model.sha256 };
      },
    });
    const digits = await Promise.all(
      reading.digits.map(async ({ pixels, ...digit }) =>
        debug ? { ...digit, input: `data:image/png;base64,${(await pixelsToPng(pixels)).toString('base64')}` } : digit,
      ),
    );
    return { text: reading.text, confidence: reading.confidence, digits, model: answered!.model, executionProvider: answered!.executionProvider };
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
      const picture = await decodeForReading(image, app.config.MAX_INPUT_PIXELS);
      const { length } = req.query;
      const debug = req.query.debug === '1' || req.query.debug === 'true';
      const { reader } = app.lineReader;
      if (reader === 'line') return { ...(await readWithLineModel(app, picture, { length, debug })), reader };
      if (reader === 'combined') {
        // The line model's reading, trusted only where the segmentation reader reads the same (docs/performance.md).
        const [line, segmented] = await Promise.all([
          readWithLineModel(app, picture, { length, debug }),
          segmentationReading(picture, length, false).then(
            (r) => r.text,
            () => undefined,
          ),
        ]);
        return { ...line, confidence: segmented === line.text ? line.confidence : 0, reader };
      }
      return { ...(await segmentationReading(picture, length, debug)), reader };
    },
  );

  postOnly(app, '/read');
};

export default read;
