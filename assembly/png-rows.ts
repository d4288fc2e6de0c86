// AssemblyScript, compiled to WebAssembly with SIMD by `npm run build:wasm` (scripts/build-wasm.ts), which writes
// src/imaging/png-rows-wasm.ts. The per-byte loops of decoding an 8-bit PNG (undoing the row filters, turning
// pixels into luma) and of normalising any picture (the ink's box, the crop through a table, the resample). Why not
// JavaScript: a plain JS byte loop costs ~2–5 ns a byte here, and a 280×280 drawing is 235–314 KB of them; 16-byte
// vectors undo Up rows and scan for ink, and one whole pixel per step undoes Sub, Average and Paeth
// (docs/performance.md). The callers (png-grey.ts, mnist-normalise.ts, resample.ts) lay out the memory and check every
// size; these functions only read and write inside the spans they give them.

/** Where the caller may start laying out its data: after this module's own static data. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * Undoes the filter of `height` rows of `stride` bytes (each after its filter byte) in place, from `raw`. The caller puts
 * a row of zeros (stride + 1 bytes) just before `raw`, as the row above the first, and 4 spare bytes after the last
 * row. `bpp` is 1–4 bytes per pixel. Returns the index of the first row with an unknown filter type, or −1.
 */
export function unfilter(raw: usize, height: i32, stride: i32, bpp: i32): i32 {
  const up = <usize>stride + 1;
  for (let y = 0; y < height; y++) {
    const start = raw + <usize>y * up + 1;
    const end = start + <usize>stride;
    const filter = load<u8>(start - 1);
    if (filter > 4) return y;
    if (filter == 0) continue;
    if (filter == 2) {
      let i = start;
      for (; i + 16 <= end; i += 16) v128.store(i, i8x16.add(v128.load(i), v128.load(i - up)));
      for (; i < end; i++) store<u8>(i, load<u8>(i) + load<u8>(i - up));
    } else if (bpp == 4) pixelSteps(start, end, up, filter, 4);
    else if (bpp == 3) pixelSteps(start, end, up, filter, 3);
    else if (bpp == 2) pixelSteps(start, end, up, filter, 2);
    else pixelSteps(start, end, up, filter, 1);
  }
  return -1;
}

/**
 * Sub (1), Average (3) or Paeth (4) over one row, a whole pixel a step as 16-bit lanes: a = left (already undone),
 * b = above, c = upper left, all 0 left of the first pixel. Each pixel depends on the one before, so the chain from
 * a to the next a is kept short: the pixel's bytes go to memory beside it, not through it.
 */
@inline function pixelSteps(start: usize, end: usize, up: usize, filter: u8, bpp: i32): void {
  const byte = i16x8.splat(255);
  let a = i16x8.splat(0);
  let c = i16x8.splat(0);
  for (let i = start; i < end; i += <usize>bpp) {
    const b = i16x8.extend_low_i8x16_u(v128.load32_zero(i - up));
    let predicted: v128;
    if (filter == 1) predicted = a;
    else if (filter == 3) predicted = i16x8.shr_u(i16x8.add(a, b), 1);
    else {
      // Paeth as stb_image writes it, equal to the spec's for every a, b, c (test/png-wasm.test.ts checks).
      const threshold = i16x8.sub(i16x8.add(c, i16x8.add(c, c)), i16x8.add(a, b));
      const lo = i16x8.min_s(a, b);
      const hi = i16x8.max_s(a, b);
      const loOrC = v128.bitselect(lo, c, i16x8.le_s(hi, threshold));
      predicted = v128.bitselect(hi, loOrC, i16x8.le_s(threshold, lo));
    }
    a = v128.and(i16x8.add(i16x8.extend_low_i8x16_u(v128.load32_zero(i)), predicted), byte);
    const undone = i8x16.narrow_i16x8_u(a, a);
    if (bpp == 4) v128.store32_lane(i, undone, 0);
    else if (bpp == 3) {
      v128.store16_lane(i, undone, 0);
      v128.store8_lane(i + 2, undone, 2);
    } else if (bpp == 2) v128.store16_lane(i, undone, 0);
    else v128.store8_lane(i, undone, 0);
    c = b;
  }
}

/**
 * The `height` unfiltered rows at `raw` (as `unfilter` left them) of `width` pixels of `channels` 8-bit samples →
 * Rec. 601 luma (16-bit fixed point, as mnist-normalise.ts's luma) at `lumas`, and for 2 or 4 channels the last sample
 * (alpha) at `alpha`, width × height bytes each. Returns the extremes packed: luma low | luma high << 8 | alpha low << 16
 * | alpha high << 24. RGB and RGBA go 4 pixels a step (reading up to 4 bytes past a row, which the caller provides).
 */
