// The per-byte loops of decoding an 8-bit PNG (png-grey.ts): undoing the row filters and turning pixels into luma.
// 16-byte vectors undo Up rows, one whole pixel per step undoes Sub, Average and Paeth (docs/performance.md).

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
