// Connected components of the ink (8-connected), over runs rather than pixels: one pass finds each row's runs of stroke
// pixels and joins each to the runs above it that it touches (a union-find over runs), a second resolves the runs to
// components in the order their first pixel comes in reading order, measures them and tags each run with its component.
// A line of writing has a few runs per digit per row, so the union-find does a few operations per row instead of per
// pixel (docs/performance.md). No per-pixel label map is made: the reader only needs other components' strokes inside a
// unit's box, which their runs give without filling a map of the whole page.
import type { Box } from './box.js';
import { kernelBytes, kernels, WASM_MAX_BYTES } from './wasm-kernels.js';

/** A component's box, in the ink page's coordinates. */
export interface Component extends Box {
  /** Pixels at or above the threshold. */
  area: number;
}

/** Stroke runs in reading order (by row, then column): run r is columns [start[r], end[r]) of row row[r], part of
 * component component[r]. The arrays may be longer than `count`. Component c's runs, in reading order, are
 * byComponent[firstOf[c]] up to byComponent[firstOf[c + 1]]. */
export interface StrokeRuns {
  count: number;
  row: Int32Array;
  start: Int32Array;
  end: Int32Array;
  component: Int32Array;
  byComponent: Int32Array;
  firstOf: Int32Array;
}

export interface Labelled {
  runs: StrokeRuns;
  components: Component[];
  /** The level from which a pixel is a stroke, in a component. */
  threshold: number;
}

export function connectedComponents(data: Uint8Array, width: number, height: number, threshold: number): Labelled {
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > 255) throw new RangeError(`threshold ${threshold} is not 1..255`);
  const runs = new Runs();
  // The runs are found by the WebAssembly kernels (strokeRuns; a JavaScript byte loop costs ~2–5 ns a byte on this VM,
  // and a page is mostly paper), a strip of rows at a time so that their list stays within RUNS_PER_STRIP.
  const perRow = (width >> 1) + 1;
  const strip = Math.max(1, Math.floor(RUNS_PER_STRIP / perRow));
  const at = kernels.heapBase();
  const runsAt = at + Math.ceil(data.length / 4) * 4;
  const endsAt = runsAt + 8 * strip * perRow;
  if (endsAt + 4 * strip > WASM_MAX_BYTES) throw new RangeError(`a ${width}×${height} page is larger than the reader's pages`);
  const memory = kernelBytes(endsAt + 4 * strip);
  memory.set(data, at);
  const found = new Int32Array(memory.buffer, runsAt, 2 * strip * perRow);
  const ends = new Int32Array(memory.buffer, endsAt, strip);
  let above = 0; // the first run of the row above
  for (let top = 0; top < height; top += strip) {
    const rows = Math.min(strip, height - top);
    kernels.strokeRuns(at + top * width, width, rows, threshold, runsAt, endsAt);
    for (let y = 0, k = 0; y < rows; y++) {
      const first = runs.count;
      for (; k < ends[y]; k++) {
        const start = found[2 * k];
        const x = found[2 * k + 1];
        const r = runs.add(top + y, start, x);
        // Runs above that share a column or touch at a corner: those ending at or after start − 1 and starting at or
        // before x (this run's last pixel + 1). The row above is sorted, so skip those that end too far left.
        while (above < first && runs.end[above] < start) above++;
        for (let a = above; a < first && runs.start[a] <= x; a++) runs.union(a, r);
      }
      above = first;
    }
  }
  const index = new Int32Array(runs.count).fill(-1);
  runs.component = new Int32Array(runs.count);
  const components: Component[] = [];
  for (let r = 0; r < runs.count; r++) {
    const root = runs.find(r);
    const y = runs.row[r];
    const start = runs.start[r];
    const end = runs.end[r];
    let c = index[root];
    if (c < 0) {
      c = index[root] = components.length;
      components.push({ x: start, y, width: end - start, height: 1, area: 0 });
    }
    const comp = components[c];
    const right = Math.max(comp.x + comp.width, end);
    if (start < comp.x) comp.x = start;
    comp.width = right - comp.x;
    comp.height = y + 1 - comp.y;
    comp.area += end - start;
    runs.component[r] = c;
  }
  runs.group(components.length);
  return { runs, components, threshold };
}

/** Per pixel of a width × height page: the index of its component, or -1 below the threshold (for checks and
 * pictures of the components; the reader works from the runs). */
export function labelsOf({ runs }: Labelled, width: number, height: number): Int32Array {
  const labels = new Int32Array(width * height).fill(-1);
  for (let r = 0; r < runs.count; r++) {
    const row = runs.row[r] * width;
    labels.fill(runs.component[r], row + runs.start[r], row + runs.end[r]);
  }
  return labels;
}

/** At most this many runs are listed at once in the kernels' memory (512 KB). */
const RUNS_PER_STRIP = 65_536;

/** Runs [start, end) of row `row`, in reading order, with a union-find over them (parent[a] === a for a root). */
class Runs implements StrokeRuns {
  count = 0;
  row = new Int32Array(256);
  start = new Int32Array(256);
  end = new Int32Array(256);
  parent = new Int32Array(256);
  /** Set once every run is listed, when they are resolved to components, and grouped by them. */
  component = new Int32Array(0);
  byComponent = new Int32Array(0);
  firstOf = new Int32Array(1);

  add(row: number, start: number, end: number): number {
    if (this.count === this.row.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(2 * a.length);
        b.set(a);
        return b;
      };
      [this.row, this.start, this.end, this.parent] = [grow(this.row), grow(this.start), grow(this.end), grow(this.parent)];
    }
    const r = this.count++;
    this.row[r] = row;
    this.start[r] = start;
    this.end[r] = end;
    this.parent[r] = r;
    return r;
  }

  /** Lists each component's runs together (a counting sort by component, stable: reading order within each). */
  group(components: number): void {
    const firstOf = (this.firstOf = new Int32Array(components + 1));
    for (let r = 0; r < this.count; r++) firstOf[this.component[r] + 1]++;
    for (let c = 0; c < components; c++) firstOf[c + 1] += firstOf[c];
    const next = firstOf.slice(0, components);
    const byComponent = (this.byComponent = new Int32Array(this.count));
    for (let r = 0; r < this.count; r++) byComponent[next[this.component[r]]++] = r;
  }

  find(a: number): number {
    const parent = this.parent;
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra < rb) this.parent[rb] = ra;
    else if (rb < ra) this.parent[ra] = rb;
  }
}
