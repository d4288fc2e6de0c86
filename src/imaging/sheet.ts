// A sheet photographed on a desk: the desk round it filled with the sheet's own light, before the page's polarity is
// read from its border. A dark desk round a light sheet made the border dark, and the sheet was read as light ink on a
// dark page; a light desk left the sheet's edges in the line's box. The sheet is found by its edges, straight lines
// near the picture's sides with the desk beyond them, and only what lies beyond them is filled: a digit touching the
// sheet's edge, a vignette's dark corners or a bold stroke on a tight crop's border are not straight edges of a desk.
import { levelAt, type Grey } from './mnist-normalise.js';

/** Pictures smaller than this on a side are crops of writing, not photos of a sheet. */
const MIN_SIDE = 48;
/** Levels this far apart differ: a desk from the paper at the picture's border, a mark from the desk round it, a
 * stroke from the paper beside it. */
const APART = 30;
/** The sheet's edge lies within this share of the picture from its side. */
const MAX_DEPTH = 0.3;
/** Columns (or rows) sampled along a side. */
const SAMPLES = 160;
/** An edge is a line through this share of the sampled columns... */
const MIN_INLIERS = 0.6;
/** ...most of them with desk beyond it (a side whose border is paper has no desk). */
const MIN_DESK = 0.5;
/** A sheet's edge is tilted by at most this much (rows per column): a turned sheet, a keystone. */
const MAX_SLOPE = 0.25;
/** Desk is found on at least this many sides: strokes along two sides of a tight crop (1s at both ends, an underline
 * and a 1) and a shadow across two sides are not a sheet's edges. */
const MIN_SIDES = 3;
/** A desk is broader than a line: its median depth beyond the border at least this many pixels, and this share of the
 * picture (a grid's or a box's line along the border is not a desk). */
const MIN_DESK_PIXELS = 4;
const MIN_DESK_SHARE = 0.015;
/** A desk holds no writing: at most this share of its pixels stand further than APART from its level. */
const MAX_MARKED = 0.02;
/** Writing crosses an edge where a mark on the desk and ink on the sheet lie within this many pixels of its rim... */
const CROSS_BAND = 4;
/** ...where it stands out from this many columns either side of it along the edge... */
const CROSS_REACH = 12;
/** ...in at least this many columns (a stroke's width): the "desk" is a shadow with writing under it. */
const MIN_CROSSINGS = 2;

/** One side of the picture seen from its border: pixel (a, d), a along the side and d inwards from it. */
interface Side {
  length: number;
  depth: number;
  index: (a: number, d: number) => number;
  /** Pixel (x, y) seen from this side: [a, d]. */
  seen: (x: number, y: number) => [a: number, d: number];
}

/** A sheet's edge along a side: the desk reaches d = centre + slope·a from the border, over a ∈ [from, to). */
interface Edge {
  side: Side;
  centre: number;
  slope: number;
  from: number;
  to: number;
}

/** Where the desk ends at one sampled column: d pixels in (0: the border is paper), or undefined where it does not end
 * within MAX_DEPTH (a corner, where the next side's desk runs on). */
type Walk = [a: number, d: number | undefined];

/** `grey` with the desk round a photographed sheet filled with the sheet's light (a copy), or `grey` itself when no desk
 * shows on MIN_SIDES sides, or writing crosses an edge (a shadow, then). */
export function withoutDesk(grey: Grey): Grey {
  const { width, height, data } = grey;
  if (grey.alphaIsInk || width < MIN_SIDE || height < MIN_SIDE) return grey;
  const paper = medianLevel(data);
  // Top, bottom, left, right; a side's ends (a = 0 and a = length) meet sides NEIGHBOURS[side] = [at 0, at length].
  const sides: Side[] = [
    { length: width, depth: height, index: (a, d) => d * width + a, seen: (x, y) => [x, y] },
    { length: width, depth: height, index: (a, d) => (height - 1 - d) * width + a, seen: (x, y) => [x, height - 1 - y] },
    { length: height, depth: width, index: (a, d) => a * width + d, seen: (x, y) => [y, x] },
    { length: height, depth: width, index: (a, d) => a * width + width - 1 - d, seen: (x, y) => [y, width - 1 - x] },
  ];
  const walks = sides.map((side) => walk(data, side, paper));
  const edges = sides.map((side, k) => fullEdge(data, side, walks[k]));
  if (edges.filter((e) => e !== undefined).length < MIN_SIDES) return grey;
  // Writing runs on under a shadow, never from a sheet onto its desk.
  if (edges.some((edge) => edge && crossed(data, edge, paper))) return grey;
  // Where the sheet is turned, its edge leaves the picture through a side: a sliver of desk in the corner next to a
  // side with desk along it.
  const slivers = sides.flatMap((side, k) =>
    edges[k] ? [] : NEIGHBOURS[k].flatMap((next, end) => (edges[next] ? (sliver(side, walks[k], end === 1) ?? []) : [])),
  );
  const out = data.slice();
  // A side's fill looks for paper only on the sheet: not over the desk (or the blurred rim) of the sides it meets.
  const beyond = (k: number) => NEIGHBOURS[k].flatMap((n) => edges[n] ?? []);
  for (const [k, edge] of edges.entries()) if (edge) fillBeyond(grey, out, edge, paper, beyond(k));
  for (const edge of slivers) fillBeyond(grey, out, edge, paper, []);
  let [lo, hi] = [255, 0];
  for (let i = 0; i < out.length; i++) {
    if (out[i] < lo) lo = out[i];
    if (out[i] > hi) hi = out[i];
  }
  return { ...grey, data: out, lo, hi };
}

