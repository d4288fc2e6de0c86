// One line of ink → the line model's input (src/model/line.ts): the one normalisation that training and serving
// share (docs/contracts.md). A sloping line is levelled first; then the ink box's height becomes 20 px (width by the same
// factor, area filter when shrinking), centred in 28 rows, with LINE_MARGIN (12) px of black left and right: the line's
// digits stand as tall as an MNIST digit in its 28×28 frame, so each 28-column window the model sweeps reads like one
// LeNet input.
import type { Box } from './box.js';
import { connectedComponents, type Component } from './components.js';
import { resampleInKernels } from './resample.js';
import { kernelBytes, kernels, WASM_MAX_BYTES } from './wasm-kernels.js';
import type { InkMap } from './mnist-normalise.js';
import { LINE_ROWS } from '../model/line.js';

/** Ink box height after normalisation, as MNIST's 20×20 box. */
export const LINE_INK_HEIGHT = 20;
/** Black columns on each side. */
export const LINE_MARGIN = 12;
/** The narrowest input the model takes (one LeNet window); a narrower line is padded with black on the right. */
export const LINE_MIN_WIDTH = 28;

export interface NormalisedLine {
  /** LINE_ROWS × width floats in [0, 1], row-major: [1, 1, 28, width] as the model takes it. */
  data: Float32Array;
  width: number;
  /** Normalised pixels per ink-map pixel. */
  scale: number;
  /** The ink box in the given map (x, y, width, height), which column LINE_MARGIN and row 4 start from. */
  ink: Box;
  /** The slope levelled (rows per column of the map; 0 when the line was taken as drawn). */
  slope: number;
}

/** The ink level (0..255) from which a pixel sets the line's box: a photo's paper grain that survives inkPage's cut
 * (single pixels at a sixth of full ink, anywhere on the page) stretched the box to the whole page, and the digits
 * were scaled to a third of their height. */
export const LINE_BOX_INK = 64;
/** How far the box then grows into fainter ink on each side: a stroke's soft edge, so a clean line keeps its extent. */
const LINE_BOX_EDGE = 2;

/** A piece of ink counts towards the line's box on its own when it holds at least this share of the largest piece's
 * pixels (a digit, a 5's bar, a stroke of a joined run). */
const WRITING_SHARE = 1 / 16;
/** Small pieces this close together (in the writing's heights) are one mark: a faint digit broken into scraps. */
const MARK_LINK = 1 / 4;
/** A mark at least this tall (in the writing's heights), standing in the writing's rows (half of it or more), is
 * writing however far along the line it lies: a thin 1, a faint digit's scraps. A speck is a few pixels tall, and grain
 * at the page's top or bottom, or strung down its side, stands outside those rows. */
const MARK_HEIGHT = 1 / 3;
/** How far from the writing, in its heights, a shorter mark still belongs to it (a dot, a digit's loose end); further
 * off it is a speck, and would stretch the box beyond the writing. */
const WRITING_REACH = 1;
/** More small pieces than this and the page is grain all over: the box is left as all of the ink's. */
const MAX_MARK_PIECES = 1024;
/** What is left out must be specks: where it would hold more than this share of the ink (digits far from a dark band
 * that outweighs them, say), the box is left as all of the ink's. */
const MAX_LEFT_OUT = 1 / 10;

/** The box of the writing among the pieces of ink at or above `level` (at least one): the large pieces, marks of small
 * pieces that are tall or lie within reach of them (taken in as the box grows); all of the ink's where nothing is left
 * out. */
function writingBox(ink: InkMap, level: number): Box {
  const { components } = connectedComponents(ink.data, ink.width, ink.height, level);
  const allInk = () => boundsOf(components);
  const largest = components.reduce((most, c) => Math.max(most, c.area), 0); // no spread: a noisy page has 10⁵ pieces
  const small = components.filter((c) => c.area < WRITING_SHARE * largest);
  if (small.length === 0 || small.length > MAX_MARK_PIECES) return allInk();
  const box = boundsOf(components.filter((c) => c.area >= WRITING_SHARE * largest));
  const marks = marksOf(small, MARK_LINK * box.height);
  const inRows = (m: Box) => Math.min(m.y + m.height, box.y + box.height) - Math.max(m.y, box.y) >= m.height / 2;
  const tall = marks.map((m) => m.height >= MARK_HEIGHT * box.height && inRows(m));
  const taken = [...tall];
  let writing = boundsOf([box, ...marks.filter((_, i) => tall[i])]);
  for (let grew = true; grew;) {
    grew = false;
    const reach = WRITING_REACH * writing.height;
    marks.forEach((m, i) => {
      if (taken[i] || apart(m, writing) > reach) return;
      taken[i] = grew = true;
      writing = boundsOf([writing, m]);
    });
  }
  const all = components.reduce((sum, c) => sum + c.area, 0);
  const leftOut = marks.reduce((sum, m, i) => (taken[i] ? sum : sum + m.area), 0);
  return leftOut === 0 || leftOut > MAX_LEFT_OUT * all ? allInk() : writing;
}

