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
