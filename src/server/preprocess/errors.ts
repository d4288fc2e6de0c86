// What can be wrong with a picture, in preprocessing's own words: a stable code and a sentence. Preprocessing knows
// nothing of HTTP; the errors plugin turns a code into a status, the predict CLI prints it.

export type PreprocessErrorCode = 'missing_image' | 'invalid_image' | 'unsupported_image_format' | 'image_too_large' | 'no_digit_found';

export class PreprocessError extends Error {
  constructor(
    readonly code: PreprocessErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PreprocessError';
  }

  /** Classes do not survive a worker thread's boundary: errors cross it as this. */
  toData(): PreprocessErrorData {
    return { code: this.code, message: this.message };
  }

  static fromData({ code, message }: PreprocessErrorData): PreprocessError {
    return new PreprocessError(code, message);
  }
}

export interface PreprocessErrorData {
  code: PreprocessErrorCode;
  message: string;
}

/** The one place a decoder library's complaint (sharp, pngjs) is read: what it says becomes one of our codes. */
export function decodeFailure(err: unknown, maxPixels?: number): PreprocessError {
  const message = (err as Error).message;
  if (/unsupported image format/i.test(message)) {
    return new PreprocessError('unsupported_image_format', 'the body is not an image in a supported format (PNG, JPEG, WebP, GIF, TIFF, AVIF, SVG)');
  }
  if (maxPixels !== undefined && /pixel limit/i.test(message)) return new PreprocessError('image_too_large', `the image has more than ${maxPixels} pixels`);
  return new PreprocessError('invalid_image', `the image could not be decoded: ${message}`);
}