/** The gap between two boxes along the axis where it is larger (0 where they overlap). */
const apart = (a: Box, b: Box) =>
  Math.max(a.x - (b.x + b.width - 1), b.x - (a.x + a.width - 1), a.y - (b.y + b.height - 1), b.y - (a.y + a.height - 1), 0);

function boundsOf(boxes: readonly Box[]): Box {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const b of boxes)
    [x0, y0, x1, y1] = [Math.min(x0, b.x), Math.min(y0, b.y), Math.max(x1, b.x + b.width - 1), Math.max(y1, b.y + b.height - 1)];
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** Small pieces joined into marks where they lie within `link` pixels of each other (single linkage): each mark's box
 * and pixels. */
function marksOf(pieces: readonly Component[], link: number): Array<Box & { area: number }> {
  const parent = pieces.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let i = 0; i < pieces.length; i++)
    for (let j = i + 1; j < pieces.length; j++) if (apart(pieces[i], pieces[j]) <= link) parent[find(i)] = find(j);
  const groups = new Map<number, Component[]>();
  pieces.forEach((p, i) => {
    const group = groups.get(find(i));
    if (group) group.push(p);
    else groups.set(find(i), [p]);
  });
  return [...groups.values()].map((group) => ({ ...boundsOf(group), area: group.reduce((sum, p) => sum + p.area, 0) }));
}

/** The bounding box of the writing's pixels at or above LINE_BOX_INK (or half the strongest ink, where all of it is
 * fainter): specks far from the writing left out (writingBox), grown by up to LINE_BOX_EDGE rows and columns while the
 * next one holds any ink across the box; undefined for an empty map. The map lies in the kernels' memory at `at` (its
 * strongest ink is found there) and in `ink`, a copy outside it. */
function inkBox(at: number, ink: InkMap): Box | undefined {
  const { data, width, height } = ink;
  const strongest = kernels.maxByte(at, width * height);
  if (strongest === 0) return undefined;
  const writing = writingBox(ink, Math.min(LINE_BOX_INK, Math.ceil(strongest / 2)));
  let [x0, y0, x1, y1] = [writing.x, writing.y, writing.x + writing.width - 1, writing.y + writing.height - 1];
  const inkedRow = (y: number) => y >= 0 && y < height && data.subarray(y * width + x0, y * width + x1 + 1).some((v) => v > 0);
  const inkedColumn = (x: number) => {
    if (x < 0 || x >= width) return false;
    for (let y = y0; y <= y1; y++) if (data[y * width + x] > 0) return true;
    return false;
  };
  for (let k = 0; k < LINE_BOX_EDGE && inkedRow(y0 - 1); k++) y0--;
  for (let k = 0; k < LINE_BOX_EDGE && inkedRow(y1 + 1); k++) y1++;
  for (let k = 0; k < LINE_BOX_EDGE && inkedColumn(x0 - 1); k++) x0--;
  for (let k = 0; k < LINE_BOX_EDGE && inkedColumn(x1 + 1); k++) x1++;
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** The least slope a line is levelled for, and the most (a sheet turned by about 11°): below it the line is left as
 * drawn; beyond it the estimate is not trusted. */
const LEVEL_MIN_SLOPE = 0.01;
const LEVEL_MAX_SLOPE = 0.2;

const align8 = (n: number) => (n + 7) & ~7;

/** The box's ink copied out of the map (at `page` in the kernels' memory, `width` bytes a row) to after it (at `at`,
 * `box.width` bytes a row), and where the levelling's per-column tables and output go after that. Every step of
 * normaliseLine then reads it there. */
function boxInKernels(page: number, width: number, box: Box, at: number) {
  const w = box.width;
  const masses = align8(at + w * box.height);
  const moments = masses + 8 * w;
  const keeps = moments + 8 * w;
  const fracs = keeps + 8 * w;
  const wholes = fracs + 8 * w;
  const out = align8(wholes + 4 * w);
  const end = out + w * (box.height + Math.ceil(LEVEL_MAX_SLOPE * (w - 1)));
  // A line's box is at most a decoded picture (READ_SIZE, 2 MB): with its levelled copy, well inside the kernels' memory.
  if (end > WASM_MAX_BYTES) throw new RangeError(`a ${w}×${box.height} line is larger than the reader's pictures`);
  const memory = kernelBytes(end);
  for (let y = 0; y < box.height; y++) {
    const from = page + (box.y + y) * width + box.x;
    memory.copyWithin(at + y * w, from, from + w);
  }
  return { at, masses, moments, keeps, fracs, wholes, out };
}

type Laid = ReturnType<typeof boxInKernels>;

/**
 * The line's slope (rows per column) from its ink: a straight line fitted through each column's centre of ink,
 * weighted by the column's ink. 0 for a box less than twice as wide as it is tall (one or two digits: their own
 * shapes would set the slope).
 */
function lineSlope(laid: Laid, box: Box): number {
  if (box.width < 2 * box.height) return 0;
  kernels.columnMoments(laid.at, box.width, box.height, box.y, laid.masses, laid.moments);
  const masses = new Float64Array(kernels.memory.buffer, laid.masses, box.width);
  const moments = new Float64Array(kernels.memory.buffer, laid.moments, box.width);
  let [sw, sx, sy, sxx, sxy] = [0, 0, 0, 0, 0];
  for (let i = 0; i < box.width; i++) {
    const mass = masses[i];
    if (mass === 0) continue;
    const x = box.x + i;
    const c = moments[i] / mass;
    sw += mass;
    sx += mass * x;
    sy += mass * c;
    sxx += mass * x * x;
    sxy += mass * x * c;
  }
  const variance = sxx - (sx * sx) / sw;
  if (!(variance > 0)) return 0;
  const slope = (sxy - (sx * sy) / sw) / variance;
  return Math.abs(slope) < LEVEL_MIN_SLOPE || Math.abs(slope) > LEVEL_MAX_SLOPE ? 0 : slope;
}

/** The box's ink, each column moved up by `slope` × its distance from the box's left edge (a vertical shear, linear
 * between rows): the line levelled, columns where they were. Cropped to its rows of ink: where it is in the kernels'
 * memory, and its height. */
function levelled(laid: Laid, box: Box, slope: number): { at: number; height: number } {
  const w = box.width;
  const rise = Math.abs(slope) * (w - 1);
  const height = box.height + Math.ceil(rise);
  const buffer = kernels.memory.buffer;
  const wholes = new Int32Array(buffer, laid.wholes, w);
  const fracs = new Float64Array(buffer, laid.fracs, w);
  const keeps = new Float64Array(buffer, laid.keeps, w);
  for (let x = 0; x < w; x++) {
    const shift = slope > 0 ? rise - slope * x : -slope * x; // ≥ 0: where the column's first row lands
    wholes[x] = Math.floor(shift);
    fracs[x] = shift - wholes[x];
    keeps[x] = 1 - fracs[x];
  }
  kernels.level(laid.at, w, box.height, height, laid.wholes, laid.keeps, laid.fracs, laid.out);
  const data = new Uint8Array(buffer, laid.out, w * height);
  let [top, bottom] = [height, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < w; x++) {
      if (data[y * w + x] === 0) continue;
      if (y < top) top = y;
      bottom = y;
      break;
    }
  }
  return { at: laid.out + top * w, height: bottom - top + 1 };
}

