// Client-facing errors: every one is JSON { error: { code, message } } with a 4xx status, never a 500 for a client's fault.
// The HTTP layer throws HttpError; everything else throws its own errors, which plugins/errors.ts maps to a status.
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

/** The Content-Types an image may come as: every format the service reads, told from the bytes themselves, so
 * application/octet-stream (what generic clients send for raw bytes) is taken too. */
export const IMAGE_CONTENT_TYPES = 'image/png, image/jpeg, image/webp, image/gif, image/tiff, image/avif or application/octet-stream';
