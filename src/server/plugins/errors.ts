// One error shape for everything: { error: { code, message } }. Client mistakes are 4xx; only our bugs are 500. This is
// the one place where an error's code gets its HTTP status.
import fp from 'fastify-plugin';
import { QueueFullError } from '../batcher.js';
import { errorBody, HttpError } from '../errors.js';
import { PreprocessError, type PreprocessErrorCode } from '../preprocess/index.js';

const PREPROCESS_STATUS: Record<PreprocessErrorCode, number> = {
  missing_image: 400,
  invalid_image: 400,
  unsupported_image_format: 415,
  image_too_large: 413,
  no_digit_found: 422,
};

// Fastify's and @fastify/multipart's own client errors, with our codes.
const KNOWN: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large'],
  FST_REQ_FILE_TOO_LARGE: [413, 'payload_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_request'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'missing_image'],
  FST_FILES_LIMIT: [400, 'too_many_files'],
  FST_PARTS_LIMIT: [400, 'too_many_parts'],
  FST_FIELDS_LIMIT: [400, 'too_many_parts'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_VALIDATION: [400, 'invalid_request'],
};

/** Maps any thrown error to a status and body; unknown errors are the server's fault (500, details only in logs). */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof PreprocessError) return new HttpError(PREPROCESS_STATUS[err.code], err.code, err.message);
  if (err instanceof QueueFullError) return new HttpError(503, 'overloaded', `${err.message}; retry shortly`);
  const e = err as { code?: string; statusCode?: number; message?: string };
  const known = e.code ? KNOWN[e.code] : undefined;
  if (known) return new HttpError(known[0], known[1], e.message ?? known[1]);
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new HttpError(e.statusCode, 'bad_request', e.message ?? 'bad request');
  return new HttpError(500, 'internal_error', 'internal error');
}

export default fp(async (app) => {
  app.setErrorHandler((err, req, reply) => {
    const http = toHttpError(err);
    if (http.statusCode >= 500 && http.statusCode !== 503) req.log.error({ err }, 'unhandled error');
    else req.log.info({ code: http.code, status: http.statusCode }, http.message);
    // Overload is temporary: tell clients and load balancers when to come back rather than letting them hammer us.
    if (http.statusCode === 503) reply.header('retry-after', '1');
    return reply.status(http.statusCode).send(errorBody(http.code, http.message));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send(errorBody('not_found', `no route for ${req.method} ${req.url.split('?')[0]}`)),
  );
}, { name: 'errors' });
