// POST /predict: an image (raw body or multipart field "image") → the digit and its ten probabilities.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { errorBody, HttpError } from '../errors.js';
import { pixelsToPng, preprocess } from '../preprocess.js';

async function imageFrom(req: FastifyRequest): Promise<Buffer> {
  if (req.isMultipart()) {
    let image: Buffer | undefined;
    for await (const part of req.parts()) {
      if (part.type !== 'file') continue;
      // A second file is an error, not something to ignore silently.
      if (image) throw new HttpError(400, 'too_many_files', 'send one image per request');
      if (part.fieldname !== 'image') throw new HttpError(400, 'missing_image', `expected the file in the field "image", got "${part.fieldname}"`);
      image = await part.toBuffer();
    }
    if (!image) throw new HttpError(400, 'missing_image', 'the multipart form has no file; send it in the field "image"');
    return image;
  }
  if (req.body !== undefined && !Buffer.isBuffer(req.body)) {
    // Fastify parsed it as text or JSON: not an image content type.
    throw new HttpError(415, 'unsupported_media_type', `Content-Type ${req.headers['content-type']} is not an image; use image/png, image/jpeg, image/webp or multipart/form-data`);
  }
  if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
    throw new HttpError(400, 'missing_image', 'send the image as the body (Content-Type: image/png, image/jpeg or image/webp) or as multipart field "image"');
  }
  return req.body;
}

const predict: FastifyPluginAsync = async (app) => {
  app.post<{ Querystring: { debug?: string } }>(
    '/predict',
    {
      schema: {
        querystring: { type: 'object', properties: { debug: { type: 'string', enum: ['0', '1', 'true', 'false'] } } },
      },
    },
    async (req) => {
      const started = performance.now();
      const image = await imageFrom(req);
      const { pixels, tensor } = await preprocess(image, { maxPixels: app.config.MAX_INPUT_PIXELS });
      const preprocessed = performance.now();
      const probabilities = Array.from(await app.model.run(tensor, 1));
      const digit = probabilities.indexOf(Math.max(...probabilities));
      const { name, version, sha256 } = app.model.info;
      req.log.info(
        {
          digit,
          executionProvider: app.model.provider,
          preprocessMs: +(preprocessed - started).toFixed(2),
          inferenceMs: +(performance.now() - preprocessed).toFixed(2),
        },
        'prediction',
      );
      const debug = req.query.debug === '1' || req.query.debug === 'true';
      return {
        digit,
        confidence: probabilities[digit],
        probabilities,
        model: { name, version, sha256 },
        executionProvider: app.model.provider,
        ...(debug ? { input: `data:image/png;base64,${(await pixelsToPng(pixels)).toString('base64')}` } : {}),
      };
    },
  );

  // Other methods on /predict: 405 with Allow, rather than a bare 404.
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: '/predict',
    handler: async (req, reply) =>
      reply.status(405).header('allow', 'POST').send(errorBody('method_not_allowed', `${req.method} is not allowed on /predict; use POST`)),
  });
};

export default predict;
