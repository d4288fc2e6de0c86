// A sheet photographed on a desk: the desk round the sheet is not ink. Polarity is read from the picture's outer ring,
// which there is the desk, darker than the paper: a dark desk made the sheet itself "ink", a lighter one left its edges
// as bands of ink that the line's box took in (docs/performance.md, "A sheet on a desk"). The desk is told from writing
// by its breadth: it borders the picture, and it is far wider than any stroke (a morphological opening keeps it and
// drops strokes, even strokes cut by the picture's edge, which a first eraser took for the desk).
import type { Grey } from './mnist-normalise.js';

/** The desk must be at least this much darker than the paper (grey levels) for a page to be looked at. */
const DESK_CONTRAST = 30;
/** The opening's radius, as a share of the picture's shorter side: the desk is wider than twice this (and one pixel);
 * writing is narrower. */
const BREADTH = 0.025;
/** The desk's broad part meets at least this share of the picture's outer ring. */
const MIN_CONTACT = 0.25;
/** Pixels this far beyond the desk (its blurred edge against the sheet) go with it. */
const EDGE = 2;

/** `grey` with the desk round a photographed sheet set to the paper's level, in place; the picture as it was when its
 * outer ring is not darker than its paper. A canvas (alpha is ink) has no desk. */
export function withoutDesk(grey: Grey): Grey {
  const { data, width, height } = grey;
  if (grey.alphaIsInk || width < 16 || height < 16) return grey;
  const paper = medianOf(data, () => true, data.length);
  const ring = ringMedian(grey);
  if (paper - ring < DESK_CONTRAST) return grey;
  const { label, mask } = bordering(data, width, height, (paper + ring) / 2);
  const radius = Math.max(2, Math.round(BREADTH * Math.min(width, height)));
  const broad = opened(mask, width, height, radius);
  // The desk surrounds the sheet: its broad part meets much of the picture's edge. Bold writing cut by a tight crop's
  // edge is broad only here and there.
  let contact = 0;
  forEachOnRing(width, height, (i) => (contact += broad[i]));
  if (contact < MIN_CONTACT * (2 * width + 2 * height - 4)) return grey;
  // The whole of each dark region that is broad somewhere: its thin parts too (a sliver of desk along an edge).
  const desks = new Set<number>();
  for (let i = 0; i < broad.length; i++) if (broad[i]) desks.add(label[i]);
  const desk = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) if (label[i] > 0 && desks.has(label[i])) desk[i] = 1;
  fillFromSheet(data, width, rim(grow(desk, width, height, EDGE), data, width, height, paper - DESK_CONTRAST / 2, radius));
  let [lo, hi] = [255, 0];
  for (let i = 0; i < data.length; i++) {
    if (data[i] < lo) lo = data[i];
    if (data[i] > hi) hi = data[i];
  }
  return Object.assign(grey, { lo, hi });
}

/** Calls `visit` with each pixel of the outermost ring once. */
function forEachOnRing(width: number, height: number, visit: (i: number) => void) {
  for (let x = 0; x < width; x++) {
    visit(x);
    visit((height - 1) * width + x);
  }
  for (let y = 1; y < height - 1; y++) {
    visit(y * width);
    visit(y * width + width - 1);
  }
}

/** Each desk pixel takes the level of the sheet next to it, spread outward from the sheet's edge (each pixel the mean
 * of its neighbours already filled): a constant level would leave a step where the sheet's own light differs from it,
 * and even light would take the step for ink. */
function fillFromSheet(data: Uint8Array, width: number, desk: Uint8Array) {
  const filled = Uint8Array.from(desk, (d) => 1 - d);
  let front: number[] = [];
  const neighbours = (i: number) => {
    const x = i % width;
    return [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i - width, i + width].filter((j) => j >= 0 && j < data.length);
  };
  const queued = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++)
    if (desk[i] && neighbours(i).some((j) => filled[j])) {
      queued[i] = 1;
      front.push(i);
    }
  while (front.length > 0) {
    const next: number[] = [];
    const levels = front.map((i) => {
      let [sum, n] = [0, 0];
      for (const j of neighbours(i)) if (filled[j]) [sum, n] = [sum + data[j], n + 1];
      return Math.round(sum / n);
    });
    front.forEach((i, k) => {
      data[i] = levels[k];
      filled[i] = 1;
    });
    for (const i of front)
      for (const j of neighbours(i))
        if (!filled[j] && desk[j] && !queued[j]) {
          queued[j] = 1;
          next.push(j);
        }
    front = next;
  }
}

