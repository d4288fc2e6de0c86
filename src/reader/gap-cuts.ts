// Cuts that follow the gap between two strokes instead of a column: where slanted touching digits share columns (a 1
// leaning into a 6's loop, a 2's foot under a 5), no column parts them, but a path that bends round the strokes does
// (the cut paths of LeCun et al. 1998's heuristic over-segmentation; drop-fall, Congedo et al. 1995, is a greedy form).
// A cut here is a boundary: per row of the unit, the first column (page coordinates) on its right-hand side; a column
// cut is the boundary with the same column in every row.
import type { Box } from '../imaging/box.js';
import type { InkMeasure, UnitPixels } from '../imaging/unit-ink.js';
import { GAP_DRIFT_COST as DRIFT, GAP_STEP_COST as STEP } from './tunables.js';

/**
 * The path from the unit's top row to its bottom row, at most `reach` columns either side of column x (page
 * coordinates), that crosses the fewest stroke pixels (level ≥ `stroke`); undefined when it is the column itself.
 */
export function gapPath(ink: UnitPixels, x: number, reach: number, stroke: number): Int32Array | undefined {
  const { data, width, height } = ink;
  const lo = Math.max(1, x - ink.x - reach);
  const hi = Math.min(width - 1, x - ink.x + reach);
  const span = hi - lo + 1;
  if (span < 2) return undefined;
  const origin = x - ink.x;
  // cost[y][i]: least cost of a path down to row y ending at column lo + i; from[y][i]: where it came from in row y − 1.
  let cost = new Float64Array(span);
  let next = new Float64Array(span);
  const from = new Int8Array(span * height);
  const at = (y: number, i: number) => (data[y * width + lo + i] >= stroke ? 1 : 0) + DRIFT * Math.abs(lo + i - origin);
  for (let i = 0; i < span; i++) cost[i] = at(0, i);
  for (let y = 1; y < height; y++) {
    for (let i = 0; i < span; i++) {
      let best = cost[i];
      let step = 0;
      if (i > 0 && cost[i - 1] + STEP < best) [best, step] = [cost[i - 1] + STEP, -1];
      if (i + 1 < span && cost[i + 1] + STEP < best) [best, step] = [cost[i + 1] + STEP, 1];
      next[i] = best + at(y, i);
      from[y * span + i] = step;
    }
    [cost, next] = [next, cost];
  }
  let end = 0;
  for (let i = 1; i < span; i++) if (cost[i] < cost[end]) end = i;
  const cut = new Int32Array(height);
  let straight = true;
  for (let y = height - 1, i = end; y >= 0; y--) {
    cut[y] = ink.x + lo + i;
    if (lo + i !== origin) straight = false;
    i += from[y * span + i];
  }
  return straight ? undefined : cut;
}

/** A column cut as a boundary. */
export const columnCut = (x: number, height: number) => new Int32Array(height).fill(x);

/** The ink box (page coordinates) of the unit's ink between two boundaries, and its stroke pixels (level ≥ `stroke`). */
export function measureBetween(ink: UnitPixels, left: Int32Array, right: Int32Array, stroke: number): InkMeasure {
  const { data, width, height } = ink;
  let [x0, y0, x1, y1, strokes] = [Infinity, Infinity, -Infinity, -Infinity, 0];
  for (let y = 0; y < height; y++) {
    const row = y * width - ink.x;
    for (let x = Math.max(left[y], ink.x); x < Math.min(right[y], ink.x + width); x++) {
      const v = data[row + x];
      if (v === 0) continue;
      if (v >= stroke) strokes++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y0 === Infinity) y0 = y + ink.y;
      y1 = y + ink.y;
    }
  }
  return x1 < x0 ? { strokes } : { box: { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 }, strokes };
}

/** The unit's ink between two boundaries inside a box from measureBetween, as a width × height map. */
export function cropBetween(ink: UnitPixels, { x: x0, y: y0, width: w, height: h }: Box, left: Int32Array, right: Int32Array): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const uy = y0 - ink.y + y;
    const from = Math.max(left[uy], x0);
    const to = Math.min(right[uy], x0 + w);
    for (let x = from; x < to; x++) out[y * w + x - x0] = ink.data[uy * ink.width + x - ink.x];
  }
  return out;
}