const NEIGHBOURS = [
  [2, 3],
  [2, 3],
  [0, 1],
  [0, 1],
];

/** The picture's median level: the paper's, since a sheet photographed to be read fills most of the picture. Counted
 * in four interleaved histograms, then summed: on paper of one level, one histogram's increments wait on each other. */
function medianLevel(data: Uint8Array): number {
  const counts = new Uint32Array(4 * 256);
  const whole = data.length & ~3;
  for (let i = 0; i < whole; i += 4) {
    counts[data[i]]++;
    counts[256 + data[i + 1]]++;
    counts[512 + data[i + 2]]++;
    counts[768 + data[i + 3]]++;
  }
  for (let i = whole; i < data.length; i++) counts[data[i]]++;
  for (let level = 0; level < 256; level++) counts[level] += counts[256 + level] + counts[512 + level] + counts[768 + level];
  return levelAt(counts, data.length >> 1);
}

/** Walking in from the border at each sampled column of `side`: the desk ends where the level first comes halfway back
 * to the paper's. Undefined where it is all one desk, lighter than the paper at some columns and darker at others. */
function walk(data: Uint8Array, side: Side, paper: number): Walk[] | undefined {
  const { length, depth, index } = side;
  const reach = Math.floor(MAX_DEPTH * depth);
  const stride = Math.max(1, Math.floor(length / SAMPLES));
  const walks: Walk[] = [];
  let [darker, lighter] = [0, 0];
  for (let a = Math.floor(stride / 2); a < length; a += stride) {
    const border = (data[index(a, 0)] + data[index(a, 1)]) / 2;
    const contrast = border - paper;
    if (Math.abs(contrast) < APART) {
      walks.push([a, 0]);
      continue;
    }
    if (contrast < 0) darker++;
    else lighter++;
    let end: number | undefined;
    for (let d = 1; d <= reach && end === undefined; d++) if (Math.abs(data[index(a, d)] - paper) < Math.abs(contrast) / 2) end = d;
    walks.push([a, end]);
  }
  // A desk is one level all round: darker than the paper everywhere along the side, or lighter everywhere.
  return Math.min(darker, lighter) > 0.1 * (darker + lighter) ? undefined : walks;
}

/** The sheet's edge along the whole side: one straight line through MIN_INLIERS of the sampled columns, most of them
 * with desk beyond the border. */
function fullEdge(data: Uint8Array, side: Side, walks: Walk[] | undefined): Edge | undefined {
  if (!walks) return undefined;
  const points = walks.filter((w): w is [number, number] => w[1] !== undefined);
  const desk = points.filter(([, d]) => d > 0);
  if (desk.length < MIN_DESK * walks.length) return undefined;
  const depths = desk.map(([, d]) => d).sort((p, q) => p - q);
  if (depths[depths.length >> 1] < Math.max(MIN_DESK_PIXELS, MIN_DESK_SHARE * side.depth)) return undefined;
  const line = bestLine(points, Math.max(1.5, 0.01 * side.depth));
  if (!line || line.inliers < MIN_INLIERS * walks.length) return undefined;
  const edge = { side, centre: line.centre, slope: line.slope, from: 0, to: side.length };
  return marked(data, edge, median(desk.map(([a]) => data[side.index(a, 0)]))) ? undefined : edge;
}

