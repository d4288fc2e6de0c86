// One writing unit's own ink, for cutting candidates out of it: its strokes and the faint pixels around strokes, without
// its neighbours' strokes that reach into its box. Made once per unit, so that each candidate between two cuts costs a
// look at its columns and a copy of its box, not a pass over the whole unit with a label lookup per pixel: a wide unit
// has dozens of candidates (docs/performance.md).
import type { InkMap } from '../preprocess/mnist-normalise.js';
import type { UnitPixels } from './gap-cuts.js';
import type { Unit } from './segment.js';

/** The ink box of some columns of a unit (inclusive, page coordinates; x1 < x0 when they hold no ink) and how many
 * of their pixels are strokes (in a component), not faint edge pixels. */
export interface InkBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  strokes: number;
}

export class UnitInk {
  readonly #left: number;
  readonly #top: number;
  readonly #width: number;
  /** The unit's box of the page, with other units' strokes zeroed. */
  readonly #mine: Uint8Array;
  /** Stroke pixels in the unit's columns before column x (x from the unit's left), x = 0..width. */
  readonly #strokesBefore: Int32Array;
  /** Per column: the first and last row (page coordinates) with ink of this unit; first > last when there is none. */
  readonly #first: Int32Array;
  readonly #last: Int32Array;
  /** Per column, over the unit's strokes only (its components, not the faint pixels): how many, and the rows of the
   * first and of one past the last (unit.bottom and unit.top when the column has none), for choosing cuts. */
  readonly strokes: Int32Array;
  readonly strokeTop: Int32Array;
  readonly strokeBottom: Int32Array;

  /** `labels` are the page's components, `unitOf` each component's unit, `u` this unit's index. */
  constructor(page: InkMap, labels: Int32Array, unitOf: Int32Array, u: number, unit: Unit) {
    const width = (this.#width = unit.right - unit.left);
    const height = unit.bottom - unit.top;
    this.#left = unit.left;
    this.#top = unit.top;
    const mine = (this.#mine = new Uint8Array(width * height));
    const strokes = (this.strokes = new Int32Array(width));
    const strokeTop = (this.strokeTop = new Int32Array(width).fill(unit.bottom));
    const strokeBottom = (this.strokeBottom = new Int32Array(width).fill(unit.top));
    const first = (this.#first = new Int32Array(width).fill(unit.bottom));
    const last = (this.#last = new Int32Array(width).fill(unit.top - 1));
    const { data, width: pageWidth } = page;
    // Rows top to bottom: a column's first ink (or stroke) is the first one met.
    for (let y = 0, row = unit.top; y < height; y++, row++) {
      const from = row * pageWidth + unit.left;
      const to = y * width;
      for (let x = 0; x < width; x++) {
        const v = data[from + x];
        if (v === 0) continue;
        const l = labels[from + x];
        if (l >= 0) {
          if (unitOf[l] !== u) continue;
          if (strokes[x]++ === 0) strokeTop[x] = row;
          strokeBottom[x] = row + 1;
        }
        mine[to + x] = v;
        if (last[x] < unit.top) first[x] = row;
        last[x] = row;
      }
    }
    const before = (this.#strokesBefore = new Int32Array(width + 1));
    for (let x = 0; x < width; x++) before[x + 1] = before[x] + strokes[x];
  }

  /** The unit's own ink, for cuts that are not columns (gap-cuts.ts). */
  get pixels(): UnitPixels {
    return { data: this.#mine, width: this.#width, height: this.#mine.length / this.#width, left: this.#left, top: this.#top };
  }

  /** The ink box and stroke count of columns [left, right) (page coordinates, inside the unit). */
  measure(left: number, right: number): InkBox {
    const from = left - this.#left;
    const to = right - this.#left;
    let [x0, y0, x1, y1] = [right, Infinity, left - 1, -Infinity];
    for (let x = from; x < to; x++) {
      if (this.#first[x] > this.#last[x]) continue;
      if (x1 < x0) x0 = x + this.#left; // the first column with ink
      x1 = x + this.#left;
      if (this.#first[x] < y0) y0 = this.#first[x];
      if (this.#last[x] > y1) y1 = this.#last[x];
    }
    return { x0, y0, x1, y1, strokes: this.#strokesBefore[to] - this.#strokesBefore[from] };
  }

  /** The unit's own ink inside a box from `measure`, as a (x1 − x0 + 1) × (y1 − y0 + 1) map. */
  crop({ x0, y0, x1, y1 }: InkBox): Uint8Array {
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    const out = new Uint8Array(w * h);
    const mine = this.#mine;
    for (let y = 0; y < h; y++) {
      const from = (y0 - this.#top + y) * this.#width + (x0 - this.#left);
      for (let x = 0; x < w; x++) out[y * w + x] = mine[from + x];
    }
    return out;
  }
}
