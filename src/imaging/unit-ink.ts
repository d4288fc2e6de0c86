// One writing unit's own ink, for cutting candidates out of it: its strokes and the faint pixels around strokes, without
// its neighbours' strokes that reach into its box. Made once per unit, so that each candidate between two cuts costs a
// look at its columns and a copy of its box, not a pass over the whole unit with a label lookup per pixel: a wide unit
// has dozens of candidates (docs/performance.md). The pass over the unit's pixels runs in the WebAssembly kernels
// (assembly/strokes.ts, columnInk); neighbours' strokes inside its box are cleared first, run by run.
import { bottom, right, type Box } from './box.js';
import type { Labelled } from './components.js';
import type { InkMap } from './mnist-normalise.js';
import { kernelBytes, kernels, WASM_MAX_BYTES } from './wasm-kernels.js';

/** Where some of a unit's ink is (page coordinates; no box when there is none) and how many of its pixels are strokes
 * (in a component), not faint edge pixels. */
export interface InkMeasure {
  box?: Box;
  strokes: number;
}

/** A unit's own ink: its box of the page, other units' strokes zeroed. */
export interface UnitPixels extends Box {
  data: Uint8Array;
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

  /** `labelled` are the page's components, `mine` says which of them are the unit's, `unit` is its box. */
  constructor(page: InkMap, { runs, components, threshold }: Labelled, mine: (component: number) => boolean, unit: Box) {
    const { width, height } = unit;
    this.#width = width;
    this.#left = unit.x;
    this.#top = unit.y;
    // In the kernels' memory: the page's rows the unit spans (and 16 bytes the kernel may read past them), the unit's
    // own box, then the five column arrays.
    const { data, width: pageWidth } = page;
    const columns = Math.ceil(width / 16) * 16;
    const rows = kernels.heapBase();
    const boxAt = rows + height * pageWidth + 16;
    const out = Math.ceil((boxAt + width * height) / 16) * 16;
    const end = out + 20 * columns;
    if (height >= 32_768 || end > WASM_MAX_BYTES) {
      throw new RangeError(`a unit of ${width}×${height} pixels is larger than the reader's pages`);
    }
    const memory = kernelBytes(end);
    memory.set(data.subarray(unit.y * pageWidth, bottom(unit) * pageWidth), rows);
    memory.fill(0, boxAt - 16, boxAt);
    // Other units' strokes (and dropped specks) reaching into the box are not this unit's ink.
    components.forEach((c, index) => {
      if (mine(index) || right(c) <= unit.x || c.x >= right(unit) || bottom(c) <= unit.y || c.y >= bottom(unit)) return;
      for (let k = runs.firstOf[index]; k < runs.firstOf[index + 1]; k++) {
        const r = runs.byComponent[k];
        const y = runs.row[r];
        const from = Math.max(runs.start[r], unit.x);
        const to = Math.min(runs.end[r], right(unit));
        const line = rows + (y - unit.y) * pageWidth;
        if (y >= unit.y && y < bottom(unit) && from < to) memory.fill(0, line + from, line + to);
      }
    });
    kernels.columnInk(rows + unit.x, pageWidth, width, height, threshold, boxAt, out);
    this.#mine = memory.slice(boxAt, boxAt + width * height);
    // The kernel counts rows from the box's top; these are the page's.
    const found = new Int32Array(memory.buffer, out, 5 * columns);
    const column = (k: number, shift: number) => {
      const a = new Int32Array(width);
      for (let x = 0; x < width; x++) a[x] = found[k * columns + x] + shift;
      return a;
    };
    this.strokes = column(0, 0);
    this.strokeTop = column(1, unit.y);
    this.strokeBottom = column(2, unit.y);
    this.#first = column(3, unit.y);
    this.#last = column(4, unit.y);
    const before = (this.#strokesBefore = new Int32Array(width + 1));
    for (let x = 0; x < width; x++) before[x + 1] = before[x] + this.strokes[x];
  }

  /** The unit's own ink, for cuts that are not columns (gap-cuts.ts). */
  get pixels(): UnitPixels {
    return { data: this.#mine, x: this.#left, y: this.#top, width: this.#width, height: this.#mine.length / this.#width };
  }

  /** The ink box and stroke count of columns [left, right) (page coordinates, inside the unit). */
  measure(left: number, right: number): InkMeasure {
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
    const strokes = this.#strokesBefore[to] - this.#strokesBefore[from];
    return x1 < x0 ? { strokes } : { box: { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 }, strokes };
  }

  /** The unit's own ink inside a box from `measure`, as a width × height map. */
  crop({ x: x0, y: y0, width: w, height: h }: Box): Uint8Array {
    const out = new Uint8Array(w * h);
    const mine = this.#mine;
    for (let y = 0; y < h; y++) {
      const from = (y0 - this.#top + y) * this.#width + (x0 - this.#left);
      for (let x = 0; x < w; x++) out[y * w + x] = mine[from + x];
    }
    return out;
  }
}
