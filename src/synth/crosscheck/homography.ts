// The plane-to-plane map a camera makes of a flat sheet, from four corners, for the photo set's tilt and turn.

export type Point = readonly [number, number];

/** The 3×3 map (row-major, last entry 1) that takes each `from[k]` to `to[k]`. */
export function homography(from: readonly Point[], to: readonly Point[]): Float64Array {
  const m: number[][] = [];
  for (let k = 0; k < 4; k++) {
    const [x, y] = from[k];
    const [u, v] = to[k];
    m.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    m.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  // Gaussian elimination with partial pivoting on the 8×9 augmented system.
  for (let col = 0; col < 8; col++) {
    let pivot = col;
    for (let r = col + 1; r < 8; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    if (Math.abs(m[col][col]) < 1e-12) throw new Error('crosscheck: degenerate corners for a homography');
    for (let r = 0; r < 8; r++) {
      if (r === col) continue;
      const f = m[r][col] / m[col][col];
      for (let c = col; c < 9; c++) m[r][c] -= f * m[col][c];
    }
  }
  const h = new Float64Array(9);
  for (let r = 0; r < 8; r++) h[r] = m[r][8] / m[r][r];
  h[8] = 1;
  return h;
}

/** Where `h` takes (x, y). */
export function apply(h: Float64Array, x: number, y: number): Point {
  const w = h[6] * x + h[7] * y + h[8];
  return [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w];
}
