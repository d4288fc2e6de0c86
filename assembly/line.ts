// The per-byte loops of levelling a sloping line for the line model (src/imaging/line.ts): the columns' ink and first
// moments the slope is fitted to, and the vertical shear, with the same double arithmetic as JavaScript would do them.

/** The greatest of `n` bytes at `data`: the strongest ink of a line's page, 16 bytes a step. */
export function maxByte(data: usize, n: i32): u8 {
  const count = <usize>n;
  let most = i8x16.splat(0);
  let i: usize = 0;
  for (; i + 16 <= count; i += 16) most = i8x16.max_u(most, v128.load(data + i));
  // Halves folded onto each other: lane 0 ends with the greatest of the sixteen.
  most = i8x16.max_u(most, i8x16.shuffle(most, most, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  most = i8x16.max_u(most, i8x16.shuffle(most, most, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3));
  most = i8x16.max_u(most, i8x16.shuffle(most, most, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1));
  most = i8x16.max_u(most, i8x16.shuffle(most, most, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0));
  let m = <u8>i8x16.extract_lane_u(most, 0);
  for (; i < count; i++) m = max<u8>(m, load<u8>(data + i));
  return m;
}

/** For each of `width` columns of `height` rows of bytes at `src` (the rows of the picture from row `top`): the sum of
 * its bytes (f64 at `masses`) and of each byte times its row in the picture (f64 at `moments`). Integers: exact. Summed
 * 16 columns a step in i32 lanes, added to the f64 sums before an i32 could overflow (the same integers, in any order). */
export function columnMoments(src: usize, width: i32, height: i32, top: i32, masses: usize, moments: usize): void {
  const w = <usize>width;
  memory.fill(masses, 0, w * 8);
  memory.fill(moments, 0, w * 8);
  // Rows a lane may take before its moment could pass 2^31 − 1: each adds at most 255 × the picture's last row.
  const chunk = max<i32>(1, <i32>(<i64>0x7fffffff / (<i64>255 * <i64>max<i32>(1, top + height))));
  let x: usize = 0;
  for (; x + 16 <= w; x += 16) {
    for (let y0: i32 = 0; y0 < height; y0 += chunk) {
      const y1 = min<i32>(height, y0 + chunk);
      let m0 = i32x4.splat(0), m1 = i32x4.splat(0), m2 = i32x4.splat(0), m3 = i32x4.splat(0);
      let s0 = i32x4.splat(0), s1 = i32x4.splat(0), s2 = i32x4.splat(0), s3 = i32x4.splat(0);
      for (let y = y0; y < y1; y++) {
        const bytes = v128.load(src + <usize>y * w + x);
        const lo = i16x8.extend_low_i8x16_u(bytes);
        const hi = i16x8.extend_high_i8x16_u(bytes);
        const v0 = i32x4.extend_low_i16x8_u(lo), v1 = i32x4.extend_high_i16x8_u(lo);
        const v2 = i32x4.extend_low_i16x8_u(hi), v3 = i32x4.extend_high_i16x8_u(hi);
        const at = i32x4.splat(top + y);
        m0 = i32x4.add(m0, v0); m1 = i32x4.add(m1, v1); m2 = i32x4.add(m2, v2); m3 = i32x4.add(m3, v3);
        s0 = i32x4.add(s0, i32x4.mul(v0, at)); s1 = i32x4.add(s1, i32x4.mul(v1, at));
        s2 = i32x4.add(s2, i32x4.mul(v2, at)); s3 = i32x4.add(s3, i32x4.mul(v3, at));
      }
      addLanes(masses + x * 8, m0, m1, m2, m3);
      addLanes(moments + x * 8, s0, s1, s2, s3);
    }
  }
  for (; x < w; x++) {
    let mass: f64 = 0;
    let moment: f64 = 0;
    for (let y: i32 = 0; y < height; y++) {
      const v = <f64>load<u8>(src + <usize>y * w + x);
      mass += v;
      moment += v * <f64>(top + y);
    }
    store<f64>(masses + x * 8, mass);
    store<f64>(moments + x * 8, moment);
  }
}

/** Sixteen i32 lanes added to the sixteen f64 at `to`. */
@inline function addLanes(to: usize, a: v128, b: v128, c: v128, d: v128): void {
  addLane4(to, a);
  addLane4(to + 32, b);
  addLane4(to + 64, c);
  addLane4(to + 96, d);
}

@inline function addLane4(to: usize, v: v128): void {
  v128.store(to, f64x2.add(v128.load(to), f64x2.convert_low_i32x4_s(v)));
  v128.store(to + 16, f64x2.add(v128.load(to + 16), f64x2.convert_low_i32x4_s(i32x4.shuffle(v, v, 2, 3, 0, 1))));
}

/**
 * The shear: output row r of column x (`outHeight` rows of `width` bytes at `out`) is input rows r − 1 − whole and
 * r − whole of that column (black outside the `height` rows at `src`), weighted by fraction and 1 − fraction, rounded
 * as Math.round does. Per column: whole (i32 at `wholes`, never falling with x), 1 − fraction and fraction (f64 at
 * `keeps`, `fracs`). Run by run of columns with the same whole, so that each row of a run is one plain loop.
 */
export function level(src: usize, width: i32, height: i32, outHeight: i32, wholes: usize, keeps: usize, fracs: usize, out: usize): void {
  const w = <usize>width;
  let x0: usize = 0;
  while (x0 < w) {
    const whole = load<i32>(wholes + x0 * 4);
    let x1 = x0 + 1;
    while (x1 < w && load<i32>(wholes + x1 * 4) == whole) x1++;
    for (let r: i32 = 0; r < outHeight; r++) {
      const y = r - 1 - whole; // the row above; the row below is y + 1
      const row = out + <usize>r * w;
      if (y >= 0 && y + 1 < height) {
        const above = src + <usize>y * w;
        const below = above + w;
        let x = x0;
        while (x < x1) {
          // Sixteen black pixels above and below give sixteen black ones (0 × weight + 0 × weight is 0): stored at once.
          if (x + 16 <= x1 && !v128.any_true(v128.or(v128.load(above + x), v128.load(below + x)))) {
            v128.store(row + x, i8x16.splat(0));
            x += 16;
            continue;
          }
          const end = min<usize>(x1, x + 16);
          // Two columns a step through the f64x2 lanes, each the scalar sum below in its order, rounded the same way.
          for (; x + 2 <= end; x += 2) {
            const b = f64x2.replace_lane(f64x2.splat(<f64>load<u8>(below + x)), 1, <f64>load<u8>(below + x + 1));
            const a = f64x2.replace_lane(f64x2.splat(<f64>load<u8>(above + x)), 1, <f64>load<u8>(above + x + 1));
            const v = f64x2.add(f64x2.mul(b, v128.load(keeps + x * 8)), f64x2.mul(a, v128.load(fracs + x * 8)));
            const down = f64x2.floor(v);
            const r = f64x2.add(down, v128.and(f64x2.ge(f64x2.sub(v, down), f64x2.splat(0.5)), f64x2.splat(1)));
            store<u8>(row + x, <u8>f64x2.extract_lane(r, 0));
            store<u8>(row + x + 1, <u8>f64x2.extract_lane(r, 1));
          }
          for (; x < end; x++) {
            const v = <f64>load<u8>(below + x) * load<f64>(keeps + x * 8) + <f64>load<u8>(above + x) * load<f64>(fracs + x * 8);
            store<u8>(row + x, <u8>roundHalfUp(v));
          }
        }
      } else if (y == -1 && height > 0) {
        // Above the first row: black, and b × keep + 0 × fraction is b × keep to the bit.
        for (let x = x0; x < x1; x++) store<u8>(row + x, <u8>roundHalfUp(<f64>load<u8>(src + x) * load<f64>(keeps + x * 8)));
      } else if (y == height - 1 && y >= 0) {
        const above = src + <usize>y * w;
        for (let x = x0; x < x1; x++) store<u8>(row + x, <u8>roundHalfUp(<f64>load<u8>(above + x) * load<f64>(fracs + x * 8)));
      } else {
        memory.fill(row + x0, 0, x1 - x0);
      }
    }
    x0 = x1;
  }
}

/** JavaScript's Math.round: the nearest integer, halves up (f64.nearest would round them to even). */
@inline function roundHalfUp(x: f64): f64 {
  const down = Math.floor(x);
  return x - down >= 0.5 ? down + 1 : down;
}
