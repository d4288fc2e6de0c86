// The per-byte loops of levelling a sloping line for the line model (src/imaging/line.ts): the columns' ink and first
// moments the slope is fitted to, and the vertical shear, with the same double arithmetic as JavaScript would do them.

/** For each of `width` columns of `height` rows of bytes at `src` (the rows of the picture from row `top`): the sum of
 * its bytes (f64 at `masses`) and of each byte times its row in the picture (f64 at `moments`). Integers: exact. */
export function columnMoments(src: usize, width: i32, height: i32, top: i32, masses: usize, moments: usize): void {
  const w = <usize>width;
  memory.fill(masses, 0, w * 8);
  memory.fill(moments, 0, w * 8);
  for (let y: i32 = 0; y < height; y++) {
    const row = src + <usize>y * w;
    const at = <f64>(top + y);
    for (let x: usize = 0; x < w; x++) {
      const v = <f64>load<u8>(row + x);
      store<f64>(masses + x * 8, load<f64>(masses + x * 8) + v);
      store<f64>(moments + x * 8, load<f64>(moments + x * 8) + v * at);
    }
  }
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
        for (let x = x0; x < x1; x++) {
          const v = <f64>load<u8>(below + x) * load<f64>(keeps + x * 8) + <f64>load<u8>(above + x) * load<f64>(fracs + x * 8);
          store<u8>(row + x, <u8>roundHalfUp(v));
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
