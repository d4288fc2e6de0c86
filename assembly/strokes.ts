// The per-byte loops under the reader (imaging's unit-ink.ts and components.ts): a unit's own ink and its column
// profile, and the runs of stroke pixels that connected components are made of.

/**
 * One unit of the reader's page (unit-ink.ts): the `width` × `height` box at `ink` in rows of `stride` bytes, copied to
 * `mine` (width bytes a row), and per column how many bytes are at least `stroke` (its strokes), the first of those rows
 * and one past the last, and the first and last row with any ink (a byte above 0): five i32 arrays at `out` of
 * `columns` = width rounded up to 16 entries each, in that order; a column with none has 0, height, 0, height and −1.
 * The caller leaves 15 readable bytes after the box's last row (columns past `width` are read, and their entries are
 * not the caller's). 16 columns a step as two vectors of 16-bit lanes (height < 32768), without a branch per byte: a
 * JavaScript pass paid a mispredicted branch on most ink pixels.
 */
export function columnInk(ink: usize, stride: i32, width: i32, height: i32, stroke: u8, mine: usize, out: usize): void {
  const s = <usize>stride;
  const w = <usize>width;
  for (let y: usize = 0; y < <usize>height; y++) memory.copy(mine + y * w, ink + y * s, w);
  const columns = (w + 15) & ~15;
  const zero = i8x16.splat(0);
  const strokeV = i8x16.splat(stroke);
  const none = i16x8.splat(<i16>height);
  const noRow = i16x8.splat(-1);
  for (let x: usize = 0; x < columns; x += 16) {
    let countLo = zero;
    let countHi = zero;
    let topLo = none;
    let topHi = none;
    let pastLo = zero;
    let pastHi = zero;
    let firstLo = none;
    let firstHi = none;
    let lastLo = noRow;
    let lastHi = noRow;
    for (let y = 0; y < height; y++) {
      const v = v128.load(ink + <usize>y * s + x);
      const inked = i8x16.ne(v, zero);
      if (!v128.any_true(inked)) continue;
      const struck = i8x16.ge_u(v, strokeV);
      const row = i16x8.splat(<i16>y);
      const past = i16x8.splat(<i16>(y + 1));
      const inkedLo = i16x8.extend_low_i8x16_s(inked);
      const inkedHi = i16x8.extend_high_i8x16_s(inked);
      const struckLo = i16x8.extend_low_i8x16_s(struck);
      const struckHi = i16x8.extend_high_i8x16_s(struck);
      countLo = i16x8.sub(countLo, struckLo);
      countHi = i16x8.sub(countHi, struckHi);
      topLo = i16x8.min_s(topLo, v128.bitselect(row, none, struckLo));
      topHi = i16x8.min_s(topHi, v128.bitselect(row, none, struckHi));
      pastLo = i16x8.max_s(pastLo, v128.bitselect(past, zero, struckLo));
      pastHi = i16x8.max_s(pastHi, v128.bitselect(past, zero, struckHi));
      firstLo = i16x8.min_s(firstLo, v128.bitselect(row, none, inkedLo));
      firstHi = i16x8.min_s(firstHi, v128.bitselect(row, none, inkedHi));
      lastLo = i16x8.max_s(lastLo, v128.bitselect(row, noRow, inkedLo));
      lastHi = i16x8.max_s(lastHi, v128.bitselect(row, noRow, inkedHi));
    }
    const at = out + 4 * x;
    const array = 4 * columns;
    storeWide(at, countLo, countHi);
    storeWide(at + array, topLo, topHi);
    storeWide(at + 2 * array, pastLo, pastHi);
    storeWide(at + 3 * array, firstLo, firstHi);
    storeWide(at + 4 * array, lastLo, lastHi);
  }
}

/** Sixteen 16-bit lanes (columns 0–7 in `lo`, 8–15 in `hi`) as sixteen i32 at `at`. */
@inline function storeWide(at: usize, lo: v128, hi: v128): void {
  v128.store(at, i32x4.extend_low_i16x8_s(lo));
  v128.store(at, i32x4.extend_high_i16x8_s(lo), 16);
  v128.store(at, i32x4.extend_low_i16x8_s(hi), 32);
  v128.store(at, i32x4.extend_high_i16x8_s(hi), 48);
}

/**
 * The runs of bytes at least `threshold` in each of `height` rows of `width` bytes at `data`, for the reader's
 * components.ts: run k's first column and one past its last as two i32 at `runs` + 8k, and after row y the number of
 * runs so far as an i32 at `rowEnds` + 4y. Returns the number of runs; the caller leaves room for width / 2 + 1 a row.
 * Paper and stroke are skipped 16 bytes a step.
 */
export function strokeRuns(data: usize, width: i32, height: i32, threshold: u8, runs: usize, rowEnds: usize): i32 {
  const t = i8x16.splat(threshold);
  const w = <usize>width;
  let n: i32 = 0;
  for (let y = 0; y < height; y++) {
    const row = data + <usize>y * w;
    let x: usize = 0;
    while (true) {
      for (; x + 16 <= w; x += 16) {
        const ink = i8x16.bitmask(i8x16.ge_u(v128.load(row + x), t));
        if (ink != 0) {
          x += <usize>ctz(ink);
          break;
        }
      }
      while (x < w && load<u8>(row + x) < threshold) x++;
      if (x >= w) break;
      const start = x;
      for (; x + 16 <= w; x += 16) {
        const paper = i8x16.bitmask(i8x16.lt_u(v128.load(row + x), t));
        if (paper != 0) {
          x += <usize>ctz(paper);
          break;
        }
      }
      while (x < w && load<u8>(row + x) >= threshold) x++;
      store<i32>(runs + 8 * <usize>n, <i32>start);
      store<i32>(runs + 8 * <usize>n, <i32>x, 4);
      n++;
    }
    store<i32>(rowEnds + 4 * <usize>y, n);
  }
  return n;
}
