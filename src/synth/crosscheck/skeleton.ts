// The centre line of a digit's strokes, so it can be drawn again with a pen of another width, as another writer would.
import type { Layer } from './raster.js';

/** Zhang–Suen thinning of the ink above `threshold`: the pixels (as x, y pairs) of a one-pixel-wide path. */
export function skeleton(layer: Layer, threshold = 0.5): Int32Array {
  const { width, height, data } = layer;
  const on = new Uint8Array(width * height);
  for (let i = 0; i < on.length; i++) on[i] = data[i] > threshold ? 1 : 0;
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= width || y >= height ? 0 : on[y * width + x]);
  const drop: number[] = [];
  for (let changed = true, pass = 0; changed && pass < 2 * (width + height); pass++) {
    changed = false;
    for (const step of [0, 1]) {
      drop.length = 0;
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          if (!on[y * width + x]) continue;
          const p2 = at(x, y - 1);
          const p3 = at(x + 1, y - 1);
          const p4 = at(x + 1, y);
          const p5 = at(x + 1, y + 1);
          const p6 = at(x, y + 1);
          const p7 = at(x - 1, y + 1);
          const p8 = at(x - 1, y);
          const p9 = at(x - 1, y - 1);
          const b = p2 + p3 + p4 + p5 + p6 + p7 + p8 + p9;
          if (b < 2 || b > 6) continue;
          // Zero-to-one steps around the ring: exactly one means the pixel lies on a stroke's edge, not a joint.
          const a = +(p2 < p3) + +(p3 < p4) + +(p4 < p5) + +(p5 < p6) + +(p6 < p7) + +(p7 < p8) + +(p8 < p9) + +(p9 < p2);
          if (a !== 1) continue;
          if (step === 0 ? p2 * p4 * p6 === 0 && p4 * p6 * p8 === 0 : p2 * p4 * p8 === 0 && p2 * p6 * p8 === 0) drop.push(y * width + x);
        }
      for (const i of drop) on[i] = 0;
      if (drop.length) changed = true;
    }
  }
  let count = 0;
  for (let i = 0; i < on.length; i++) count += on[i];
  const points = new Int32Array(2 * count);
  let k = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (on[y * width + x]) {
        points[k++] = x;
        points[k++] = y;
      }
  return points;
}

/** Drops side branches shorter than `length` px (thinning leaves them at corners and edge bumps, and a pen drawn along
 * them would sprout whiskers), then grows the main strokes' ends back over what the pruning took from them. */
export function prune(points: Int32Array, width: number, height: number, length: number): Int32Array {
  const on = new Uint8Array(width * height);
  for (let k = 0; k < points.length; k += 2) on[points[k + 1] * width + points[k]] = 1;
  const neighbours = (i: number) => {
    const x = i % width;
    const y = (i - x) / width;
    let n = 0;
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx;
        const yy = y + dy;
        if ((dx || dy) && xx >= 0 && yy >= 0 && xx < width && yy < height && on[yy * width + xx]) n++;
      }
    return n;
  };
  const removed = new Uint8Array(width * height);
  for (let step = 0; step < length; step++) {
    const ends: number[] = [];
    for (let i = 0; i < on.length; i++) if (on[i] && neighbours(i) <= 1) ends.push(i);
    for (const i of ends) {
      on[i] = 0;
      removed[i] = 1;
    }
  }
  for (let step = 0; step < length; step++) {
    const grow: number[] = [];
    for (let i = 0; i < on.length; i++) {
      if (!on[i] || neighbours(i) !== 1) continue;
      const x = i % width;
      const y = (i - x) / width;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const j = (y + dy) * width + (x + dx);
          if ((dx || dy) && x + dx >= 0 && y + dy >= 0 && x + dx < width && y + dy < height && removed[j]) grow.push(j);
        }
    }
    if (!grow.length) break;
    for (const j of grow) {
      on[j] = 1;
      removed[j] = 0;
    }
  }
  const out: number[] = [];
  for (let i = 0; i < on.length; i++) if (on[i]) out.push(i % width, Math.floor(i / width));
  return Int32Array.from(out);
}
