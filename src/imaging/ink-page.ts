// A picture of a number → its ink, the way /predict finds one digit's (polarity from the paper at the border, the
// paper's level subtracted, faint grain dropped), cropped to the ink of the whole line. Photos of paper first have their
// uneven light evened out: one level for "paper" over a whole photo turned its shadowed half into ink.
import { croppedInk, polarity, toInk, type Grey, type Ink, type InkMap } from './mnist-normalise.js';
import { withoutRules } from './rules.js';
import { withoutDesk } from './sheet.js';

/** The ink of the line: levels 0..255 as /predict maps them, cropped to the ink's box at (x, y) of the picture. */
export interface InkPage extends InkMap {
  x: number;
  y: number;
}

/** Throws 422 no_digit_found (from croppedInk) when nothing stands out from the paper. */
export function inkPage(picture: Grey): InkPage {
  // A sheet on a desk: the desk filled first, or its dark border would be read as the paper.
  const grey = withoutDesk(picture);
  const seen = polarity(grey);
  // A clean background (a drawing, a canvas) keeps its levels, read straight from the picture as /predict reads one
  // digit; anything with paper grain may have uneven light, evened out on the ink.
  if (seen.background === 0) return croppedInk(grey, seen);
  const ink = withoutRules(evenLight(toInk(grey)));
  return croppedInk(ink, { inverted: false, max: ink.max, background: ink.background });
}

/** The paper's light is estimated on cells this many times smaller than the picture's shorter side: fine enough to
 * follow a soft shadow's edge across a line of digits. */
const CELLS_ACROSS = 20;
/** The opening that takes the ink out of the paper's estimate spans this share of the shorter side: wider than any
 * stroke of a digit the picture holds (strokes are a tenth to a fifth of a digit's height). */
const OPENING_SPAN = 1 / 4;
/** In each cell, the paper is this quantile of its ink levels (so a cell up to three quarters inked still shows paper). */
const PAPER_QUANTILE = 0.25;

/** The paper's light taken out of a photo's ink as light would be, by division, so that ink in a shadow keeps its
 * contrast. The paper's ink level is estimated on a coarse grid of cells: each cell's paper quantile, then a grey
 * opening (a running minimum, then a running maximum over the same window) that removes the strokes, which are
 * narrower than the window, and keeps any light that changes monotonically across it (a gradient, a vignette, a soft
 * shadow's edge) exactly: a plain minimum over neighbours (dilation alone) leaves a shadow's edge as ink. Spread
 * bilinearly between cell centres. */
export function evenLight(ink: Ink): Ink {
  const { data, width, height } = ink;
  const { levels: low, cols, rows, cell } = paperLevels(data, width, height);
  // Each column's two cells and weight, worked out once rather than per pixel.
  const c0s = new Int32Array(width);
  const c1s = new Int32Array(width);
  const wxs = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    const fx = Math.min(cols - 1, Math.max(0, (x + 0.5) / cell - 0.5));
    c0s[x] = Math.floor(fx);
    c1s[x] = Math.min(cols - 1, c0s[x] + 1);
    wxs[x] = fx - c0s[x];
  }
  const out = new Uint8Array(width * height);
  const counts = new Uint32Array(256);
  let lo = 255;
  let hi = 0;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(rows - 1, Math.max(0, (y + 0.5) / cell - 0.5));
    const r0 = Math.floor(fy);
    const r1 = Math.min(rows - 1, r0 + 1);
    const wy = fy - r0;
    const above = r0 * cols;
    const below = r1 * cols;
    for (let x = 0, i = y * width; x < width; x++, i++) {
      const c0 = c0s[x];
      const c1 = c1s[x];
      const wx = wxs[x];
      const bg = (1 - wy) * ((1 - wx) * low[above + c0] + wx * low[above + c1]) + wy * ((1 - wx) * low[below + c0] + wx * low[below + c1]);
      const v = Math.max(0, Math.min(255, Math.round(((data[i] - bg) * 255) / Math.max(1, 255 - bg))));
      out[i] = v;
      counts[v]++;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  // Already ink (white on black): toInk keeps the polarity and finds the new paper level and the strongest ink. The
  // paper stays "not clean" (level ≥ 1), so that croppedInk still drops its grain.
  const evened = toInk({ data: out, width, height, alphaIsInk: true, lo, hi });
  return { ...evened, background: paperGrain(counts, out.length, evened) };
}

/** Where paper ends after the division: its grain, amplified where the light was dim, reaches above its median, and a
 * speck of it beyond the writing would widen the line's ink box. The evened picture's upper quartile, which is paper
 * wherever ink covers less than a quarter of it, but no more than a quarter of the way from the border's paper to the
 * strongest ink (beyond that it is ink). At least 1, so that croppedInk still drops the grain below it. */
function paperGrain(counts: Uint32Array, pixels: number, { max, background }: Ink): number {
  let seen = 0;
  let level = 0;
  for (; level < 255; level++) {
    seen += counts[level];
    if (seen > 0.75 * pixels) break;
  }
  return Math.max(1, Math.min(level, Math.round(background + (max - background) / 4)));
}

/** The paper's ink level per cell of `cell` × `cell` pixels (cols × rows of them): each cell's PAPER_QUANTILE, opened
 * over a window of OPENING_SPAN of the shorter side. Its memory is a few rows of cells, whatever the picture. */
