// POST /predict: an image (raw body or multipart field "image") → the digit and its ten probabilities.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { HttpError, IMAGE_CONTENT_TYPES } from '../errors.js';
import { Admission } from '../admission.js';
import { requireBearer } from '../plugins/require-bearer.js';
import { pixelsToPng } from '../../imaging/index.js';
import { severalDigitsHint } from '../several-digits.js';

/** The uploaded picture: the raw body, or the multipart field "image" (also used by POST /read). */
export async function imageFrom(req: FastifyRequest): Promise<Buffer> {
  if (req.isMultipart()) {
    let image: Buffer | undefined;
    try {
      for await (const part of req.parts()) {
        if (part.type !== 'file') continue;
        // A second file is an error, not something to ignore silently.
        if (image) throw new HttpError(400, 'too_many_files', 'send one image per request');
        if (part.fieldname !== 'image')
          throw new HttpError(400, 'missing_image', `the file is in the field "${part.fieldname}"; send it in the field "image"`);
        image = await part.toBuffer();
      }
    } catch (err) {
      // Our own errors and Fastify's coded ones (limits) keep their status; the parser's own complaints about a
      // malformed body (found by test/fuzz.test.ts: "Unexpected end of multipart data") are the client's, not a 500.
      if (err instanceof HttpError || String((err as { code?: string }).code).startsWith('FST_')) throw err;
      throw new HttpError(
        400,
        'invalid_multipart',
        'the multipart body could not be parsed: it is cut short or malformed; send the picture as field "image" of a well-formed multipart/form-data body',
        { cause: err },
      );
    }
    if (!image) throw new HttpError(400, 'missing_image', 'the multipart form has no file; send it in the field "image"');
    return image;
  }
  if (req.body !== undefined && !Buffer.isBuffer(req.body)) {
    // Fastify parsed it as text or JSON: not an image content type.
    throw new HttpError(
      415,
      'unsupported_media_type',
      `Content-Type ${req.headers['content-type']} is not an image; use ${IMAGE_CONTENT_TYPES}, or multipart/form-data`,
    );
  }
  if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
    throw new HttpError(
      400,
      'missing_image',
      `send the image as the body (Content-Type: ${IMAGE_CONTENT_TYPES}) or as multipart field "image"`,
    );
  }
  return req.body;
}

const predict: FastifyPluginAsync = async (app) => {
  if (app.config.API_KEY) await requireBearer(app, app.config.API_KEY, 'API_KEY');

  // As many as may wait for preprocessing or inference: the next is refused before its body is read.
  const admission = new Admission('/predict requests', app.config.QUEUE_MAX, 'QUEUE_MAX');
  app.post<{ Querystring: { debug?: string } }>(
    '/predict',
    {
      onRequest: admission.onRequest,
      schema: {
        querystring: { type: 'object', properties: { debug: { type: 'string', enum: ['0', '1', 'true', 'false'] } } },
      },
    },
    async (req) => {
      const image = await imageFrom(req);
      const started = performance.now();
      const { pixels, tensor, path } = await app.preprocessor.run(image);
      const preprocessed = performance.now();
      app.metrics.preprocess.observe({ path }, (preprocessed - started) / 1000);
      const { digit, probabilities, model, executionProvider } = await app.inference.predict(tensor);
      // Per-request detail at debug: at thousands of requests a second, info keeps to one line per request. Checked
      // first, so that the other levels do not build (and then drop) the record for every request.
      if (req.log.level === 'debug' || req.log.level === 'trace') {
        req.log.debug(
          { digit, path, preprocessMs: +(preprocessed - started).toFixed(3), inferenceMs: +(performance.now() - preprocessed).toFixed(3) },
          'prediction',
        );
      }
      const debug = req.query.debug === '1' || req.query.debug === 'true';
      const hint = severalDigitsHint(pixels);
      return {
        digit,
        confidence: probabilities[digit],
        probabilities,
        model,
        executionProvider,
        ...(hint ? { hint } : {}),
        ...(debug ? { input: `data:image/png;base64,${(await pixelsToPng(pixels)).toString('base64')}` } : {}),
      };
    },
  );
};

export default predict;
