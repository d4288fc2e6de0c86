// Client-facing errors: every one is JSON { error: { code, message } } with a 4xx status, never a 500 for a client's fault.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
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

/** Fastify's errors before routing (a URL that does not decode, such as /%ff): our shape instead of Fastify's. */
export function frameworkErrors(err: Error, _req: FastifyRequest, reply: FastifyReply): void {
  const http = toHttpError(err);
  void reply.status(http.statusCode).send(errorBody(http.code === 'internal_error' ? 'bad_request' : http.code, err.message));
}

/** Requests Node's HTTP parser refuses (Content-Length: abc, headers too large, too slow): our shape, then close. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const [status, code] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request_timeout'] : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'headers_too_large'] : [400, 'bad_request'];
  const body = JSON.stringify(errorBody(code, `the request could not be read (${err.code ?? err.message})`));
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
