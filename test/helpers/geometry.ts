// What the service's normalisation promises of a 28×28 digit, measured: its ink's box and centre of mass.

/** The ink's bounding box and centre of mass of a 28×28 picture. */
export function geometry(img: Uint8Array) {
  let [l, t, r, b, m, mx, my] = [28, 28, -1, -1, 0, 0, 0];
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const v = img[y * 28 + x];
      if (!v) continue;
      [l, t, r, b] = [Math.min(l, x), Math.min(t, y), Math.max(r, x), Math.max(b, y)];
      [m, mx, my] = [m + v, mx + v * (x + 0.5), my + v * (y + 0.5)];
    }
  }
  return { width: r - l + 1, height: b - t + 1, cx: mx / m, cy: my / m };
}
