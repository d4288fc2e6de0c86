// A picture of a number → its ink, the way /predict finds one digit's (polarity from the paper at the border, the
// paper's level subtracted, faint grain dropped), cropped to the ink of the whole line. Photos of paper first have their
// uneven light evened out: one level for "paper" over a whole photo turned its shadowed half into ink.
import { croppedInk, polarity, toInk, type Grey, type Ink, type InkMap } from './mnist-normalise.js';

/** The ink of the line: levels 0..255 as /predict maps them, cropped to the ink's box at (x, y) of the picture. */
export interface InkPage extends InkMap {
  x: number;
  y: number;
}

/** Throws 422 no_digit_found (from croppedInk) when nothing stands out from the paper. */
export function inkPage(grey: Grey): InkPage {
  const seen = polarity(grey);
  // A clean background (a drawing, a canvas) keeps its levels, read straight from the picture as /predict reads one
  // digit; anything with paper grain may have uneven light, evened out on the ink.
  if (seen.background === 0) return croppedInk(grey, seen);
  const ink = evenLight(toInk(grey));
  return croppedInk(ink, { inverted: false, max: ink.max, background: ink.background });
}

/** Paper's ink level estimated per block (a low percentile, then the least of each block's neighbours, so that blocks
 * covered by strokes take their neighbours' paper), spread bilinearly, and taken out as light would be: divided, so
 * that ink in a shadow keeps its contrast. */
function evenLight(ink: Ink): Ink {
  const { data, width, height } = ink;
  const block = Math.max(8, Math.round(Math.min(width, height) / 4));
  const cols = Math.ceil(width / block);
  const rows = Math.ceil(height / block);
  const paper = blockPercentiles(data, width, height, block, cols, rows, 0.25);
  const low = new Float32Array(cols * rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let m = 255;
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr;
          const cc = c + dc;
          if (rr >= 0 && rr < rows && cc >= 0 && cc < cols) m = Math.min(m, paper[rr * cols + cc]);
        }
      }
      low[r * cols + c] = m;
    }
  }
  // Each column's two blocks and weight, worked out once rather than per pixel (the same arithmetic, so the same values).
  const c0s = new Int32Array(width);
  const c1s = new Int32Array(width);
  const wxs = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    const fx = Math.min(cols - 1, Math.max(0, (x + 0.5) / block - 0.5));
    c0s[x] = Math.floor(fx);
    c1s[x] = Math.min(cols - 1, c0s[x] + 1);
    wxs[x] = fx - c0s[x];
  }
  const out = new Uint8Array(width * height);
  let lo = 255;
  let hi = 0;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(rows - 1, Math.max(0, (y + 0.5) / block - 0.5));
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
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  // Already ink (white on black): toInk keeps the polarity and finds the new paper level and the strongest ink. The
  // paper stays "not clean" (level ≥ 1), so that croppedInk still drops its grain.
  const evened = toInk({ data: out, width, height, alphaIsInk: true, lo, hi });
  return { ...evened, background: Math.max(1, evened.background) };
}

/** The q-quantile of each block's levels, counted in a histogram per block. */
function blockPercentiles(
  data: Uint8Array,
  width: number,
  height: number,
  block: number,
  cols: number,
  rows: number,
  q: number,
): Float32Array {
  const hist = new Uint32Array(cols * rows * 256);
  const columnBlock = Int32Array.from({ length: width }, (_, x) => Math.floor(x / block));
  for (let y = 0; y < height; y++) {
    const r = Math.floor(y / block);
    for (let x = 0, i = y * width; x < width; x++, i++) hist[(r * cols + columnBlock[x]) * 256 + data[i]]++;
  }
  const out = new Float32Array(cols * rows);
  for (let b = 0; b < cols * rows; b++) {
    let n = 0;
    for (let v = 0; v < 256; v++) n += hist[b * 256 + v];
    const target = q * n;
    let seen = 0;
    let v = 0;
    for (; v < 255; v++) {
      seen += hist[b * 256 + v];
      if (seen > target) break;
    }
    out[b] = v;
  }
  return out;
}
