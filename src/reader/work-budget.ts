// The work one picture may cost the reader, counted in pixels visited (deterministic, unlike a clock on a shared
// machine): finding its ink, cutting and measuring candidates. A picture that runs out is refused with 422 rather than
// holding a thread for seconds, whatever it shows.
import { PreprocessError } from '../imaging/errors.js';

/** Thrown by a reading tried on the event loop once it needs more than its share there: start it over on a pool thread. */
export class NotForTheEventLoop extends Error {
  constructor(readonly pixels: number) {
    super(`the reading needs more than ${pixels} pixels of work, more than the event loop gives one picture`);
  }
}

export class WorkBudget {
  #left: number;
  #onTheLoopLeft: number;

  /** `onTheLoop`: for a reading on the event loop, the work (of any kind, `spend` and `visit` alike) after which it
   * gives up with NotForTheEventLoop, to be read again from the start where a long reading holds no one up. */
  constructor(
    readonly pixels: number,
    readonly onTheLoop = Number.POSITIVE_INFINITY,
  ) {
    this.#left = pixels;
    this.#onTheLoopLeft = onTheLoop;
  }

  /** Counts `pixels` of work, before doing it; throws picture_too_complex once the budget is spent. */
  spend(pixels: number): void {
    this.visit(pixels);
    if ((this.#left -= pixels) < 0) {
      throw new PreprocessError(
        'picture_too_complex',
        `the picture needs more work than the reader gives one picture (READ_WORK_PIXELS ${this.pixels}); send a picture of one line of digits, cropped close`,
      );
    }
  }

  /** Throws NotForTheEventLoop now if `pixels` more would not fit in the event loop's share; counts nothing. */
  ahead(pixels: number): void {
    if (pixels > this.#onTheLoopLeft) throw new NotForTheEventLoop(this.onTheLoop);
  }

  /** Counts work that has a bound of its own (the second look's GAP_PIXELS) against the event loop's share only. */
  visit(pixels: number): void {
    if ((this.#onTheLoopLeft -= pixels) < 0) throw new NotForTheEventLoop(this.onTheLoop);
  }
}

/** No limit: scripts and tests that read their own pictures. */
export const unlimited = () => new WorkBudget(Number.POSITIVE_INFINITY);