export function toLuma(raw: usize, width: i32, height: i32, channels: i32, lumas: usize, alpha: usize): u32 {
  let lo: u32 = 255;
  let hi: u32 = 0;
  let alphaLo: u32 = 255;
  let alphaHi: u32 = 0;
  const w = <usize>width;
  const step = <usize>channels;
  const up = w * step + 1;
  let low4 = i32x4.splat(255);
  let high4 = i32x4.splat(0);
  let alphaLow4 = i32x4.splat(255);
  let alphaHigh4 = i32x4.splat(0);
  for (let y: usize = 0; y < <usize>height; y++) {
    const from = raw + y * up + 1;
    const out = y * w;
    let p: usize = 0;
    if (channels == 4) {
      for (; p + 4 <= w; p += 4) {
        const pixels = v128.load(from + p * 4);
        const v = luma4(pixels, 4);
        const a = i32x4.shr_u(pixels, 24);
        v128.store32_lane(lumas + out + p, bytes4(v), 0);
        v128.store32_lane(alpha + out + p, bytes4(a), 0);
        low4 = i32x4.min_u(low4, v);
        high4 = i32x4.max_u(high4, v);
        alphaLow4 = i32x4.min_u(alphaLow4, a);
        alphaHigh4 = i32x4.max_u(alphaHigh4, a);
      }
    } else if (channels == 3) {
      for (; p + 4 <= w; p += 4) {
        const v = luma4(v128.load(from + p * 3), 3);
        v128.store32_lane(lumas + out + p, bytes4(v), 0);
        low4 = i32x4.min_u(low4, v);
        high4 = i32x4.max_u(high4, v);
      }
    }
    // The rest of the row (all of it for grey and grey+alpha), a pixel a step.
    for (let j = from + p * step; p < w; p++, j += step) {
      const v: u32 = channels >= 3 ? luma(load<u8>(j), load<u8>(j + 1), load<u8>(j + 2)) : load<u8>(j);
      store<u8>(lumas + out + p, v);
      lo = min(lo, v);
      hi = max(hi, v);
      if (channels == 2 || channels == 4) {
        const a = <u32>load<u8>(j + step - 1);
        store<u8>(alpha + out + p, a);
        alphaLo = min(alphaLo, a);
        alphaHi = max(alphaHi, a);
      }
    }
  }
  for (let k = 0; k < 4; k++) {
    lo = min(lo, i32x4.extract_lane(low4, 0));
    hi = max(hi, i32x4.extract_lane(high4, 0));
    alphaLo = min(alphaLo, i32x4.extract_lane(alphaLow4, 0));
    alphaHi = max(alphaHi, i32x4.extract_lane(alphaHigh4, 0));
    // Rotate the next lane into lane 0.
    low4 = i32x4.shuffle(low4, low4, 1, 2, 3, 0);
    high4 = i32x4.shuffle(high4, high4, 1, 2, 3, 0);
    alphaLow4 = i32x4.shuffle(alphaLow4, alphaLow4, 1, 2, 3, 0);
    alphaHigh4 = i32x4.shuffle(alphaHigh4, alphaHigh4, 1, 2, 3, 0);
  }
  return lo | (hi << 8) | (alphaLo << 16) | (alphaHi << 24);
}

@inline function luma(r: u32, g: u32, b: u32): u32 {
  return (19595 * r + 38470 * g + 7471 * b + 32768) >> 16;
}

/** The luma of the 4 pixels of `channels` (3 or 4) bytes at the start of `pixels`, one per 32-bit lane. */
@inline function luma4(pixels: v128, channels: i32): v128 {
  const r = channels == 4 ? i8x16.swizzle(pixels, v128(0, -1, -1, -1, 4, -1, -1, -1, 8, -1, -1, -1, 12, -1, -1, -1)) : i8x16.swizzle(pixels, v128(0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1));
  const g = channels == 4 ? i8x16.swizzle(pixels, v128(1, -1, -1, -1, 5, -1, -1, -1, 9, -1, -1, -1, 13, -1, -1, -1)) : i8x16.swizzle(pixels, v128(1, -1, -1, -1, 4, -1, -1, -1, 7, -1, -1, -1, 10, -1, -1, -1));
  const b = channels == 4 ? i8x16.swizzle(pixels, v128(2, -1, -1, -1, 6, -1, -1, -1, 10, -1, -1, -1, 14, -1, -1, -1)) : i8x16.swizzle(pixels, v128(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1));
  const sum = i32x4.add(i32x4.add(i32x4.mul(r, i32x4.splat(19595)), i32x4.mul(g, i32x4.splat(38470))), i32x4.add(i32x4.mul(b, i32x4.splat(7471)), i32x4.splat(32768)));
  return i32x4.shr_u(sum, 16);
}

/** Four 32-bit lanes of 0..255 → their 4 bytes at the start. */
@inline function bytes4(v: v128): v128 {
  const halves = i16x8.narrow_i32x4_u(v, v);
  return i8x16.narrow_i16x8_u(halves, halves);
}

/**
 * The box of the ink in `height` rows of `width` bytes at `data`: a byte is ink when it is above `above` or below
 * `below`. Writes left, top, right, bottom as four i32 at `box` (left = width, top = height, right = bottom = −1 when
 * there is none). Each row is scanned 16 bytes a step from the left up to its first ink, and from the right down to the
 * box's right edge so far, as mnist-normalise.ts's inkBox does a byte a step.
 */