/** Whether the desk beyond `edge` holds marks: pixels further than APART from its level, in more than
 * MAX_MARKED of it short of the edge's blurred rim. Writing in a shadow across the picture's side, a checkered cloth, a
 * stroke that runs on past the sheet. */
function marked(data: Uint8Array, { side, centre, slope }: Edge, level: number): boolean {
  const { length, index } = side;
  let [pixels, marks] = [0, 0];
  for (let a = 0; a < length; a++) {
    const end = Math.round(centre + slope * a) - 2;
    for (let d = 0; d < end; d++) {
      pixels++;
      if (Math.abs(data[index(a, d)] - level) > APART) marks++;
    }
  }
  return marks > MAX_MARKED * pixels;
}

/** Whether strokes cross `edge`: columns with a mark on the desk just short of its rim and one on the sheet just past
 * it, each darker (or each lighter) than the columns either side, in at least MIN_CROSSINGS of them. A
 * stroke crossing the edge stands out along it on both sides; a blurred edge, a shadow or light falling off does not. */
function crossed(data: Uint8Array, { side, centre, slope }: Edge, paper: number): boolean {
  const { length, depth, index } = side;
  const rim = rimWidth(depth);
  // DARKER or LIGHTER where pixel (a, d) stands out from the columns either side of it along the edge: darker than the
  // lightest of them on each side (a stroke as thick as CROSS_REACH), or lighter than the darkest. On the sheet, what
  // it stands out from is the paper: a desk's grain running on across a misplaced edge stands out from desk.
  const standsOut = (a: number, d: number, onPaper: boolean) => {
    const v = data[index(a, d)];
    let [lightBefore, lightAfter, darkBefore, darkAfter] = [0, 0, 255, 255];
    for (let k = 1; k <= CROSS_REACH; k++) {
      const [before, after] = [data[index(a - k, d)], data[index(a + k, d)]];
      [lightBefore, darkBefore] = [Math.max(lightBefore, before), Math.min(darkBefore, before)];
      [lightAfter, darkAfter] = [Math.max(lightAfter, after), Math.min(darkAfter, after)];
    }
    const [light, dark] = [Math.min(lightBefore, lightAfter), Math.max(darkBefore, darkAfter)];
    const paperRound = (level: number) => !onPaper || Math.abs(level - paper) < APART;
    if (v < light - APART && paperRound(light)) return DARKER;
    return v > dark + APART && paperRound(dark) ? LIGHTER : 0;
  };
  let crossings = 0;
  for (let a = CROSS_REACH; a < length - CROSS_REACH; a++) {
    const edge = Math.round(centre + slope * a);
    let [desk, sheet] = [0, 0];
    for (let d = Math.max(0, edge - 2 - CROSS_BAND); d < edge - 2; d++) desk |= standsOut(a, d, false);
    for (let d = Math.max(0, edge + rim + 1); d <= Math.min(depth - 1, edge + rim + CROSS_BAND); d++) sheet |= standsOut(a, d, true);
    if ((desk & sheet) !== 0) crossings++;
  }
  return crossings >= MIN_CROSSINGS;
}

/** The sheet's edge over the run of desk from one end of `side` (`atEnd`: from a = length), where the next side has
 * desk along it: at least three sampled columns in a row with desk beyond the border, on one straight line. */
function sliver(side: Side, walks: Walk[] | undefined, atEnd: boolean): Edge | undefined {
  if (!walks) return undefined;
  const order = atEnd ? [...walks].reverse() : walks;
  let k = 0;
  while (k < order.length && order[k][1] === undefined) k++;
  const run: Array<[number, number]> = [];
  for (; k < order.length && (order[k][1] ?? 0) > 0; k++) run.push(order[k] as [number, number]);
  if (run.length < 3 || run.length > 0.5 * walks.length) return undefined;
  const line = bestLine(run, Math.max(1.5, 0.01 * side.depth), 1);
  if (!line || line.inliers < 0.8 * run.length) return undefined;
  // On to the next sampled column, the first whose border is paper: the sliver ends between the two.
  const [last, stride] = [run[run.length - 1][0], walks.length > 1 ? walks[1][0] - walks[0][0] : 1];
  const [from, to] = atEnd ? [Math.max(0, last - stride), side.length] : [0, Math.min(side.length, last + stride + 1)];
  return { side, centre: line.centre, slope: line.slope, from, to };
}

/** The straight line d = centre + slope·a through the most `points` (within `tolerance`), tried through pairs of points
 * a third of them apart or more (`apart`, in points). */
