// The per-byte loops of normalising any picture (mnist-normalise.ts, resample.ts): the ink's box, the crop through a
// table, the resample.

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
 * their weights (f64, `span` per output, at `weights`). Two rows (horizontal pass) or two columns (vertical pass) go
 * through the f64x2 lanes at once: each lane does exactly one pixel's scalar sum, in its order.
 */
export function resample(
  src: usize, width: i32, height: i32, toWidth: i32, toHeight: i32,
  xStart: usize, xCount: usize, xWeights: usize, xSpan: i32,
  yStart: usize, yCount: usize, yWeights: usize, ySpan: i32,
  rows: usize, out: usize,
): void {
  const tw = <usize>toWidth;
  const w = <usize>width;
  let y: usize = 0;
  for (; y + 2 <= <usize>height; y += 2) {
    const line = src + y * w;
    for (let j: usize = 0; j < tw; j++) {
      const from = line + <usize>load<i32>(xStart + j * 4);
      const weights = xWeights + j * <usize>xSpan * 8;
      const n = <usize>load<i32>(xCount + j * 4);
      let sum = f64x2.splat(0);
      for (let k: usize = 0; k < n; k++) {
        const pixels = f64x2.replace_lane(f64x2.splat(<f64>load<u8>(from + k)), 1, <f64>load<u8>(from + w + k));
        sum = f64x2.add(sum, f64x2.mul(f64x2.splat(load<f64>(weights + k * 8)), pixels));
      }
      store<f32>(rows + (y * tw + j) * 4, <f32>f64x2.extract_lane(sum, 0));
      store<f32>(rows + ((y + 1) * tw + j) * 4, <f32>f64x2.extract_lane(sum, 1));
    }
  }
  for (; y < <usize>height; y++) {
    const line = src + y * w;
    for (let j: usize = 0; j < tw; j++) {
      const from = line + <usize>load<i32>(xStart + j * 4);
      const weights = xWeights + j * <usize>xSpan * 8;
      const n = <usize>load<i32>(xCount + j * 4);
      let sum: f64 = 0;
      for (let k: usize = 0; k < n; k++) sum += load<f64>(weights + k * 8) * <f64>load<u8>(from + k);
      store<f32>(rows + (y * tw + j) * 4, <f32>sum);
    }
  }
  const half = f64x2.splat(0.5);
  const one = f64x2.splat(1);
  const top = f64x2.splat(255);
  const zero = f64x2.splat(0);
  for (let i: usize = 0; i < <usize>toHeight; i++) {
    const from = rows + <usize>load<i32>(yStart + i * 4) * tw * 4;
    const weights = yWeights + i * <usize>ySpan * 8;
    const n = <usize>load<i32>(yCount + i * 4);
    let x: usize = 0;
    for (; x + 2 <= tw; x += 2) {
      let sum = f64x2.splat(0);
      for (let k: usize = 0; k < n; k++) {
        const pixels = f64x2.promote_low_f32x4(v128.load64_zero(from + (k * tw + x) * 4));
        sum = f64x2.add(sum, f64x2.mul(f64x2.splat(load<f64>(weights + k * 8)), pixels));
      }
      // roundHalfUp, then clamped to 0..255, lane by lane.
      const down = f64x2.floor(sum);
      const rounded = f64x2.add(down, v128.and(f64x2.ge(f64x2.sub(sum, down), half), one));
      const v = f64x2.min(top, f64x2.max(zero, rounded));
      store<u8>(out + i * tw + x, <u8>f64x2.extract_lane(v, 0));
      store<u8>(out + i * tw + x + 1, <u8>f64x2.extract_lane(v, 1));
    }
    for (; x < tw; x++) {
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
