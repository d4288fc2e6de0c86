// What can be wrong with a picture, in preprocessing's own words: a stable code and a sentence. Preprocessing knows
// nothing of HTTP; the errors plugin turns a code into a status, the predict CLI prints it.

export type PreprocessErrorCode =
  | 'missing_image'
  | 'invalid_image'
  | 'unsupported_image_format'
  | 'image_too_large'
  | 'no_digit_found'
  | 'too_many_digits'
  | 'picture_too_complex'
  | 'length_not_read';

export class PreprocessError extends Error {
  constructor(
    readonly code: PreprocessErrorCode,
    message: string,
    options?: ErrorOptions, // cause: what a library said, for the debug log only
  ) {
    super(message, options);
    this.name = 'PreprocessError';
  }

  /** Classes do not survive a worker thread's boundary: errors cross it as this. */
  toData(): PreprocessErrorData {
    return { code: this.code, message: this.message, cause: (this.cause as Error | undefined)?.message };
  }

  static fromData({ code, message, cause }: PreprocessErrorData): PreprocessError {
    return new PreprocessError(code, message, cause === undefined ? undefined : { cause: new Error(cause) });
  }
}

/** A bounded queue is full (the preprocessing workers' here, the batcher's in the server), as `message` says: the errors
 * plugin answers 503 with Retry-After, whichever queue it was. */
export class QueueFullError extends Error {
  constructor(
    readonly limit: number,
    message: string,
  ) {
    super(message);
  }
}

export interface PreprocessErrorData {
  code: PreprocessErrorCode;
  message: string;
  cause?: string;
}

/** What every limit's message ends with: the limit, the variable that sets it, and what to do. */
export const tooManyPixels = (what: string, maxPixels: number) =>
  `${what}, more than ${maxPixels}, the service's limit (MAX_INPUT_PIXELS); send a smaller picture`;

/** A 415 for a body that is none of the formats read (image-format.ts), whether told from its first bytes or by libvips. */
export const unsupportedFormat = (cause?: unknown) =>
  new PreprocessError(
    'unsupported_image_format',
    'the body is not an image in a supported format; send a PNG, JPEG, WebP, GIF, TIFF or AVIF',
    cause === undefined ? undefined : { cause },
  );

/** The one place a decoder library's complaint (sharp, pngjs) is read: what it says becomes one of our codes. */
export function decodeFailure(err: unknown, maxPixels?: number): PreprocessError {
  const message = (err as Error).message;
  if (/unsupported image format/i.test(message)) {
    return unsupportedFormat(err);
  }
  if (maxPixels !== undefined && /pixel limit/i.test(message)) {
    return new PreprocessError(
      'image_too_large',
      `the image has more than ${maxPixels} pixels, the service's limit (MAX_INPUT_PIXELS); send a smaller picture`,
      { cause: err },
    );
  }
  return new PreprocessError(
    'invalid_image',
    'the image could not be decoded: it is damaged, cut short or not what its format says; send the whole file again',
    { cause: err },
  );
}