function bestLine(points: Array<[number, number]>, tolerance: number, apart = Math.max(1, Math.floor(points.length / 3))) {
  let best: { centre: number; slope: number; inliers: number } | undefined;
  const n = points.length;
  const as = Float64Array.from(points, ([a]) => a);
  const ds = Float64Array.from(points, ([, d]) => d);
  // Every third pair through the desk's points: an edge holds dozens of them, and each pair costs a pass over all.
  const step = n > 30 ? 3 : 1;
  for (let i = 0; i < n; i += step) {
    if (ds[i] === 0) continue;
    for (let j = i + apart; j < n; j += step) {
      if (ds[j] === 0) continue;
      const slope = (ds[j] - ds[i]) / (as[j] - as[i]);
      if (Math.abs(slope) > MAX_SLOPE) continue;
      const centre = ds[i] - slope * as[i];
      let inliers = 0;
      for (let k = 0; k < n; k++) if (Math.abs(centre + slope * as[k] - ds[k]) <= tolerance) inliers++;
      if (!best || inliers > best.inliers) best = { centre, slope, inliers };
    }
  }
  return best;
}

/** Fills the desk beyond `edge`, and the sheet's blurred rim just inside it, with the light of the paper next to it:
 * the paper just inside the rim, its median over neighbouring columns (one column's would streak) of those within APART
 * of the picture's paper and on the sheet as the `others` sides' edges see it (not writing along the edge, not the desk
 * or blurred edge of the side it meets in a corner); where there are none, the nearest such column's. A fill of one
 * level for the whole picture left steps where it met the sheet's own light, and the steps were ink to the line's box. */
function fillBeyond({ data, width }: Grey, out: Uint8Array, edge: Edge, paper: number, others: Edge[]) {
  const { side, centre, slope, from, to } = edge;
  const { depth, index } = side;
  // Whether pixel i lies on the sheet as the other sides' edges see it: past their desk and their rim.
  const onSheet = (i: number) =>
    others.every((other) => {
      const [a, d] = other.side.seen(i % width, Math.floor(i / width));
      return d > Math.round(other.centre + other.slope * a) + rimWidth(other.side.depth);
    });
  const rim = rimWidth(depth);
  const edgeAt = (a: number) => Math.min(depth - 1, Math.round(centre + slope * a) + rim);
  const near = new Float64Array(to - from);
  const sheetAt = new Uint8Array(to - from);
  const inside: number[] = [];
  for (let a = from; a < to; a++) {
    const e = edgeAt(a);
    sheetAt[a - from] = e + 3 < depth && onSheet(index(a, e + 3)) ? 1 : 0;
    inside.length = 0;
    for (let d = Math.max(0, e + 1); d <= Math.min(depth - 1, e + 5); d++) inside.push(data[index(a, d)]);
    near[a - from] = inside.length > 0 ? median(inside) : paper;
  }
  const paperAt = (a: number) => a >= from && a < to && sheetAt[a - from] === 1 && Math.abs(near[a - from] - paper) < APART;
  // The nearest column of paper before and after each column (-1: none), in two passes.
  const [before, after] = [new Int32Array(to - from).fill(-1), new Int32Array(to - from).fill(-1)];
  for (let i = 0, last = -1; i < to - from; i++) [last, before[i]] = paperAt(from + i) ? [i, i] : [last, last];
  for (let i = to - from - 1, next = -1; i >= 0; i--) [next, after[i]] = paperAt(from + i) ? [i, i] : [next, next];
  const nearestPaper = (a: number) => {
    const [b, c] = [before[a - from], after[a - from]];
    if (b < 0 && c < 0) return paper;
    return near[b < 0 || (c >= 0 && c - (a - from) < a - from - b) ? c : b];
  };
  const around: number[] = [];
  for (let a = from; a < to; a++) {
    const e = edgeAt(a);
    if (e < 0) continue;
    around.length = 0;
    for (let b = a - FILL_SPAN; b <= a + FILL_SPAN; b++) if (paperAt(b)) around.push(near[b - from]);
    const fill = Math.round(around.length > 0 ? median(around) : nearestPaper(a));
    for (let d = 0; d <= e; d++) out[index(a, d)] = fill;
  }
}

/** The fill follows the paper's light over this many columns either side. */
const FILL_SPAN = 8;

/** The sheet's edge is blurred over this many pixels past where the desk ends. */
const rimWidth = (depth: number) => Math.min(6, Math.max(2, Math.round(0.006 * depth)));

const [DARKER, LIGHTER] = [1, 2];

const median = (values: number[]) => values.sort((p, q) => p - q)[values.length >> 1];