/**
 * Normalises a line's ink map (0 = background, 255 = full ink, as inkPage/croppedInk give it: cropping first is not
 * needed, the ink box is found here). A sloping line (a sheet not held square, a baseline that drifts) is levelled
 * first by a vertical shear (lineSlope), so that its digits, not its slope, fill the 20 rows. Returns undefined when
 * the map holds no ink.
 */
export function normaliseLine(ink: InkMap): NormalisedLine | undefined {
  // The map goes into the kernels' memory once; its box's copy goes after it.
  const page = kernels.heapBase();
  const pageEnd = page + ink.width * ink.height;
  const afterPage = align8(pageEnd);
  if (afterPage > WASM_MAX_BYTES) throw new RangeError(`a ${ink.width}×${ink.height} line is larger than the reader's pictures`);
  const memory = kernelBytes(afterPage);
  memory.set(ink.data.subarray(0, ink.width * ink.height), page);
  const box = inkBox(page, { data: ink.data.subarray(0, ink.width * ink.height), width: ink.width, height: ink.height });
  if (!box) return undefined;
  const laid = boxInKernels(page, ink.width, box, afterPage);
  const slope = lineSlope(laid, box);
  const crop = slope === 0 ? { at: laid.at, height: box.height } : levelled(laid, box, slope);
  const scale = LINE_INK_HEIGHT / crop.height;
  const scaledWidth = Math.max(1, Math.round(box.width * scale));
  const scaled = resampleInKernels(crop.at, box.width, crop.height, scaledWidth, LINE_INK_HEIGHT);
  const width = Math.max(LINE_MIN_WIDTH, scaledWidth + 2 * LINE_MARGIN);
  const data = new Float32Array(LINE_ROWS * width);
  const top = (LINE_ROWS - LINE_INK_HEIGHT) / 2;
  for (let y = 0; y < LINE_INK_HEIGHT; y++) {
    const row = (top + y) * width + LINE_MARGIN;
    for (let x = 0; x < scaledWidth; x++) data[row + x] = scaled[y * scaledWidth + x] / 255;
  }
  return { data, width, scale, ink: box, slope };
}
