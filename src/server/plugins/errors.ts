// One error shape for everything: { error: { code, message } }. Client mistakes are 4xx; only our bugs are 500. This is
// the one place where an error's code gets its HTTP status.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { QueueFullError } from '../../imaging/errors.js';
import { errorBody, HttpError, IMAGE_CONTENT_TYPES } from '../errors.js';
import { PreprocessError, type PreprocessErrorCode } from '../../imaging/index.js';
import { RouteMethods } from '../route-methods.js';

const PREPROCESS_STATUS: Record<PreprocessErrorCode, number> = {
  missing_image: 400,
  invalid_image: 400,
  unsupported_image_format: 415,
  image_too_large: 413,
  no_digit_found: 422,
  too_many_digits: 422,
  picture_too_complex: 422,
  length_not_read: 422,
};

const SEND_AN_IMAGE = `send the image as the body with Content-Type ${IMAGE_CONTENT_TYPES}, or as multipart/form-data field "image"`;
const tooLarge = (bodyLimit: number) =>
  `the body is larger than ${bodyLimit} bytes (${(bodyLimit / 1024 ** 2).toFixed(1)} MiB), the service's limit (BODY_LIMIT_BYTES); send a smaller picture`;

// Fastify's and @fastify/multipart's own client errors, with our codes and our words (their text goes to the debug log).
const KNOWN: Record<string, [number, string, (bodyLimit: number) => string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large', tooLarge],
  FST_REQ_FILE_TOO_LARGE: [413, 'payload_too_large', tooLarge],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', () => `this Content-Type is not accepted here; ${SEND_AN_IMAGE}`],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    400,
    'bad_request',
    () => 'the Content-Length header does not match the body; send the request again',
  ],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'missing_image', () => `the request has no image; ${SEND_AN_IMAGE}`],
  FST_FILES_LIMIT: [400, 'too_many_files', () => 'send one image per request'],
  FST_PARTS_LIMIT: [400, 'too_many_parts', () => 'the multipart form has too many parts; send only the field "image"'],
  FST_FIELDS_LIMIT: [400, 'too_many_parts', () => 'the multipart form has too many fields; send only the field "image"'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'unsupported_media_type', () => `the body is not multipart/form-data; ${SEND_AN_IMAGE}`],
};

const OTHER_4XX: Record<number, [string, string]> = {
  403: ['forbidden', 'this path may not be read; GET / for the page, GET /openapi.yaml for the routes'],
  404: ['not_found', 'no such file; GET / for the page, GET /openapi.yaml for the routes'],
};

/**
 * Maps any thrown error to a status and body; unknown errors are the server's fault (500, details only in logs).
 * bodyLimit is BODY_LIMIT_BYTES, for the 413's message.
 */
export function toHttpError(err: unknown, bodyLimit = 0): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof PreprocessError) return new HttpError(PREPROCESS_STATUS[err.code], err.code, err.message, { cause: err.cause });
  if (err instanceof QueueFullError) return new HttpError(503, 'overloaded', `${err.message}; retry shortly`);
  const e = err as { code?: string; statusCode?: number; message?: string };
  const known = e.code ? KNOWN[e.code] : undefined;
  if (known) return new HttpError(known[0], known[1], known[2](bodyLimit), { cause: err });
  // Our own route schemas' words ("querystring/debug must be equal to one of the allowed values"), naming the values.
  if (e.code === 'FST_ERR_VALIDATION') return new HttpError(400, 'invalid_request', `${e.message}${allowedValues(err)}; see /docs`);
  // Another library's client error (@fastify/static refusing a path outside the page's files): its status, our words.
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    const [code, message] = OTHER_4XX[e.statusCode] ?? [
      'bad_request',
      `the request was refused (${STATUS_CODES[e.statusCode] ?? e.statusCode})`,
    ];
    return new HttpError(e.statusCode, code, message, { cause: err });
  }
  return new HttpError(500, 'internal_error', 'internal error');
}

/** " (0, 1, true, false)" for a value outside a schema's enum: ajv's message says only "one of the allowed values". */
function allowedValues(err: unknown): string {
  const { validation } = err as { validation?: Array<{ params?: { allowedValues?: unknown[] } }> };
  const values = validation?.flatMap((v) => v.params?.allowedValues ?? []) ?? [];
  return values.length ? ` (${values.join(', ')})` : '';
}

/** Fastify's errors before routing (a URL that does not decode, such as /%ff): our shape instead of Fastify's. */
export function frameworkErrors(err: Error, _req: FastifyRequest, reply: FastifyReply): void {
  const http = toHttpError(err);
  void reply.status(http.statusCode).send(errorBody(http.code === 'internal_error' ? 'bad_request' : http.code, err.message));
}

/** Requests Node's HTTP parser refuses (Content-Length: abc, headers too large, too slow): our shape, then close. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const [status, code] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large']
        : [400, 'bad_request'];
  const body = JSON.stringify(
    errorBody(code, `the request could not be read (${err.code ?? err.message}); send a well-formed HTTP request`),
  );
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export default fp(
  async (app) => {
    app.setErrorHandler((err, req, reply) => {
      const http = toHttpError(err, app.config.BODY_LIMIT_BYTES);
      if (http.statusCode >= 500 && http.statusCode !== 503) req.log.error({ err }, 'unhandled error');
      else req.log.info({ code: http.code, status: http.statusCode }, http.message);
      if (http.cause !== undefined)
        req.log.debug({ code: http.code, cause: String((http.cause as Error).message ?? http.cause) }, 'what the library said');
      // Overload is temporary: tell clients and load balancers when to come back rather than letting them hammer us.
      if (http.statusCode === 503) reply.header('retry-after', '1');
      return reply.status(http.statusCode).send(errorBody(http.code, http.message));
    });
    // A URL no route answers is answered as soon as its headers are in, before any body is read (a body sent with it is
    // never read: body-budget closes the connection); one that exists under other methods gets 405 and Allow.
    const routes = new RouteMethods();
    app.addHook('onRoute', (route) => routes.add(route.url, route.method));
    const notFound = (req: FastifyRequest, reply: FastifyReply) => {
      const path = req.url.split('?')[0];
      const allowed = routes.allowed(path);
      if (allowed.length === 0)
        return reply.status(404).send(errorBody('not_found', `no route for ${req.method} ${path}; GET /openapi.yaml lists the routes`));
      return reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send(
          errorBody(
            'method_not_allowed',
            `${req.method} is not allowed on ${path}; use ${allowed.filter((m) => m !== 'HEAD').join(' or ')}`,
          ),
        );
    };
    app.addHook('onRequest', async (req, reply) => {
      if (req.is404) return notFound(req, reply);
    });
    app.setNotFoundHandler(notFound);
  },
  { name: 'errors' },
);
