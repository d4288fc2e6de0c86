// The centre line of a digit's strokes, so it can be drawn again with a pen of another width, as another writer would.
import type { Layer } from './raster.js';

/** The 8 neighbours of pixel i in a padded grid, clockwise from north (P2..P9 in Zhang and Suen's naming). */
const ring = (i: number, w: number) => [i - w, i - w + 1, i + 1, i + w + 1, i + w, i + w - 1, i - 1, i - w - 1];

/** Zhang–Suen thinning of the ink above `threshold`: the pixels (as x, y pairs) of a one-pixel-wide path. */
export function skeleton(layer: Layer, threshold = 0.5): Int32Array {
  const { width, height, data } = layer;
  // A one-pixel blank border, so no neighbour test needs a bounds check.
  const w = width + 2;
  const on = new Uint8Array(w * (height + 2));
  let live: number[] = [];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (data[y * width + x] > threshold) {
        const i = (y + 1) * w + x + 1;
        on[i] = 1;
        live.push(i);
      }
  const drop: number[] = [];
  for (let changed = true, pass = 0; changed && pass < width + height; pass++) {
    changed = false;
    for (const step of [0, 1]) {
      drop.length = 0;
      for (const i of live) {
        const [n2, n3, n4, n5, n6, n7, n8, n9] = ring(i, w);
        const p2 = on[n2];
        const p3 = on[n3];
        const p4 = on[n4];
        const p5 = on[n5];
        const p6 = on[n6];
        const p7 = on[n7];
        const p8 = on[n8];
        const p9 = on[n9];
        const b = p2 + p3 + p4 + p5 + p6 + p7 + p8 + p9;
        if (b < 2 || b > 6) continue;
        // Zero-to-one steps around the ring: exactly one means the pixel lies on a stroke's edge, not a joint.
        const a = +(p2 < p3) + +(p3 < p4) + +(p4 < p5) + +(p5 < p6) + +(p6 < p7) + +(p7 < p8) + +(p8 < p9) + +(p9 < p2);
        if (a !== 1) continue;
        if (step === 0 ? p2 * p4 * p6 === 0 && p4 * p6 * p8 === 0 : p2 * p4 * p8 === 0 && p2 * p6 * p8 === 0) drop.push(i);
      }
      for (const i of drop) on[i] = 0;
      if (drop.length) {
        changed = true;
        live = live.filter((i) => on[i]);
      }
    }
  }
  live = prune(on, live, w, Math.ceil(0.09 * height));
  live.sort((a, b) => a - b);
  const points = new Int32Array(2 * live.length);
  live.forEach((i, k) => {
    points[2 * k] = (i % w) - 1;
    points[2 * k + 1] = Math.floor(i / w) - 1;
  });
  return points;
}

/** Drops side branches shorter than `length` px (thinning leaves them at corners and edge bumps, and a pen drawn along
 * them would sprout whiskers), then grows the main strokes' ends back over what the pruning took from them. */
function prune(on: Uint8Array, live: number[], w: number, length: number): number[] {
  const count = (i: number) => {
    let n = 0;
    for (const j of ring(i, w)) n += on[j];
    return n;
  };
  const removed: number[] = [];
  for (let step = 0; step < length; step++) {
    const ends = live.filter((i) => count(i) <= 1);
    if (!ends.length) break;
    for (const i of ends) {
      on[i] = 0;
      removed.push(i);
    }
    live = live.filter((i) => on[i]);
  }
  const gone = new Set(removed);
  for (let step = 0; step < length; step++) {
    const grow: number[] = [];
    for (const i of live) if (count(i) === 1) for (const j of ring(i, w)) if (gone.has(j)) grow.push(j);
    if (!grow.length) break;
    for (const j of grow) {
      if (on[j]) continue;
      on[j] = 1;
      gone.delete(j);
      live.push(j);
    }
  }
  return live;
}
