// One writing unit's own ink, for cutting candidates out of it: its strokes and the faint pixels around strokes, without
// its neighbours' strokes that reach into its box. Made once per unit, so that each candidate between two cuts costs a
// look at its columns and a copy of its box, not a pass over the whole unit with a label lookup per pixel: a wide unit
// has dozens of candidates (docs/performance.md). The pass over the unit's pixels runs in the WebAssembly kernels
// (assembly/png-rows.ts, columnInk); neighbours' strokes inside its box are cleared first, run by run.
import type { InkMap } from './mnist-normalise.js';
import { kernelBytes, kernels, WASM_MAX_BYTES } from './wasm-kernels.js';
import type { Labelled } from './components.js';
import type { UnitPixels } from '../reader/gap-cuts.js';
import type { Unit } from '../reader/segment.js';

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

  /** `labelled` are the page's components, `unitOf` each component's unit, `u` this unit's index. */
  constructor(page: InkMap, { runs, components, threshold }: Labelled, unitOf: Int32Array, u: number, unit: Unit) {
    const width = (this.#width = unit.right - unit.left);
    const height = unit.bottom - unit.top;
    this.#left = unit.left;
    this.#top = unit.top;
    // In the kernels' memory: the page's rows the unit spans (and 16 bytes the kernel may read past them), the unit's
    // own box, then the five column arrays.
    const { data, width: pageWidth } = page;
    const columns = Math.ceil(width / 16) * 16;
    const rows = kernels.heapBase();
    const boxAt = rows + height * pageWidth + 16;
    const out = Math.ceil((boxAt + width * height) / 16) * 16;
    const end = out + 20 * columns;
    if (height >= 32_768 || end > WASM_MAX_BYTES) throw new RangeError(`a unit of ${width}×${height} pixels is larger than the reader's pages`);
    const memory = kernelBytes(end);
    memory.set(data.subarray(unit.top * pageWidth, unit.bottom * pageWidth), rows);
    memory.fill(0, boxAt - 16, boxAt);
    // Other units' strokes (and dropped specks) reaching into the box are not this unit's ink.
    components.forEach((c, index) => {
      if (unitOf[index] === u || c.right <= unit.left || c.left >= unit.right || c.bottom <= unit.top || c.top >= unit.bottom) return;
      for (let k = runs.firstOf[index]; k < runs.firstOf[index + 1]; k++) {
        const r = runs.byComponent[k];
        const y = runs.row[r];
        const from = Math.max(runs.start[r], unit.left);
        const to = Math.min(runs.end[r], unit.right);
        const line = rows + (y - unit.top) * pageWidth;
        if (y >= unit.top && y < unit.bottom && from < to) memory.fill(0, line + from, line + to);
      }
    });
    kernels.columnInk(rows + unit.left, pageWidth, width, height, threshold, boxAt, out);
    this.#mine = memory.slice(boxAt, boxAt + width * height);
    // The kernel counts rows from the box's top; these are the page's.
    const found = new Int32Array(memory.buffer, out, 5 * columns);
    const column = (k: number, shift: number) => {
      const a = new Int32Array(width);
      for (let x = 0; x < width; x++) a[x] = found[k * columns + x] + shift;
      return a;
    };
    this.strokes = column(0, 0);
    this.strokeTop = column(1, unit.top);
    this.strokeBottom = column(2, unit.top);
    this.#first = column(3, unit.top);
    this.#last = column(4, unit.top);
    const before = (this.#strokesBefore = new Int32Array(width + 1));
    for (let x = 0; x < width; x++) before[x + 1] = before[x] + this.strokes[x];
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
