// Client-facing errors: every one is JSON { error: { code, message } } with a 4xx status, never a 500 for a client's fault.
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    options?: ErrorOptions, // cause: what a library said, for the debug log only
  ) {
    super(message, options);
  }
}

export const errorBody = (code: string, message: string) => ({ error: { code, message } });

const SEND_AN_IMAGE = 'send the image as the body with Content-Type image/png, image/jpeg or image/webp, or as multipart/form-data field "image"';
const tooLarge = (bodyLimit: number) =>
  `the body is larger than ${bodyLimit} bytes (${(bodyLimit / 1024 ** 2).toFixed(1)} MiB), the service's limit (BODY_LIMIT_BYTES); send a smaller picture`;

// Fastify's and @fastify/multipart's own client errors, with our codes and our words (their text goes to the debug log).
const KNOWN: Record<string, [number, string, (bodyLimit: number) => string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large', tooLarge],
  FST_REQ_FILE_TOO_LARGE: [413, 'payload_too_large', tooLarge],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', () => `this Content-Type is not accepted here; ${SEND_AN_IMAGE}`],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_request', () => 'the Content-Length header does not match the body; send the request again'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'missing_image', () => `the request has no image; ${SEND_AN_IMAGE}`],
  FST_FILES_LIMIT: [400, 'too_many_files', () => 'send one image per request'],
  FST_PARTS_LIMIT: [400, 'too_many_parts', () => 'the multipart form has too many parts; send only the field "image"'],
  FST_FIELDS_LIMIT: [400, 'too_many_parts', () => 'the multipart form has too many fields; send only the field "image"'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'unsupported_media_type', () => `the body is not multipart/form-data; ${SEND_AN_IMAGE}`],
};

/**
 * Maps any thrown error to a status and body; unknown errors are the server's fault (500, details only in logs).
 * bodyLimit is BODY_LIMIT_BYTES, for the 413's message.
 */
export function toHttpError(err: unknown, bodyLimit = 0): HttpError {
  if (err instanceof HttpError) return err;
  const e = err as { code?: string; statusCode?: number; message?: string };
  const known = e.code ? KNOWN[e.code] : undefined;
  if (known) return new HttpError(known[0], known[1], known[2](bodyLimit), { cause: err });
  // Our own route schemas' words ("querystring/debug must be ...").
  if (e.code === 'FST_ERR_VALIDATION') return new HttpError(400, 'invalid_request', `${e.message}; see GET /openapi.yaml`);
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new HttpError(e.statusCode, 'bad_request', e.message ?? 'bad request');
  return new HttpError(500, 'internal_error', 'internal error');
}
