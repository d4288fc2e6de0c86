// Client-facing errors: every one is JSON { error: { code, message } } with a 4xx status, never a 500 for a client's fault.
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const errorBody = (code: string, message: string) => ({ error: { code, message } });

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
  const e = err as { code?: string; statusCode?: number; message?: string };
  const known = e.code ? KNOWN[e.code] : undefined;
  if (known) return new HttpError(known[0], known[1], e.message ?? known[1]);
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new HttpError(e.statusCode, 'bad_request', e.message ?? 'bad request');
  return new HttpError(500, 'internal_error', 'internal error');
}
