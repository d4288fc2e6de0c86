// The work one picture may cost the reader, counted in pixels visited (deterministic, unlike a clock on a shared
// machine): finding its ink, cutting and measuring candidates. A picture that runs out is refused with 422 rather than
// holding a thread for seconds, whatever it shows.
import { PreprocessError } from '../imaging/errors.js';

export class WorkBudget {
  #left: number;

  constructor(readonly pixels: number) {
    this.#left = pixels;
  }

  /** Counts `pixels` of work; throws picture_too_complex once the budget is spent. */
  spend(pixels: number): void {
    if ((this.#left -= pixels) < 0) {
      throw new PreprocessError(
        'picture_too_complex',
        `the picture needs more work than the reader gives one picture (READ_WORK_PIXELS ${this.pixels}); send a picture of one line of digits, cropped close`,
      );
    }
  }
}

/** No limit: scripts and tests that read their own pictures. */
export const unlimited = () => new WorkBudget(Number.POSITIVE_INFINITY);