export function paperLevels(
  data: Uint8Array,
  width: number,
  height: number,
): { levels: Float32Array; cols: number; rows: number; cell: number } {
  const short = Math.min(width, height);
  const cell = Math.max(2, Math.min(255, Math.round(short / CELLS_ACROSS)));
  const cols = Math.ceil(width / cell);
  const rows = Math.ceil(height / cell);
  const radius = Math.max(1, Math.round((short * OPENING_SPAN) / cell / 2));
  // The grid is continued beyond the picture's edges (2 × radius cells, as far as the opening looks) by reflection
  // through its edge cells, which continues a gradient as it runs: a window cut short at the edge would miss the
  // darker paper beyond it and leave a shadow's edge as ink where it meets the picture's border.
  const pad = 2 * radius;
  const [pc, pr] = [cols + 2 * pad, rows + 2 * pad];
  const padded = continued(cellQuantiles(data, width, height, cell, cols, rows), cols, rows, pad);
  const eroded = runningExtreme(runningExtreme(padded, pc, pr, radius, 1, -1), pc, pr, radius, pc, -1);
  const opened = runningExtreme(runningExtreme(eroded, pc, pr, radius, 1, 1), pc, pr, radius, pc, 1);
  const levels = new Float32Array(cols * rows);
  for (let r = 0; r < rows; r++) levels.set(opened.subarray((r + pad) * pc + pad, (r + pad) * pc + pad + cols), r * cols);
  return { levels, cols, rows, cell };
}

/** The cols × rows grid continued by `pad` cells on each side: a cell k beyond an edge cell e takes 2·e − (the cell k
 * inside it), clamped to 0..255. */
function continued(grid: Float32Array, cols: number, rows: number, pad: number): Float32Array {
  const pc = cols + 2 * pad;
  const out = new Float32Array(pc * (rows + 2 * pad));
  const mirror = (edge: number, inside: number) => Math.max(0, Math.min(255, 2 * edge - inside));
  for (let r = 0; r < rows; r++) {
    const row = (r + pad) * pc;
    out.set(grid.subarray(r * cols, (r + 1) * cols), row + pad);
    for (let k = 1; k <= pad; k++) {
      out[row + pad - k] = mirror(grid[r * cols], grid[r * cols + Math.min(k, cols - 1)]);
      out[row + pad + cols - 1 + k] = mirror(grid[r * cols + cols - 1], grid[r * cols + Math.max(0, cols - 1 - k)]);
    }
  }
  for (let k = 1; k <= pad; k++) {
    const top = pad * pc;
    const bottom = (pad + rows - 1) * pc;
    for (let c = 0; c < pc; c++) {
      out[top - k * pc + c] = mirror(out[top + c], out[top + Math.min(k, rows - 1) * pc + c]);
      out[bottom + k * pc + c] = mirror(out[bottom + c], out[bottom - Math.min(k, rows - 1) * pc + c]);
    }
  }
  return out;
}

/** Each cell's PAPER_QUANTILE, counted in one row band of cells' histograms at a time (counts fit 16 bits: a cell is at
 * most 255 × 255 pixels). Each cell also counts its levels in sixteenths, so that finding the quantile reads at most 16
 * coarse and 16 fine bins rather than up to 256 (there are many cells). */
function cellQuantiles(data: Uint8Array, width: number, height: number, cell: number, cols: number, rows: number): Float32Array {
  const fine = new Uint16Array(cols * 256);
  const coarse = new Uint16Array(cols * 16);
  const samples = new Uint16Array(cols);
  const out = new Float32Array(cols * rows);
  const columnOf = Int32Array.from({ length: width }, (_, x) => Math.floor(x / cell));
  const band = (r: number, count: (c: number, v: number) => void) => {
    for (let y = r * cell, y1 = Math.min(height, (r + 1) * cell); y < y1; y++) {
      for (let x = 0, i = y * width; x < width; x++, i++) count(columnOf[x], data[i]);
    }
  };
  for (let r = 0; r < rows; r++) {
    band(r, (c, v) => {
      fine[c * 256 + v]++;
      coarse[c * 16 + (v >> 4)]++;
      samples[c]++;
    });
    for (let c = 0; c < cols; c++) {
      const target = PAPER_QUANTILE * samples[c];
      let seen = 0;
      let level = 0;
      for (let sixteenth = 0; sixteenth < 15 && seen + coarse[c * 16 + sixteenth] <= target; sixteenth++) {
        seen += coarse[c * 16 + sixteenth];
        level += 16;
      }
      for (; level < 255; level++) {
        seen += fine[c * 256 + level];
        if (seen > target) break;
      }
      out[r * cols + c] = level;
    }
    // Emptied as the row band's pixels filled them: fewer writes than clearing every cell's bins.
    band(r, (c, v) => {
      fine[c * 256 + v] = 0;
      coarse[c * 16 + (v >> 4)] = 0;
      samples[c] = 0;
    });
  }
  return out;
}

/** The least (`sign` −1) or greatest (`sign` 1) value within `radius` cells along one axis (`step` 1: along rows;
 * `step` cols: along columns), the window cut short at the grid's edges. */
function runningExtreme(grid: Float32Array, cols: number, rows: number, radius: number, step: number, sign: 1 | -1): Float32Array {
  const out = new Float32Array(grid.length);
  const along = step === 1 ? cols : rows;
  for (let i = 0; i < grid.length; i++) {
    const at = step === 1 ? i % cols : Math.floor(i / cols);
    let m = sign * grid[i];
    for (let k = Math.max(0, at - radius), end = Math.min(along - 1, at + radius); k <= end; k++) {
      const v = sign * grid[i + (k - at) * step];
      if (v > m) m = v;
    }
    out[i] = sign * m;
  }
  return out;
}