/** The median of the picture's levels where `where(i)`, over `count` pixels. */
function medianOf(data: Uint8Array, where: (i: number) => boolean, count: number): number {
  const counts = new Uint32Array(256);
  for (let i = 0; i < data.length; i++) if (where(i)) counts[data[i]]++;
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += counts[v];
    if (seen > count / 2) return v;
  }
  return 255;
}

/** The median level of the outermost ring of pixels. */
function ringMedian({ data, width, height }: Grey): number {
  const onRing = (i: number) => {
    const x = i % width;
    return i < width || i >= (height - 1) * width || x === 0 || x === width - 1;
  };
  return medianOf(data, onRing, 2 * width + 2 * height - 4);
}

/** The pixels darker than `dark` joined (4-connected) to the picture's outer ring through pixels darker than it
 * (`mask`), and which such region each is (`label`, from 1; 0 elsewhere). */
function bordering(data: Uint8Array, width: number, height: number, dark: number): { label: Int32Array; mask: Uint8Array } {
  const label = new Int32Array(width * height);
  const mask = new Uint8Array(width * height);
  const stack: number[] = [];
  let regions = 0;
  const visit = (i: number, region: number) => {
    if (!mask[i] && data[i] < dark) {
      mask[i] = 1;
      label[i] = region;
      stack.push(i);
    }
  };
  forEachOnRing(width, height, (seed) => {
    if (mask[seed] || data[seed] >= dark) return;
    visit(seed, ++regions);
    while (stack.length > 0) {
      const i = stack.pop() as number;
      const x = i % width;
      if (x > 0) visit(i - 1, regions);
      if (x < width - 1) visit(i + 1, regions);
      if (i >= width) visit(i - width, regions);
      if (i < (height - 1) * width) visit(i + width, regions);
    }
  });
  return { label, mask };
}

/** The morphological opening of `mask` by a square of `radius`: what remains where the square fits wholly inside it
 * (beyond the picture is not inside: a stroke cut by the edge is as narrow as it looks), grown back by the square. */
function opened(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  return spread(spread(mask, width, height, radius, true), width, height, radius, false);
}

/** `mask` grown by `by` pixels each way. */
function grow(mask: Uint8Array, width: number, height: number, by: number): Uint8Array {
  return spread(mask, width, height, by, false);
}

/** Erosion (`all`: every pixel of the square round a pixel is set) or dilation (any is) of `mask` by a square of
 * `radius`, a row pass and a column pass of running counts. */
function spread(mask: Uint8Array, width: number, height: number, radius: number, all: boolean): Uint8Array {
  const pass = (from: Uint8Array, lines: number, length: number, at: (line: number, k: number) => number) => {
    const out = new Uint8Array(from.length);
    const need = all ? 2 * radius + 1 : 1;
    for (let line = 0; line < lines; line++) {
      let count = 0;
      // The window [k − radius, k + radius], its count kept as it slides.
      for (let k = 0; k < Math.min(radius, length); k++) count += from[at(line, k)];
      for (let k = 0; k < length; k++) {
        if (k + radius < length) count += from[at(line, k + radius)];
        if (k - radius - 1 >= 0) count -= from[at(line, k - radius - 1)];
        out[at(line, k)] = count >= need ? 1 : 0;
      }
    }
    return out;
  };
  const rows = pass(mask, height, width, (y, x) => y * width + x);
  return pass(rows, width, height, (x, y) => y * width + x);
}

/** `desk` grown, up to `reach` pixels, through pixels darker than `below`: the sheet's blurred or shadowed edge against
 * the desk, left as a faint line along it by the opening's square corners and the threshold. */
function rim(desk: Uint8Array, data: Uint8Array, width: number, height: number, below: number, reach: number): Uint8Array {
  let front: number[] = [];
  for (let i = 0; i < desk.length; i++) if (desk[i]) front.push(i);
  for (let step = 0; step < reach && front.length > 0; step++) {
    const next: number[] = [];
    for (const i of front) {
      const x = i % width;
      for (const j of [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i - width, i + width]) {
        if (j < 0 || j >= desk.length || desk[j] || data[j] >= below) continue;
        desk[j] = 1;
        next.push(j);
      }
    }
    front = next;
  }
  return desk;
}