export function inkBox(data: usize, width: i32, height: i32, above: u8, below: u8, box: usize): void {
  const hiV = i8x16.splat(above);
  const loV = i8x16.splat(below);
  const w = <usize>width;
  let left: i32 = width;
  let top: i32 = height;
  let right: i32 = -1;
  let bottom: i32 = -1;
  for (let y = 0; y < height; y++) {
    const row = data + <usize>y * w;
    let x: usize = 0;
    let found = false;
    for (; x + 16 <= w; x += 16) {
      const mask = i8x16.bitmask(inkBytes(v128.load(row + x), hiV, loV));
      if (mask != 0) {
        x += <usize>ctz(mask);
        found = true;
        break;
      }
    }
    if (!found) {
      for (; x < w; x++) {
        if (isInk(load<u8>(row + x), above, below)) {
          found = true;
          break;
        }
      }
    }
    if (!found) continue;
    if (<i32>x < left) left = <i32>x;
    if (top > y) top = y;
    bottom = y;
    // From the right end down to right + 1: 16 bytes a step while all of them lie beyond the box so far, then a byte.
    let r: i32 = width - 1;
    let more = true;
    for (; r - 15 > right; r -= 16) {
      const mask = i8x16.bitmask(inkBytes(v128.load(row + <usize>(r - 15)), hiV, loV));
      if (mask != 0) {
        right = r - 15 + 31 - <i32>clz(mask);
        more = false;
        break;
      }
    }
    for (; more && r > right; r--) {
      if (isInk(load<u8>(row + <usize>r), above, below)) {
        right = r;
        break;
      }
    }
  }
  store<i32>(box, left);
  store<i32>(box, top, 4);
  store<i32>(box, right, 8);
  store<i32>(box, bottom, 12);
}

/** 0xff in each lane whose byte is ink: above `hi` or below `lo`. */
@inline function inkBytes(bytes: v128, hi: v128, lo: v128): v128 {
  return v128.or(i8x16.gt_u(bytes, hi), i8x16.lt_u(bytes, lo));
}

@inline function isInk(v: u8, above: u8, below: u8): bool {
  return v > above || v < below;
}

/** The `boxWidth` × `boxHeight` box at (left, top) of the map of `width` bytes a row at `data`, each byte mapped through
 * the 256-byte table at `level`, to `out`. */
export function cropMap(data: usize, width: i32, left: i32, top: i32, boxWidth: i32, boxHeight: i32, level: usize, out: usize): void {
  const w = <usize>boxWidth;
  for (let y = 0; y < boxHeight; y++) {
    const from = data + <usize>(top + y) * <usize>width + <usize>left;
    const to = out + <usize>y * w;
    for (let x: usize = 0; x < w; x++) store<u8>(to + x, load<u8>(level + <usize>load<u8>(from + x)));
  }
}

/**
 * resample.ts's two passes, as it does them in JavaScript and with the same IEEE double arithmetic in the same order, so
 * the same bytes: `src` (width × height bytes) → `rows` (toWidth × height f32, the horizontal pass) → `out` (toWidth ×
 * toHeight bytes). Each axis's taps: per output, its first input (i32 at `start`), how many inputs (i32 at `count`) and
 * their weights (f64, `span` per output, at `weights`).
 */
export function resample(
  src: usize, width: i32, height: i32, toWidth: i32, toHeight: i32,
  xStart: usize, xCount: usize, xWeights: usize, xSpan: i32,
  yStart: usize, yCount: usize, yWeights: usize, ySpan: i32,
  rows: usize, out: usize,
): void {
  const tw = <usize>toWidth;
  for (let y: usize = 0; y < <usize>height; y++) {
    const line = src + y * <usize>width;
    for (let j: usize = 0; j < tw; j++) {
      const from = line + <usize>load<i32>(xStart + j * 4);
      const weights = xWeights + j * <usize>xSpan * 8;
      const n = <usize>load<i32>(xCount + j * 4);
      let sum: f64 = 0;
      for (let k: usize = 0; k < n; k++) sum += load<f64>(weights + k * 8) * <f64>load<u8>(from + k);
      store<f32>(rows + (y * tw + j) * 4, <f32>sum);
    }
  }
  for (let i: usize = 0; i < <usize>toHeight; i++) {
    const from = rows + <usize>load<i32>(yStart + i * 4) * tw * 4;
    const weights = yWeights + i * <usize>ySpan * 8;
    const n = <usize>load<i32>(yCount + i * 4);
    for (let x: usize = 0; x < tw; x++) {
      let sum: f64 = 0;
      for (let k: usize = 0; k < n; k++) sum += load<f64>(weights + k * 8) * <f64>load<f32>(from + (k * tw + x) * 4);
      store<u8>(out + i * tw + x, <u8>min<f64>(255, max<f64>(0, roundHalfUp(sum))));
    }
  }
}

/** JavaScript's Math.round: the nearest integer, halves up (f64.nearest would round them to even). */
@inline function roundHalfUp(x: f64): f64 {
  const down = Math.floor(x);
  return x - down >= 0.5 ? down + 1 : down;
}

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
